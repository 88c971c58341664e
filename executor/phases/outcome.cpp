// Small shared pieces of the phases: how failures are recorded and named.
#include "api/defaults.hpp"
#include "executor/phases/phases.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {

void mark_failed(api::AgenticTaskStatus& status, const std::string& reason, const std::string& message) {
  status.phase = api::phase::kFailed;
  status.reason = reason;
  status.message = redacted(message);
}

git::Identity author_of(const api::AgenticTask& task) {
  if (task.spec.author) return {task.spec.author->name, task.spec.author->email};
  return {api::kDefaultAuthorName, api::kDefaultAuthorEmail};
}

std::string reason_for(git::Failure failure) {
  switch (failure) {
    case git::Failure::kAuth: return api::reason::kAuthFailed;
    case git::Failure::kInvalid: return api::reason::kInvalidSpec;
    case git::Failure::kNotFound: return api::reason::kBranchNotFound;
    case git::Failure::kConflict: return api::reason::kRebaseConflict;
    case git::Failure::kTransport:  // unreachable remote, broken transfer
    case git::Failure::kRejected:
    case git::Failure::kLocal:
      break;
  }
  return api::reason::kCloneFailed;
}

}  // namespace redraft::executor
