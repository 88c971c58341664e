#!/usr/bin/env bash
# Redraft demo: the executor's review → revise → approve loop against a local git remote.
#
#   ./hack/demo.sh                     # builds redraft-executor into build/, then runs the demo
#   REDRAFT_DEMO_SKIP_BUILD=1 REDRAFT_EXECUTOR=/path/to/redraft-executor ./hack/demo.sh
#
# A bare repository with a few commits is served by `git daemon` on 127.0.0.1 (a free port).
# The scripted agents of examples/agents play coder and reviewer:
#   1. code task      — the coder writes hello.txt; pushed to redraft/demo/issue-1
#   2. review task    — the reviewer says NO-GO with a finding
#   3. revision task  — restores redraft/demo/issue-1 from the remote, applies the finding, and
#                       pushes on top of it with a lease on the SHA it observed
#   4. review task    — the reviewer says GO
# Exits 0 only when all of that happened (verdicts, parentage, trailers, remote SHAs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${REDRAFT_DEMO_BUILD_DIR:-$root/build}"
if [ -z "${REDRAFT_DEMO_SKIP_BUILD:-}" ]; then
  echo "==> building redraft-executor in $build"
  cmake -S "$root" -B "$build" >/dev/null
  cmake --build "$build" --target redraft-executor -j "$(nproc)" >/dev/null
fi
exe="${REDRAFT_EXECUTOR:-$build/executor/redraft-executor}"
[ -x "$exe" ] || { echo "demo: executor not found at $exe" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/redraft-demo-XXXXXX")"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# git must not read the user's or machine's configuration, nor ever prompt.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME="Demo Maintainer" GIT_AUTHOR_EMAIL="maintainer@demo.invalid"
export GIT_COMMITTER_NAME="Demo Maintainer" GIT_COMMITTER_EMAIL="maintainer@demo.invalid"

fail() { echo "DEMO FAILED: $*" >&2; exit 1; }

echo "==> creating the upstream repository"
mkdir -p "$work/remote" "$work/seed"
git init --quiet --bare --initial-branch=main "$work/remote/demo.git"
git init --quiet --initial-branch=main "$work/seed"
printf '# Demo project\n' > "$work/seed/README.md"
git -C "$work/seed" add README.md && git -C "$work/seed" commit --quiet -m "Initial commit"
mkdir -p "$work/seed/src" && printf 'int main() { return 0; }\n' > "$work/seed/src/main.c"
git -C "$work/seed" add src && git -C "$work/seed" commit --quiet -m "Add main.c"
printf '# Demo project\n\nSays hello.\n' > "$work/seed/README.md"
git -C "$work/seed" commit --quiet -am "Describe the project"
git -C "$work/seed" push --quiet "$work/remote/demo.git" main
base_sha="$(git -C "$work/seed" rev-parse HEAD)"

echo "==> serving it with git daemon on 127.0.0.1"
port=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  candidate=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  git daemon --reuseaddr --export-all --enable=receive-pack --base-path="$work/remote" \
    --listen=127.0.0.1 --port="$candidate" "$work/remote" >"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 300); do  # up to ~30 s: poll until it answers
    if ! kill -0 "$daemon_pid" 2>/dev/null; then break; fi
    if git ls-remote "git://127.0.0.1:$candidate/demo.git" >/dev/null 2>&1; then
      port="$candidate"; break
    fi
    sleep 0.1
  done
  [ -n "$port" ] && break
  kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
done
[ -n "$port" ] || fail "git daemon did not start: $(cat "$work/daemon.log")"
url="git://127.0.0.1:$port/demo.git"
branch="redraft/demo/issue-1"
echo "    $url"

# One task document; $4 is extra spec JSON (",..." or empty).
write_task() {  # name kind agent extra
  cat > "$work/$1.json" <<JSON
{"apiVersion": "redraft.dev/v1alpha1", "kind": "AgenticTask",
 "metadata": {"name": "$1", "namespace": "default",
   "labels": {"redraft.dev/workload": "demo", "redraft.dev/item": "issue-1", "redraft.dev/iteration": "$5"}},
 "spec": {"kind": "$2", "agentRef": {"name": "$3"}, "repo": {"url": "$url"},
   "baseBranch": "main", "branch": "$branch",
   "issue": {"number": 1, "title": "Say hello", "body": "Add a hello.txt that greets the user."}$4}}
JSON
}

# Runs all phases of a task; prints the executor's log and the result; the result goes to $work/<name>.result.
run_task() {  # name agent-yaml
  local name="$1" agent="$2" rc=0
  echo
  echo "==> task $name ($(basename "$agent" .yaml))"
  "$exe" run --task-file "$work/$name.json" --agent-file "$agent" --workspace "$work/$name.ws" \
    --state-dir "$work/$name.state" --result-file "$work/$name.result" >"$work/$name.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$work/$name.log"
  [ -s "$work/$name.result" ] || fail "$name wrote no result (exit code $rc)"
  echo "    result: verdict=$(field "$work/$name.result" verdict) commit=$(field "$work/$name.result" commitSha) reason=$(field "$work/$name.result" reason)"
}

field() {  # file key: the string value of "key" (its last occurrence) in a JSON document
  tr -d '\n' < "$1" | sed -n "s/.*\"$2\": *\"\\([^\"]*\\)\".*/\\1/p"
}

expect_field() {  # file key value
  local got; got="$(field "$1" "$2")"
  [ "$got" = "$3" ] || fail "$(basename "$1"): $2 is '$got', expected '$3'"
}

coder="$root/examples/agents/demo-coder.yaml"
reviewer="$root/examples/agents/demo-reviewer.yaml"

write_task demo-issue-1-code code demo-coder "" 0
run_task demo-issue-1-code "$coder"
expect_field "$work/demo-issue-1-code.result" verdict PUSHED
first_sha="$(field "$work/demo-issue-1-code.result" commitSha)"
[ "$(git --git-dir="$work/remote/demo.git" rev-parse "refs/heads/$branch")" = "$first_sha" ] ||
  fail "remote $branch is not the pushed commit $first_sha"

write_task demo-issue-1-review-1 review demo-reviewer "" 0
run_task demo-issue-1-review-1 "$reviewer"
expect_field "$work/demo-issue-1-review-1.result" verdict NO-GO
# The reviewer's findings become the revision's feedback (the operator does this in a cluster).
findings="$(tr -d '\n' < "$work/demo-issue-1-review-1.result" |
  sed -n 's/.*"findings": *\(\[[^]]*\]\).*/\1/p' | sed 's/{/{"reviewer": "demo-reviewer", /g')"
