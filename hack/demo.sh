#!/usr/bin/env bash
# Redraft demo: the operator's code → review → NO-GO → revision → GO loop, on this machine.
#
#   ./hack/demo.sh                  # builds the four binaries into build/, then runs the demo
#   REDRAFT_DEMO_SKIP_BUILD=1 REDRAFT_DEMO_BUILD_DIR=/path/to/build ./hack/demo.sh
#   REDRAFT_DEMO_KEEP=1 ./hack/demo.sh   # keep the work directory (logs, repository) afterwards
#
# Three processes stand in for a cluster (DESIGN.md §1, local mode):
#   redraft-devserver  an in-memory Kubernetes API server (kubectl talks to it)
#   redraft-localnode  a node agent: binds the task Pods to itself and runs their containers as
#                      host processes (the executor image maps to the built redraft-executor;
#                      the demo agents' `sh` comes from the host PATH)
#   redraft-operator   the operator, exactly the binary that runs in a cluster
# A sample repository is served by `git daemon` on 127.0.0.1. The demo applies the CRDs, the
# scripted Agents of examples/agents, a git-credentials Secret and examples/demo-workload.yaml,
# shows each task as it runs, waits for the Workload's Complete condition and checks on the git
# remote that code ⇒ NO-GO ⇒ revision (restored from the first attempt) ⇒ GO happened.
# Every process it starts is stopped on exit, Ctrl-C or failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${REDRAFT_DEMO_BUILD_DIR:-$root/build}"
if [ -z "${REDRAFT_DEMO_SKIP_BUILD:-}" ]; then
  echo "==> building redraft-executor, redraft-devserver, redraft-localnode, redraft-operator in $build"
  cmake -S "$root" -B "$build" >/dev/null
  cmake --build "$build" -j "$(nproc)" \
    --target redraft-executor redraft-devserver redraft-localnode redraft-operator >/dev/null
fi
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
exe="${REDRAFT_EXECUTOR:-$build/executor/redraft-executor}"
devserver="${REDRAFT_DEVSERVER:-$build/hack/devserver/redraft-devserver}"
localnode="${REDRAFT_LOCALNODE:-$build/hack/localnode/redraft-localnode}"
operator="${REDRAFT_OPERATOR:-$build/operator/redraft-operator}"
for bin in "$exe" "$devserver" "$localnode" "$operator"; do
  [ -x "$bin" ] || { echo "demo: $bin not found (build it, or set REDRAFT_DEMO_BUILD_DIR)" >&2; exit 2; }
done
# The node runs pods in their own directories: the executor's directory must be absolute.
exe="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"
command -v kubectl >/dev/null || { echo "demo: kubectl is not on PATH" >&2; exit 2; }
timeout_s="${REDRAFT_DEMO_TIMEOUT:-300}"

