#pragma once
// What the controller does with a key after one reconcile — a pure decision, so the rules of
// controller-runtime (plus the quiet conflict requeue) are tested without threads.

#include <chrono>
#include <cstddef>
#include <string_view>

namespace redraft::runtime::controller {

using Duration = std::chrono::nanoseconds;

// What a reconciler returns when it did not throw.
struct Result {
  bool requeue = false;                  // try again after the key's backoff
  Duration requeue_after = Duration::zero();  // try again after this long (wins over `requeue`)
};

enum class Outcome {
  Success,       // returned Result{} — nothing more to do
  Requeue,       // returned requeue = true
  RequeueAfter,  // returned requeue_after > 0
  Conflict,      // threw a 409 Conflict (stale read): retry at once, not an error
  Error,         // threw anything else
};

Outcome classify(const Result& result);

enum class QueueAction {
  Forget,          // reset the backoff, do not requeue
  ForgetAndAddAfter,  // reset the backoff and requeue after a fixed delay
  AddRateLimited,  // requeue after the next backoff step
  AddNow,          // requeue immediately (backoff untouched)
};

struct Decision {
  QueueAction action;
  Duration delay = Duration::zero();  // for ForgetAndAddAfter
  std::string_view result_label;      // controller_runtime_reconcile_total{result}
  bool is_error = false;              // counts in controller_runtime_reconcile_errors_total
};

// `conflict_streak` is how many conflicts in a row this key hit, this one included. The first
// `immediate_conflict_retries` are retried at once; a longer streak (the cache cannot catch up)
// falls back to the backoff, still without counting as an error, so a hot loop cannot form.
Decision decide(Outcome outcome, Duration requeue_after, std::size_t conflict_streak,
                std::size_t immediate_conflict_retries);

}  // namespace redraft::runtime::controller