[ -n "$findings" ] || fail "the NO-GO review has no findings"

write_task demo-issue-1-code-r1 code demo-coder ", \"reviseFromBranch\": \"$branch\", \"branchStrategy\": \"restore\", \"allowOverwrite\": true, \"expectedRemoteSha\": \"$first_sha\", \"feedback\": $findings" 1
run_task demo-issue-1-code-r1 "$coder"
echo "    the revision's prompt asked for:"
sed -n '/^## Requested changes/,/^## Original issue/p' "$work/demo-issue-1-code-r1.state/prompt.md" |
  sed '$d; s/^/      /'
grep -q '^   Suggestion: append: Goodbye from redraft$' "$work/demo-issue-1-code-r1.state/prompt.md" ||
  fail "the revision prompt does not carry the reviewer's finding"
expect_field "$work/demo-issue-1-code-r1.result" verdict PUSHED
second_sha="$(field "$work/demo-issue-1-code-r1.result" commitSha)"
grep -q '"outcome": *"restored"' <<<"$(tr -d '\n' < "$work/demo-issue-1-code-r1.result")" ||
  fail "the revision did not restore the prior attempt"

write_task demo-issue-1-review-2 review demo-reviewer "" 1
run_task demo-issue-1-review-2 "$reviewer"
expect_field "$work/demo-issue-1-review-2.result" verdict GO

echo
echo "==> history of $branch on the remote"
git --git-dir="$work/remote/demo.git" log --format='    %h %s%n%(trailers:only,unfold,separator=%x0a)%n' \
  "refs/heads/$branch" "^$base_sha~1" | sed '/^$/d; s/^Redraft/      Redraft/'

remote_sha="$(git --git-dir="$work/remote/demo.git" rev-parse "refs/heads/$branch")"
[ "$remote_sha" = "$second_sha" ] || fail "remote $branch is $remote_sha, expected the revision $second_sha"
parent="$(git --git-dir="$work/remote/demo.git" rev-parse "$second_sha^")"
[ "$parent" = "$first_sha" ] || fail "the revision's parent is $parent, expected the first attempt $first_sha"
[ "$(git --git-dir="$work/remote/demo.git" rev-parse "$first_sha^")" = "$base_sha" ] ||
  fail "the first attempt is not cut from main"
for sha in "$first_sha" "$second_sha"; do
  trailers="$(git --git-dir="$work/remote/demo.git" log -1 --format='%(trailers:only,unfold)' "$sha")"
  for key in Redraft-Task Redraft-Agent; do
    grep -q "^$key: " <<<"$trailers" || fail "commit $sha has no $key trailer"
  done
done
# (here-strings, not `echo | grep -q`: with pipefail, grep quitting early can fail the pipeline)
grep -q '^Redraft-Task: demo-issue-1-code-r1$' \
  <<<"$(git --git-dir="$work/remote/demo.git" log -1 --format='%(trailers:only,unfold)' "$second_sha")" ||
  fail "the revision's Redraft-Task trailer is wrong"
[ "$(git --git-dir="$work/remote/demo.git" show "$second_sha:hello.txt")" = "$(printf 'Hello from redraft (issue #1)\nGoodbye from redraft')" ] ||
  fail "hello.txt does not hold the requested change"

echo
echo "DEMO OK: code PUSHED $first_sha → review NO-GO → revision PUSHED $second_sha (parent $first_sha) → review GO"
