// The AgenticTask decision (pure): given the task, what resolve() found, and the Pod of the
// current attempt (with its result, if publish finished), the status the task should have and
// the one action to take — create the Pod of attempt n, or nothing. The controller shell only
// performs it. Rules (DESIGN.md §5, issue 7 §2):
// - A result (termination message or REDRAFT-RESULT log line) ends the task with it. Model and
//   executor outcomes (NO-GO, NO-CHANGES, LeaseRejected, AgentTimeout, CloneFailed, ...) never
//   retry: the executor reported them.
// - Infrastructure failures — a Pod that ended without a result, DeadlineExceeded, a Pod deleted
//   by someone else, containers that cannot start (missing Secret, image pull) for longer than
//   pod_start_timeout since the Pod was created — start attempt n+1 while n < 1 + backoffLimit,
//   else the task Failed with reason PodFailed.
// - A missing Agent keeps the task Pending (Ready=False AgentNotFound) until the Agent exists;
//   a wrong role or a fork of a task that never pushed fails it with InvalidSpec.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/types.hpp"
#include "operator/controllers/common/messages.hpp"
#include "operator/controllers/agentictask/pod_view.hpp"
#include "operator/controllers/agentictask/resolve.hpp"
#include "operator/controllers/agentictask/result.hpp"

namespace redraft::controllers::agentictask {

// Condition types and the reasons this controller sets on them.
inline constexpr const char* kConditionReady = "Ready";
inline constexpr const char* kConditionComplete = "Complete";
inline constexpr const char* kConditionFailed = "Failed";
inline constexpr const char* kReasonResolved = "Resolved";
// status.reason and event reason while a Pod of another owner holds the next attempt's name.
inline constexpr const char* kReasonPodNameTaken = "PodNameTaken";

// Events on the task (recorded only when the status write they belong to happened, so a
// repeated decision never repeats its event).
inline constexpr const char* kEventPodCreated = "PodCreated";
inline constexpr const char* kEventAttemptFailed = "AttemptFailed";
inline constexpr const char* kEventSucceeded = "Succeeded";
inline constexpr const char* kEventTaskFailed = "TaskFailed";

// The CRD caps a condition message at 32768 bytes; a status write carrying a longer one is
// rejected (422) on every reconcile, so the task would never finish. Condition and event
// messages are cut to kMaxConditionMessageBytes, status.message (unbounded in the CRD, but it
// comes from the executor's output) to kMaxStatusMessageBytes.
using controllers::kMaxConditionMessageBytes;
inline constexpr std::size_t kMaxStatusMessageBytes = 16384;

// `text` with URL credentials redacted (runtime::redact_url_credentials), then, if longer than
// `max_bytes`, its longest prefix that ends on a UTF-8 character boundary and leaves room for
// "...", plus "...". For executor and kubelet text copied into status and events.
std::string safe_message(std::string_view text, std::size_t max_bytes);

// Waiting reasons of a container that will not start by itself.
bool is_start_failure(std::string_view waiting_reason);

struct Observation {
  int attempt = 0;              // the highest attempt whose Pod was created (0: none yet)
  const PodView* pod = nullptr;  // that attempt's Pod; nullptr when it no longer exists
  ResultRead result;            // read_result(*pod) (Kind::NotFinished when no pod)
};

struct DecideContext {
  std::chrono::system_clock::time_point now;
  std::chrono::seconds pod_start_timeout{120};
};

struct TaskEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
  bool operator==(const TaskEvent&) const = default;
};

struct Action {
  api::AgenticTaskStatus status;   // the status the task should have (write it if it differs)
  int create_attempt = 0;          // > 0: create the ConfigMap and Pod of this attempt first
  std::chrono::seconds requeue_after{0};
  std::vector<TaskEvent> events;
  bool finished = false;           // the status becomes terminal with this decision
};

bool is_terminal(const api::AgenticTaskStatus& status);

// Attempts allowed: 1 + spec.backoffLimit (default 1).
int max_attempts(const api::AgenticTask& task);

Action decide(const api::AgenticTask& task, const Resolution& resolution, const Observation& observed,
              const DecideContext& context);

// Turns `action` into the terminal failure of `task` (phase Failed, `reason`, `message`,
// completionTime, conditions, a TaskFailed event), replacing whatever it was going to do. For
// what the shell learns only from the API server (a Pod it will never accept).
void fail_task(Action& action, const api::AgenticTask& task, std::string_view reason, std::string_view message,
               std::chrono::system_clock::time_point now);

}  // namespace redraft::controllers::agentictask
