// Before a task can run: its Agent must exist with the right role, and a fork must know the
// source's pushed branch and SHA. Pure: the controller looks the objects up in its caches.
#pragma once

#include <optional>
#include <string>

#include "api/types.hpp"

namespace redraft::controllers::agentictask {

// Condition/status reason while a fork waits for its source to finish.
inline constexpr const char* kReasonForkSourcePending = "ForkSourcePending";

struct Resolution {
  enum class State {
    Ready,              // `effective` can be rendered into task.json
    AgentMissing,       // wait for the Agent (its informer enqueues the task); reason AgentNotFound
    ForkSourcePending,  // wait for spec.forkOf's task to finish
    Invalid,            // the task fails with InvalidSpec; `message` names the field
  };
  State state = State::Ready;
  std::string reason;   // api::reason::kAgentNotFound | kReasonForkSourcePending | kInvalidSpec
  std::string message;
  // Ready: the task as the executor gets it (forkOf resolved into reviseFromBranch and
  // expectedRemoteSha; the user's spec object itself is never rewritten).
  api::AgenticTask effective;
  std::optional<api::ForkedFrom> forked_from;  // Ready with spec.forkOf
};

// `agent`: the Agent named by spec.agentRef, or nullptr. `fork_source`: the task named by
// spec.forkOf, or nullptr when it does not exist; not consulted once status.forkedFrom records
// the resolution (retries and restarts keep the first answer, even if the source is deleted).
Resolution resolve(const api::AgenticTask& task, const api::Agent* agent,
                   const api::AgenticTask* fork_source);

}  // namespace redraft::controllers::agentictask
