// The agent phase as the executor runs it: skip when prepare failed, otherwise hand over to the
// agent module and merge its outcome into the result.
#include <spdlog/spdlog.h>

#include "executor/phases/phases.hpp"
#include "executor/phases/state.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {

void run_agent(const PhaseInputs& in, api::AgenticTaskStatus& status, const AgentPhaseOptions& options) {
  if (status.phase == api::phase::kFailed) {
    spdlog::info("agent: skipped, an earlier phase failed ({})", status.reason);
    return;
  }
  std::optional<PrepareState> prepared;
  try {
    prepared = read_prepare_state(in.state_dir);
  } catch (const std::exception& e) {
    mark_failed(status, api::reason::kInternalError, e.what());
    return;
  }
  if (!prepared) {
    mark_failed(status, api::reason::kInternalError,
                "agent: no prepare state in --state-dir (did the prepare phase run?)");
    return;
  }
  AgentPhaseOutcome outcome = run_agent_phase(in.task, in.agent, in.workspace, in.state_dir, options);
  if (!status.timings) status.timings = api::PhaseTimings{};
  status.timings->agentSeconds = outcome.seconds;
  status.summary = redacted(outcome.summary);
  status.findings = outcome.findings;
  for (auto& f : status.findings) {  // agent output is untrusted text like any log line
    f.message = redacted(f.message);
    f.suggestion = redacted(f.suggestion);
    f.file = redacted(f.file);
  }
  if (in.task.spec.kind == api::task_kind::kReview) status.verdict = outcome.verdict;
  if (!outcome.success) {
    mark_failed(status, outcome.reason.empty() ? api::reason::kAgentFailed : outcome.reason,
                outcome.message);
    spdlog::error("agent failed: {}: {}", status.reason, status.message);
    return;
  }
  if (!outcome.reason.empty()) status.reason = outcome.reason;
  if (!outcome.message.empty()) status.message = redacted(outcome.message);
  spdlog::info("agent: finished in {:.1f}s{}", outcome.seconds,
               status.verdict.empty() ? std::string() : ", verdict " + status.verdict);
}

}  // namespace redraft::executor
