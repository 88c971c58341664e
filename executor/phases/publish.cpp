// The publish phase: one commit from the work tree on the prepare-time tip, pushed under the
// lease recorded by prepare.
#include <chrono>

#include <spdlog/spdlog.h>

#include "executor/git/branch_rules.hpp"
#include "executor/git/remote.hpp"
#include "executor/git/workspace.hpp"
#include "executor/phases/commit_message.hpp"
#include "executor/phases/phases.hpp"
#include "executor/phases/state.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {
namespace {

constexpr const char* kPublishRef = "refs/redraft/publish";

std::string short_sha(const std::optional<std::string>& sha) {
  return sha ? sha->substr(0, 12) : std::string("absent");
}

void lease_rejected(api::AgenticTaskStatus& status, const std::string& branch,
                    const std::optional<std::string>& lease, const std::optional<std::string>& found) {
  mark_failed(status, api::reason::kLeaseRejected,
              "remote branch \"" + branch + "\" moved since prepare (expected " + short_sha(lease) +
                  ", found " + short_sha(found) + "); nothing was overwritten");
}

void publish_code(const PhaseInputs& in, const PrepareState& prepared, api::AgenticTaskStatus& status) {
  const auto& spec = in.task.spec;
  const git::Credentials* creds = in.credentials ? &*in.credentials : nullptr;
  const std::string push_url = spec.repo.pushUrl.empty() ? spec.repo.url : spec.repo.pushUrl;
  git::LibGit2 lib;
  git::Workspace ws = git::Workspace::open(in.workspace);
  const git::Identity author = author_of(in.task);

  auto commit = ws.commit_worktree(prepared.tip_sha, author, compose_commit_message(in.task, status.summary));
  if (!commit) {
    status.phase = api::phase::kSucceeded;
    status.verdict = api::verdict::kNoChanges;
    if (status.message.empty() || status.reason.empty()) status.message = "the agent changed nothing; nothing was pushed";
    spdlog::info("publish: no changes relative to {}; nothing pushed", prepared.tip_sha.substr(0, 12));
    return;
  }
  const auto& lease = prepared.lease;
  bool lease_is_ancestor = lease && ws.has_commit(*lease) && ws.is_ancestor(*lease, *commit);
  if (git::decide_push(lease, lease_is_ancestor, spec.allowOverwrite.value_or(false)) ==
      git::PushDecision::kNonFastForward) {
    mark_failed(status, api::reason::kNonFastForward,
                "pushing would rewrite \"" + spec.branch + "\" (remote at " + short_sha(lease) +
                    " is not an ancestor of the new commit) and allowOverwrite is false; nothing was pushed");
    return;
  }
  ws.set_ref(kPublishRef, *commit);
  git::PushOutcome out;
  {
    git::Remote remote(ws.raw(), push_url, creds, git::Remote::Direction::kPush);
    out = remote.push_with_lease(kPublishRef, prepared.working_ref, lease);
  }
  if (out.status == git::PushStatus::kRejected) {
    // Tell a lost compare-and-swap (someone pushed in the window) from any other refusal.
    git::Remote probe(ws.raw(), push_url, creds, git::Remote::Direction::kFetch);
    const auto& refs = probe.connect();
    std::optional<std::string> now;
    if (auto it = refs.find(prepared.working_ref); it != refs.end()) now = it->second;
    if (now != lease) {
      lease_rejected(status, spec.branch, lease, now);
    } else {
      mark_failed(status, api::reason::kPushFailed,
                  "the server rejected the push of \"" + spec.branch + "\": " + out.server_message);
    }
    return;
  }
  if (out.status == git::PushStatus::kLeaseRejected) {
    lease_rejected(status, spec.branch, lease, out.observed);
    return;
  }
  status.phase = api::phase::kSucceeded;
  status.verdict = api::verdict::kPushed;
  status.commitSha = *commit;
  if (status.reason.empty()) status.message = "pushed " + commit->substr(0, 12) + " to " + spec.branch;
  spdlog::info("publish: pushed {} to {} (lease {})", commit->substr(0, 12), spec.branch, short_sha(lease));
}

}  // namespace

void run_publish(const PhaseInputs& in, api::AgenticTaskStatus& status) {
  const auto started = std::chrono::steady_clock::now();
  if (status.phase == api::phase::kFailed) {
    spdlog::info("publish: nothing to publish, an earlier phase failed ({})", status.reason);
    return;
  }
  try {
    auto prepared = read_prepare_state(in.state_dir, state_key(in.credentials));
    if (!prepared) {
      mark_failed(status, api::reason::kInternalError,
                  "publish: no prepare state in --state-dir (did the prepare phase run?)");
    } else if (in.task.spec.kind == api::task_kind::kReview) {
      status.phase = api::phase::kSucceeded;  // the verdict came from the agent phase
      status.commitSha = prepared->tip_sha;
    } else {
      publish_code(in, *prepared, status);
    }
  } catch (const git::GitError& e) {
    mark_failed(status,
                e.failure() == git::Failure::kAuth ? api::reason::kAuthFailed : api::reason::kPushFailed,
                e.what());
  } catch (const std::exception& e) {
    mark_failed(status, api::reason::kInternalError, std::string("publish: ") + e.what());
  }
  if (status.phase == api::phase::kFailed) spdlog::error("publish failed: {}: {}", status.reason, status.message);
  if (!status.timings) status.timings = api::PhaseTimings{};
  status.timings->publishSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace redraft::executor
