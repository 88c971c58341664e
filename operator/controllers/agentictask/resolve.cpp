#include "operator/controllers/agentictask/resolve.hpp"

#include "api/validation.hpp"

namespace redraft::controllers::agentictask {
namespace {

bool is_terminal(const api::AgenticTaskStatus& s) {
  return s.phase == api::phase::kSucceeded || s.phase == api::phase::kFailed;
}

Resolution invalid(std::string message) {
  Resolution r;
  r.state = Resolution::State::Invalid;
  r.reason = api::reason::kInvalidSpec;
  r.message = std::move(message);
  return r;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Resolution resolve(const api::AgenticTask& task, const api::Agent* agent,
                   const api::AgenticTask* fork_source) {
  if (auto errors = api::validate(task); !errors.empty()) return invalid(api::join_errors(errors));
  const auto& spec = task.spec;

  // The fork first: a fork whose source never pushed fails whatever the Agent.
  // Plain value + flag: GCC's maybe-uninitialized misfires on std::optional<ForkedFrom> here.
  const bool recorded = task.status.forkedFrom.has_value();
  bool has_fork = recorded;
  api::ForkedFrom forked = recorded ? *task.status.forkedFrom : api::ForkedFrom{};
  if (spec.forkOf && !recorded) {
    const std::string source_name = spec.forkOf->name.str();
    if (spec.kind != api::task_kind::kCode) {
      return invalid("spec.forkOf: only code tasks can be forked (a review reviews spec.branch)");
    }
    if (source_name == task.metadata.name) return invalid("spec.forkOf.name: a task cannot fork itself");
    if (fork_source == nullptr) {
      return invalid("spec.forkOf.name: AgenticTask " + quoted(source_name) + " not found");
    }
    if (!is_terminal(fork_source->status)) {
      Resolution r;
      r.state = Resolution::State::ForkSourcePending;
      r.reason = kReasonForkSourcePending;
      r.message = "spec.forkOf.name: waiting for AgenticTask " + quoted(source_name) + " to finish";
      return r;
    }
    if (fork_source->status.branch.empty() || fork_source->status.commitSha.empty()) {
      return invalid("spec.forkOf.name: AgenticTask " + quoted(source_name) + " finished (" +
                     fork_source->status.phase.str() + ") without pushing a branch; there is nothing to fork");
    }
    forked = api::ForkedFrom{fork_source->metadata.name, fork_source->status.branch,
                             fork_source->status.commitSha};
    has_fork = true;
  }

  const std::string agent_name = spec.agentRef.name.str();
  if (agent == nullptr) {
    Resolution r;
    r.state = Resolution::State::AgentMissing;
    r.reason = api::reason::kAgentNotFound;
    r.message = "spec.agentRef: Agent " + quoted(agent_name) + " not found in namespace " +
                quoted(task.metadata.namespace_.view());
    return r;
  }
  const char* needed = spec.kind == api::task_kind::kReview ? api::role::kReviewer : api::role::kCoder;
  if (agent->spec.role != needed) {
    return invalid("spec.agentRef: Agent " + quoted(agent_name) + " has role " + quoted(agent->spec.role.view()) +
                   ", a " + spec.kind.str() + " task needs a " + needed);
  }
  if (agent->spec.image.empty()) {
    return invalid("spec.agentRef: Agent " + quoted(agent_name) + " has no spec.image (the agent container needs one)");
  }
  if (auto errors = api::validate(*agent); !errors.empty()) {
    return invalid("spec.agentRef: Agent " + quoted(agent_name) + " is invalid: " + api::join_errors(errors));
  }

  Resolution r;
  r.effective = task;
  if (has_fork) {
    r.effective.spec.reviseFromBranch = forked.branch;
    r.effective.spec.expectedRemoteSha = forked.commitSha;
    r.forked_from = forked;
  }
  return r;
}

}  // namespace redraft::controllers::agentictask