work="$(mktemp -d "${TMPDIR:-/tmp}/redraft-demo-XXXXXX")"
declare -A pids=()   # name ⇒ pid of every process this script started
stop_process() {     # name: SIGTERM, up to 10 s, then SIGKILL
  local name="$1" pid="${pids[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "pids[$name]"
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # The operator first (no new pods), then the node (it kills the pods' processes), then the rest.
  for name in operator localnode devserver git-daemon; do stop_process "$name"; done
  if [ -n "${REDRAFT_DEMO_KEEP:-}" ]; then echo "demo: work directory kept: $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# git must not read the user's or machine's configuration, nor ever prompt.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME="Demo Maintainer" GIT_AUTHOR_EMAIL="maintainer@demo.invalid"
export GIT_COMMITTER_NAME="Demo Maintainer" GIT_COMMITTER_EMAIL="maintainer@demo.invalid"
export KUBECONFIG="$work/kubeconfig"

fail() {
  echo "DEMO FAILED: $*" >&2
  for log in operator localnode; do
    [ -s "$work/$log.log" ] && { echo "--- last lines of the $log log" >&2; tail -n 25 "$work/$log.log" >&2; }
  done
  exit 1
}

start() {  # name command...: runs it in the background, output to $work/<name>.log
  local name="$1"; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids[$name]=$!
}

wait_for_line() {  # name text seconds: until the process printed text, or fail
  local name="$1" text="$2" seconds="$3"
  for _ in $(seq 1 $((seconds * 10))); do
    if grep -qF -- "$text" "$work/$name.log" 2>/dev/null; then
      echo "    $name: $(grep -m1 -F -- "$text" "$work/$name.log")"; return 0
    fi
    kill -0 "${pids[$name]}" 2>/dev/null || fail "$name exited before printing \"$text\": $(tail -n 20 "$work/$name.log")"
    sleep 0.1
  done
  fail "$name did not print \"$text\" within ${seconds}s: $(tail -n 20 "$work/$name.log")"
}

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
  start git-daemon git daemon --reuseaddr --export-all --enable=receive-pack --base-path="$work/remote" \
    --listen=127.0.0.1 --port="$candidate" "$work/remote"
  for _ in $(seq 1 300); do  # up to ~30 s: poll until it answers
    kill -0 "${pids[git-daemon]}" 2>/dev/null || break
    if git ls-remote "git://127.0.0.1:$candidate/demo.git" >/dev/null 2>&1; then port="$candidate"; break; fi
    sleep 0.1
  done
  [ -n "$port" ] && break
  stop_process git-daemon
done
[ -n "$port" ] || fail "git daemon did not start: $(cat "$work/git-daemon.log")"
url="git://127.0.0.1:$port/demo.git"
branch="redraft/demo/issue-1"
echo "    $url"

echo "==> starting redraft-devserver (the API server)"
start devserver "$devserver" --port 0 --write-kubeconfig "$KUBECONFIG"
wait_for_line devserver "listening on" 30
echo "    export KUBECONFIG=$KUBECONFIG   # to look around with kubectl while the demo runs"

echo "==> kubectl apply: the CRDs, the demo Agents, the git-credentials Secret"
kubectl apply -f "$root/config/crd" | sed 's/^/    /'
kubectl apply -f "$root/examples/agents/demo-coder.yaml" -f "$root/examples/agents/demo-reviewer.yaml" | sed 's/^/    /'
# git daemon needs no credentials; the Secret shows where they go (prepare and publish only).
kubectl create secret generic git-credentials --from-literal=token=demo-token-unused-by-git-daemon \
  --dry-run=client -o yaml | kubectl apply -f - | sed 's/^/    /'

echo "==> starting redraft-localnode (runs the task pods as host processes)"
start localnode "$localnode" --kubeconfig "$KUBECONFIG" --name local --root "$work/node" \
  --bind-unscheduled --image-path "redraft/executor:dev=$(dirname "$exe")"
wait_for_line localnode "node local ready" 60

echo "==> starting redraft-operator"
start operator "$operator" --kubeconfig "$KUBECONFIG" --namespace default \
  --executor-image redraft/executor:dev --metrics-bind-address 0 --health-probe-bind-address 0 \
  --log-format text
wait_for_line operator "redraft-operator ready" 60

echo "==> kubectl apply: the Workload (examples/demo-workload.yaml with the repository URL)"
sed "s|git://127.0.0.1:9418/demo.git|$url|" "$root/examples/demo-workload.yaml" > "$work/workload.yaml"
kubectl apply -f "$work/workload.yaml" | sed 's/^/    /'


condition() {  # resource type: the status of a condition ("True"/"False"/"")
  kubectl get "$1" -o "jsonpath={.status.conditions[?(@.type==\"$2\")].status}" 2>/dev/null || true
}

echo "==> waiting for the Workload (progress as the operator creates and runs tasks)"
declare -A seen=()
deadline=$((SECONDS + timeout_s))
while :; do
  # The conditions first, then the tasks: the last pass shows every task's final state.
  complete="$(condition rdwl/demo Complete)" failed="$(condition rdwl/demo Failed)"
  # One line per task: name kind agent phase verdict, in the order the Workload ran them. The
  # creation time has one-second resolution and a review and the revision after it can share a
  # second, so ties are broken by iteration, then kind (code before review).
  while read -r _ _ name kind agent phase verdict; do
    [ -n "$name" ] || continue
    if [ -z "${seen[$name]+x}" ]; then
      echo "==> task $name ($kind, agent $agent)"
      seen[$name]=""
    fi
    state="$phase${verdict:+ $verdict}"
    if [ "${seen[$name]}" != "$state" ] && [ "$phase" != "<none>" ]; then
      echo "    $name: ${state/ <none>/}"
      seen[$name]="$state"
    fi
  done < <({ kubectl get rdat --no-headers \
             -o 'custom-columns=T:.metadata.creationTimestamp,I:.metadata.labels.redraft\.dev/iteration,N:.metadata.name,K:.spec.kind,A:.spec.agentRef.name,P:.status.phase,V:.status.verdict' \
             2>/dev/null || true; } | sort -s -k1,1 -k2,2n -k4,4)
  [ "$complete" = True ] && break
  [ "$failed" = True ] && { kubectl get rdwl,rdat; fail "the Workload failed"; }
  [ "$SECONDS" -lt "$deadline" ] || { kubectl get rdwl,rdat,pods; fail "the Workload did not complete within ${timeout_s}s"; }
  sleep 1
done
kubectl wait --for=condition=Complete rdwl/demo --timeout=60s | sed 's/^/    /'

echo
echo "==> kubectl get rdwl,rdat,pods"
kubectl get rdwl,rdat,pods | sed 's/^/    /'
echo
echo "==> kubectl describe rdwl demo (events)"
kubectl describe rdwl demo | sed -n '/^Events:/,$p' | sed 's/^/    /'

task_field() { kubectl get rdat "$1" -o "jsonpath={$2}"; }
echo
for task in demo-issue-1-code demo-issue-1-review-1 demo-issue-1-code-r1 demo-issue-1-r1-review-1; do
  pod="$(task_field "$task" .status.podName)" || fail "task $task does not exist"
  echo "==> kubectl logs $pod -c agent"
  kubectl logs "$pod" -c agent 2>&1 | sed 's/^/    | /' || true
done

echo
echo "==> history of $branch on the remote"
git --git-dir="$work/remote/demo.git" log --format='    %h %s%n%(trailers:only,unfold,separator=%x0a)%n' \
  "refs/heads/$branch" "^$base_sha~1" | sed '/^$/d; s/^Redraft/      Redraft/'

expect() {  # task jsonpath value
  local got; got="$(task_field "$1" "$2")"
  [ "$got" = "$3" ] || fail "$1: $2 is '$got', expected '$3'"
}
expect demo-issue-1-code .status.verdict PUSHED
expect demo-issue-1-review-1 .status.verdict NO-GO
expect demo-issue-1-code-r1 .status.verdict PUSHED
expect demo-issue-1-code-r1 .status.restore.outcome restored
expect demo-issue-1-r1-review-1 .status.verdict GO
first_sha="$(task_field demo-issue-1-code .status.commitSha)"
second_sha="$(task_field demo-issue-1-code-r1 .status.commitSha)"
remote_sha="$(git --git-dir="$work/remote/demo.git" rev-parse "refs/heads/$branch")"
[ "$remote_sha" = "$second_sha" ] || fail "remote $branch is $remote_sha, expected the revision $second_sha"
parent="$(git --git-dir="$work/remote/demo.git" rev-parse "$second_sha^")"
[ "$parent" = "$first_sha" ] || fail "the revision's parent is $parent, expected the first attempt $first_sha"
[ "$(git --git-dir="$work/remote/demo.git" rev-parse "$first_sha^")" = "$base_sha" ] ||
  fail "the first attempt is not cut from main"
# (here-strings, not `echo | grep -q`: with pipefail, grep quitting early can fail the pipeline)
grep -q '^Redraft-Task: demo-issue-1-code-r1$' \
  <<<"$(git --git-dir="$work/remote/demo.git" log -1 --format='%(trailers:only,unfold)' "$second_sha")" ||
  fail "the revision's Redraft-Task trailer is wrong"
[ "$(git --git-dir="$work/remote/demo.git" show "$second_sha:hello.txt")" = "$(printf 'Hello from redraft (issue #1)\nGoodbye from redraft')" ] ||
  fail "hello.txt does not hold the requested change"

echo
echo "DEMO OK: code PUSHED ${first_sha:0:12} → review NO-GO → revision PUSHED ${second_sha:0:12} (restored, parent ${first_sha:0:12}) → review GO → Workload Complete"
