#include "operator/runtime/controller/outcome.hpp"

#include "operator/runtime/metrics/runtime_metrics.hpp"

namespace redraft::runtime::controller {

Outcome classify(const Result& result) {
  if (result.requeue_after > Duration::zero()) {
    return Outcome::RequeueAfter;
  }
  return result.requeue ? Outcome::Requeue : Outcome::Success;
}

Decision decide(Outcome outcome, Duration requeue_after, std::size_t conflict_streak,
                std::size_t immediate_conflict_retries) {
  namespace label = metrics::reconcile_result;
  switch (outcome) {
    case Outcome::Success:
      return {QueueAction::Forget, Duration::zero(), label::kSuccess, false};
    case Outcome::RequeueAfter:
      return {QueueAction::ForgetAndAddAfter, requeue_after, label::kRequeueAfter, false};
    case Outcome::Requeue:
      return {QueueAction::AddRateLimited, Duration::zero(), label::kRequeue, false};
    case Outcome::Conflict:
      return {conflict_streak <= immediate_conflict_retries ? QueueAction::AddNow
                                                             : QueueAction::AddRateLimited,
              Duration::zero(), label::kRequeue, false};
    case Outcome::Error:
      break;
  }
  return {QueueAction::AddRateLimited, Duration::zero(), label::kError, true};
}

}  // namespace redraft::runtime::controller
