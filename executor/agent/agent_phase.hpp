// The `agent` phase (DESIGN.md §6): compose the prompt, run the agent CLI in the workspace with
// no git credentials, stream its output, read its result file and decide the outcome.
//
// Files in state_dir (shared with the prepare/publish phases):
//   prompt.md          the composed prompt (REDRAFT_PROMPT_FILE)
//   agent-result.json  where the agent may write its result (REDRAFT_RESULT_FILE)
//   review.diff        written by prepare for review tasks (REDRAFT_DIFF_FILE)
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/types.hpp"
#include "executor/agent/agent_env.hpp"
#include "executor/agent/result.hpp"

namespace redraft::executor {

inline constexpr const char* kPromptFileName = "prompt.md";
inline constexpr const char* kAgentResultFileName = "agent-result.json";
inline constexpr const char* kReviewDiffFileName = "review.diff";
inline constexpr std::int64_t kDefaultAgentTimeoutSeconds = 1800;

struct AgentPhaseOptions {
  // Where the agent's output lines and the phase's own notes go (already redacted, prefixed with
  // "[agent] "). Unset ⇒ written to stdout.
  std::function<void(std::string_view line)> log;
  // The executor's environment to pick the allow-listed variables from. Unset ⇒ the real one.
  std::optional<EnvMap> parent_env;
  std::chrono::milliseconds kill_grace{std::chrono::seconds(10)};
  // Overrides the computed timeout (tests). Unset ⇒ task.spec.timeoutSeconds, then
  // agent.spec.timeoutSeconds, then kDefaultAgentTimeoutSeconds.
  std::optional<std::chrono::milliseconds> timeout;
};

// Pure: the timeout in seconds (task overrides agent, default 1800; non-positive values ignored).
std::int64_t effective_timeout_seconds(const api::AgenticTask& task, const api::Agent& agent);

// Runs the phase. Never throws: every failure becomes an outcome with a reason and a message.
AgentPhaseOutcome run_agent_phase(const api::AgenticTask& task, const api::Agent& agent,
                                  const std::filesystem::path& workspace,
                                  const std::filesystem::path& state_dir,
                                  const AgentPhaseOptions& options = {});

}  // namespace redraft::executor
