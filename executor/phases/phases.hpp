// The executor phases (DESIGN.md §6). Each takes the inputs and the result so far and merges
// its outcome into it; none throws (every failure becomes phase Failed + reason + message).
#pragma once

#include <filesystem>
#include <optional>

#include "api/types.hpp"
#include "executor/agent/agent_phase.hpp"
#include "executor/git/credentials.hpp"
#include "executor/git/git_error.hpp"
#include "executor/git/workspace.hpp"

namespace redraft::executor {

struct PhaseInputs {
  api::AgenticTask task;  // defaults applied
  api::Agent agent;
  std::filesystem::path workspace;
  std::filesystem::path state_dir;
  std::optional<git::Credentials> credentials;  // prepare / publish only
};

// Validates, clones, sets up the branch (restore / fallback / rebase / cut / review checkout),
// records the lease and, for reviews, writes review.diff. Starts a fresh result.
void run_prepare(const PhaseInputs& in, api::AgenticTaskStatus& status);

// Runs the agent (skipped when an earlier phase failed).
void run_agent(const PhaseInputs& in, api::AgenticTaskStatus& status,
               const AgentPhaseOptions& options = {});

// Commits the work tree on the prepare-time tip and pushes it under the lease (code tasks);
// finalises the phase (skipped work when an earlier phase failed).
void run_publish(const PhaseInputs& in, api::AgenticTaskStatus& status);

// Marks the result failed.
void mark_failed(api::AgenticTaskStatus& status, const std::string& reason, const std::string& message);

// The commit identity: spec.author, else Redraft <redraft@redraft.dev>.
git::Identity author_of(const api::AgenticTask& task);

// The task reason for a git failure in prepare (publish maps transport failures to PushFailed).
std::string reason_for(git::Failure failure);

}  // namespace redraft::executor
