// The prepare phase: everything that needs git credentials before the agent runs.
#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "executor/git/branch_rules.hpp"
#include "executor/git/git_error.hpp"
#include "executor/git/ref_rules.hpp"
#include "executor/git/remote.hpp"
#include "executor/git/workspace.hpp"
#include "executor/phases/phases.hpp"
#include "executor/phases/state.hpp"
#include "executor/phases/task_checks.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {
namespace {

// Local refs pinning what prepare fetched (the workspace never gets remote-tracking config).
constexpr const char* kBaseRef = "refs/redraft/base";
constexpr const char* kPriorRef = "refs/redraft/prior";
constexpr const char* kLeaseRef = "refs/redraft/lease";

std::optional<std::string> advertised(const git::AdvertisedRefs& refs, const std::string& ref) {
  auto it = refs.find(ref);
  if (it == refs.end()) return std::nullopt;
  return it->second;
}

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

// The commit a code task starts from, following the plan. A rebase conflict is recorded in
// `status` (nothing is pushed, the remote is untouched) and gives nullopt.
std::optional<std::string> starting_tip(git::Workspace& ws, const api::AgenticTask& task,
                                        const git::StartPlan& plan, const std::string& base_sha,
                                        const std::optional<std::string>& prior_sha,
                                        api::AgenticTaskStatus& status) {
  const auto& spec = task.spec;
  if (plan.from == git::StartFrom::kBase) return base_sha;
  if (plan.from == git::StartFrom::kPrior) return *prior_sha;
  // Already on top of the base: nothing to replay, and the push stays a fast-forward.
  if (ws.is_ancestor(base_sha, *prior_sha)) return *prior_sha;
  auto rb = ws.rebase(*prior_sha, base_sha, author_of(task));
  if (!rb.conflict) return rb.tip;
  std::string paths;
  for (const auto& p : rb.conflicted) paths += (paths.empty() ? "" : ", ") + p;
  mark_failed(status, api::reason::kRebaseConflict,
              "rebasing \"" + spec.reviseFromBranch + "\" (" + short_sha(*prior_sha) + ") onto \"" +
                  spec.baseBranch + "\" (" + short_sha(base_sha) + ") conflicts in: " + paths +
                  "; nothing was pushed");
  status.restore = api::RestoreStatus{api::restore_outcome::kRestored, *prior_sha};
  status.baseSha = base_sha;
  return std::nullopt;
}

void prepare_git(const PhaseInputs& in, api::AgenticTaskStatus& status) {
  const auto& spec = in.task.spec;
  const git::Credentials* creds = in.credentials ? &*in.credentials : nullptr;
  const std::string fetch_url = spec.repo.url;
  const std::string push_url = spec.repo.pushUrl.empty() ? spec.repo.url : spec.repo.pushUrl;
  const std::string base_ref = git::full_branch_ref(spec.baseBranch);
  const std::string working_ref = git::full_branch_ref(spec.branch);
  const bool review = spec.kind == api::task_kind::kReview;

  git::LibGit2 lib;
  git::Workspace ws = git::Workspace::create(in.workspace);

  // Probe first: every connect error throws (AuthFailed / CloneFailed) — an unreachable remote
  // is never mistaken for a missing ref, so it can never cause a fallback.
  git::Remote upstream(ws.raw(), fetch_url, creds, git::Remote::Direction::kFetch);
  const git::AdvertisedRefs& up_refs = upstream.connect();
  std::unique_ptr<git::Remote> push_remote;
  const git::AdvertisedRefs* push_refs = &up_refs;
  if (push_url != fetch_url) {
    push_remote = std::make_unique<git::Remote>(ws.raw(), push_url, creds, git::Remote::Direction::kFetch);
    push_refs = &push_remote->connect();
  }

  auto base_sha = advertised(up_refs, base_ref);
  if (!base_sha) {
    mark_failed(status, api::reason::kBranchNotFound,
                "spec.baseBranch: branch \"" + spec.baseBranch + "\" not found on " + fetch_url);
    return;
  }
  const auto lease = advertised(*push_refs, working_ref);

  std::vector<std::string> up_wants{base_ref}, push_wants;
  std::optional<std::string> prior_sha;
  git::StartPlan plan;
  if (review) {
    if (!lease) {
      mark_failed(status, api::reason::kBranchNotFound,
                  "spec.branch: branch \"" + spec.branch +
                      "\" not found on the push remote; refusing to review the base instead");
      return;
    }
    push_wants.push_back(working_ref);
  } else {
    const std::string prior_ref = git::full_branch_ref(spec.reviseFromBranch);
    if (git::wants_prior(spec.branchStrategy, spec.reviseFromBranch)) {
      prior_sha = advertised(*push_refs, prior_ref);
    }
    plan = git::plan_start(spec.branchStrategy, spec.reviseFromBranch, prior_sha.has_value());
    if (prior_sha) push_wants.push_back(prior_ref);
    // The leased commit is fetched too, so publish can tell a fast-forward from a rewrite.
    if (lease && (push_wants.empty() || push_wants.front() != working_ref)) push_wants.push_back(working_ref);
  }
  if (push_remote) {
    upstream.download(up_wants);
    push_remote->download(push_wants);
  } else {
    up_wants.insert(up_wants.end(), push_wants.begin(), push_wants.end());
    upstream.download(up_wants);
  }
  ws.set_ref(kBaseRef, *base_sha);
  if (prior_sha) ws.set_ref(kPriorRef, *prior_sha);
  if (lease) ws.set_ref(kLeaseRef, *lease);

  std::optional<std::string> tip;
  if (review) {
    tip = *lease;
  } else {
    tip = starting_tip(ws, in.task, plan, *base_sha, prior_sha, status);
    if (!tip) return;  // rebase conflict, recorded in status
  }
  ws.checkout_branch(working_ref, *tip);

  if (review) {
    std::string diff = ws.diff_three_dot(*base_sha, *tip);
    write_file_atomically(in.state_dir / kReviewDiffFileName, diff);
    status.commitSha = *tip;
    spdlog::info("prepare: checked out {} at {} for review ({} bytes of diff against {})", spec.branch,
                 short_sha(*tip), diff.size(), spec.baseBranch);
  } else {
    status.restore = api::RestoreStatus{plan.restore_outcome, prior_sha.value_or("")};
    if (plan.restore_outcome == api::restore_outcome::kFallback) {
      status.reason = api::reason::kRestoreFallback;
      status.message = "prior attempt \"" + spec.reviseFromBranch +
                       "\" not found on the push remote; started from the base " + short_sha(*base_sha);
      spdlog::warn("prepare: {}", status.message);
    }
    spdlog::info("prepare: {} at {} (restore: {}, lease: {})", spec.branch, short_sha(*tip),
                 plan.restore_outcome, lease ? short_sha(*lease) : std::string("absent"));
  }
  status.baseSha = *base_sha;
  write_prepare_state(in.state_dir, PrepareState{spec.kind, working_ref, *tip, *base_sha, lease},
                      state_key(in.credentials));
}

}  // namespace

void run_prepare(const PhaseInputs& in, api::AgenticTaskStatus& status) {
  const auto started = std::chrono::steady_clock::now();
  status = {};
  status.phase = api::phase::kRunning;
  status.branch = in.task.spec.branch;
  std::error_code ec;
  std::filesystem::remove(in.state_dir / kPrepareStateFileName, ec);
  auto problems = executor_spec_problems(in.task);
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    mark_failed(status, api::reason::kInvalidSpec, msg);
    status.branch.clear();  // may be the hostile value itself
  } else {
    try {
      prepare_git(in, status);
    } catch (const git::GitError& e) {
      mark_failed(status, reason_for(e.failure()), e.what());
    } catch (const std::exception& e) {
      mark_failed(status, api::reason::kInternalError, std::string("prepare: ") + e.what());
    }
  }
  if (status.phase == api::phase::kFailed) spdlog::error("prepare failed: {}: {}", status.reason, status.message);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!status.timings) status.timings = api::PhaseTimings{};
  status.timings->prepareSeconds = secs;
}

}  // namespace redraft::executor
