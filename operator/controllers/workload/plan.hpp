// The Workload planner (DESIGN.md §5): a pure function from what the caches hold (the Workload,
// the Agents it references, the AgenticTasks it owns) to what the controller must do (tasks to
// create, the status to write, the events to record). No I/O, no clock: `now` is a parameter and
// is only used as the lastTransitionTime of a condition whose status changes, so planning the
// same inputs twice gives the same status and the controller writes nothing the second time.
//
// Rules, per item (an issue `issue-<N>` or a `spec.tasks[]` entry keyed by its name):
//   iteration 0: create `<wl>-<key>-code` (coder Agent, branch `<prefix><key>`).
//   code task of iteration k terminal:
//     Failed with reason LeaseRejected     ⇒ item Failed (LeaseRejected)
//     other Failed                          ⇒ item Failed (TaskFailed)
//     NO-CHANGES, k == 0                    ⇒ item Failed (TaskFailed)
//     NO-CHANGES, k  > 0                    ⇒ item Failed (NoProgress)
//     PUSHED, maxReviewIterations 0 or no reviewers ⇒ item Succeeded
//     PUSHED                                ⇒ create round-k reviews, one per reviewer
//   every review of round k terminal:
//     any review neither GO nor model-decided NO-GO (Succeeded + NO-GO) ⇒ item Failed
//       (ReviewIncomplete), never a revision
//     all GO                                ⇒ item Succeeded
//     some NO-GO and k < maxReviewIterations ⇒ create `<wl>-<key>-code-r<k+1>` (revision)
//     some NO-GO, k == maxReviewIterations  ⇒ item Failed (IterationsExhausted)
//
// A review is GO iff phase == Succeeded && verdict == GO (Failed + GO: publishing failed after
// the agent said GO); a model-decided NO-GO iff phase == Succeeded && verdict == NO-GO; anything
// else terminal (Failed, INCOMPLETE, no verdict) is incomplete. maxReviewIterations
// unset ⇒ 1 (so: code, review, one revision, its review); 0 ⇒ no reviews; no reviewers ⇒ no
// reviews either (the item succeeds once its code task pushed).
//
// Before anything is created, the Workload is validated (api::validate plus "an item key used
// twice") and every referenced Agent resolved in the Workload's namespace: a missing one ⇒
// Ready=False/AgentNotFound, a wrong role or a spec error ⇒ Ready=False/InvalidSpec, the message
// naming the field ("spec.reviewerAgentRefs[1]: ...", or for an Agent whose own spec is invalid —
// api::validate, or no spec.image — "Agent coder: spec.image: Required value"); one Warning with the same reason when
// Ready becomes False (not again while it stays False for that reason); nothing created. With an
// Agent problem the items are still derived from the existing tasks (status stays truthful);
// with an invalid spec the previous items are kept as they are.
//
// Items and status:
//   - an item that was Succeeded or Failed in the previous status stays finished: if tasks it
//     was derived from are gone (deleted, or never admitted by the API server) it is kept as it
//     was and nothing is created for it (deleting a task never re-runs finished work).
//   - parallelism bounds the items in flight: items whose first code task exists keep going;
//     items not started yet start in spec order while fewer than `parallelism` are unfinished.
//   - an item added to the spec is planned; an item removed from the spec is no longer planned
//     and leaves status.items (its tasks stay until the Workload is deleted); existing tasks are
//     never rewritten when the spec changes.
//   - item: iteration = k of its latest code task (revisions so far), phase Pending (nothing
//     created yet) / Running / Succeeded / Failed, branch, commitSha = the last pushed SHA,
//     verdicts = the latest review round, one entry per reviewer (the verdict, "Failed" for a
//     failed review without verdict, "Pending"/"Running" before it finished), tasks = every task
//     name of the item in creation order (planned ones included).
//   - reviewIterations = the sum of the items' iterations (revisions started).
//   - phase: Succeeded when every item Succeeded; Failed when every item finished and at least
//     one Failed; Running when any item started; else Pending.
//   - conditions (observedGeneration = metadata.generation; lastTransitionTime kept while the
//     status does not change): Ready (True/AgentsResolved, or False as above); Complete
//     (True/AllItemsSucceeded, else False/ItemsFailed or False/InProgress); Failed (True only when
//     phase is Failed, reason = the first failed item's reason — TaskFailed, LeaseRejected,
//     NoProgress, IterationsExhausted or ReviewIncomplete — message = the first
//     kMaxListedFailedItems failed items' reason texts and a count of the rest, cut to
//     kMaxConditionMessageBytes; else False/InProgress or False/AllItemsSucceeded).
//   - a task the API server refused for good (`rejected`, from the controller) ⇒ its item Failed
//     (TaskFailed, the message quoting the server); kept Failed afterwards (see above).
//
// Events. Two kinds, so that reconciling twice never repeats one:
//   - creation events travel with the task they describe (TaskToCreate::events); the controller
//     records them only when its create call actually created the task (not on AlreadyExists);
//   - transition events (Plan::events) come from comparing the previous status with the new one
//     (item phase became Succeeded/Failed, Ready became False); the controller records them only
//     after the status write that makes the transition visible succeeded (a stale cache gets a
//     409 and records nothing).
// Which event comes with what (all on the Workload; the message starts with the item key):
//   code task created: Normal TaskCreated + Normal IterationStarted;
//   review created: Normal TaskCreated;
//   revision created: Normal TaskCreated + Normal IterationStarted, plus Warning
//     RevisionUnderIssueFixProfile when spec.revisionCoderAgentRef is unset;
//   a finished revision's restore: Warning RestoreFallback (restore.outcome fallback) or Normal
//     PriorAttemptMoved (restored from a SHA other than its expectedRemoteSha), recorded with the
//     step that follows it (its first review's creation, or the item's failure);
//   item Succeeded: Normal Succeeded; item Failed: Warning <reason> (TaskFailed, LeaseRejected,
//     NoProgress, IterationsExhausted, ReviewIncomplete — the last names the reviewer task);
//   Ready became False: Warning AgentNotFound / InvalidSpec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"
#include "operator/controllers/common/messages.hpp"

namespace redraft::controllers::workload {

// ---- names (deterministic: a crash at any point resumes without duplicates) ----

// Object names longer than this are cut and given a hashed suffix, so "<task>-<attempt>" pod
// names still fit in 253 characters.
inline constexpr std::size_t kMaxTaskNameLength = 240;

std::string issue_item_key(std::int64_t number);  // "issue-<N>"
// Iteration 0: "<wl>-<key>-code"; k > 0: "<wl>-<key>-code-r<k>".
std::string code_task_name(std::string_view workload, std::string_view key, std::int64_t iteration);
// Round 0: "<wl>-<key>-review-<i>"; k > 0: "<wl>-<key>-r<k>-review-<i>"; i is 1-based.
std::string review_task_name(std::string_view workload, std::string_view key,
                             std::int64_t iteration, std::size_t reviewer);
// Names up to kMaxTaskNameLength unchanged; longer ones become
// "<first 229 characters, trailing '-'/'.' dropped>-<10 hex digits of FNV-1a(name)>".
std::string bounded_task_name(std::string name);

// ---- condition messages ----

// The CRD caps a condition message at 32768 bytes and a status write carrying a longer one is
// rejected (422) on every reconcile. Messages are kept far below: the Failed condition names the
// first kMaxListedFailedItems failed items ("...; and <M> more failed item(s)") and every
// condition message is cut to kMaxConditionMessageBytes.
using controllers::kMaxConditionMessageBytes;
inline constexpr std::size_t kMaxListedFailedItems = 10;
using controllers::bounded_message;  // shared with the AgenticTask controller

// ---- API strings ----

namespace event_reason {
inline constexpr const char* kTaskCreated = "TaskCreated";
inline constexpr const char* kIterationStarted = "IterationStarted";
inline constexpr const char* kRevisionUnderIssueFixProfile = "RevisionUnderIssueFixProfile";
inline constexpr const char* kRestoreFallback = "RestoreFallback";
inline constexpr const char* kPriorAttemptMoved = "PriorAttemptMoved";
inline constexpr const char* kLeaseRejected = "LeaseRejected";
inline constexpr const char* kIterationsExhausted = "IterationsExhausted";
inline constexpr const char* kNoProgress = "NoProgress";
inline constexpr const char* kTaskFailed = "TaskFailed";
inline constexpr const char* kReviewIncomplete = "ReviewIncomplete";
inline constexpr const char* kAgentNotFound = "AgentNotFound";
inline constexpr const char* kInvalidSpec = "InvalidSpec";
inline constexpr const char* kSucceeded = "Succeeded";
}  // namespace event_reason

namespace condition_type {
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kComplete = "Complete";
inline constexpr const char* kFailed = "Failed";
}  // namespace condition_type

// Condition reasons besides the item failure reasons and AgentNotFound/InvalidSpec.
namespace condition_reason {
inline constexpr const char* kAgentsResolved = "AgentsResolved";
inline constexpr const char* kInProgress = "InProgress";
inline constexpr const char* kAllItemsSucceeded = "AllItemsSucceeded";
inline constexpr const char* kItemsFailed = "ItemsFailed";
}  // namespace condition_reason

// What `verdicts` shows for a review that has not finished.
inline constexpr const char* kVerdictPending = "Pending";
inline constexpr const char* kVerdictRunning = "Running";

// ---- the plan ----

struct PlannedEvent {
  std::string type;  // "Normal" | "Warning"
  std::string reason;
  std::string message;
  bool operator==(const PlannedEvent&) const = default;
};

struct TaskToCreate {
  api::AgenticTask task;
  std::vector<PlannedEvent> events;  // record only when the create call created it
  bool operator==(const TaskToCreate&) const = default;
};

struct FinishedItem {  // an item that became Succeeded or Failed (metrics)
  std::string key;
  std::string phase;
  std::int64_t iteration = 0;
  bool operator==(const FinishedItem&) const = default;
};

struct Plan {
  std::vector<TaskToCreate> create;
  api::WorkloadStatus status;
  bool status_changed = false;        // status != workload.status: write it
  std::vector<PlannedEvent> events;   // transitions: record after the status write succeeded
  std::vector<FinishedItem> finished; // transitions too
};

// A planned task the API server refused for good (400, 413, 422): creating it again would be
// refused again. Its item becomes Failed (TaskFailed) and the message quotes the server.
struct RejectedTask {
  std::string name;
  std::string message;  // the server's message
  bool operator==(const RejectedTask&) const = default;
};

// `agents`: the Agents of the Workload's namespace (at least those it references; others are
// ignored). `tasks`: the AgenticTasks the Workload owns (others may be passed; only names
// matter). `now`: RFC 3339, used only for lastTransitionTime of changed conditions.
// `rejected`: tasks of this plan that the controller's create calls got a permanent error for;
// the controller plans again with them to get the status (and transition events) to write.
Plan plan(const api::Workload& workload, const std::vector<api::Agent>& agents,
          const std::vector<api::AgenticTask>& tasks, std::string_view now,
          const std::vector<RejectedTask>& rejected = {});

}  // namespace redraft::controllers::workload
