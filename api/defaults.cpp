// Defaulting (DESIGN.md §4). Only unset fields are touched, so applying twice is harmless and a
// value the user wrote always wins.
#include "api/defaults.hpp"

namespace redraft::api {

void apply_defaults(Agent& agent) {
  auto& spec = agent.spec;
  if (spec.promptVia.empty()) spec.promptVia = prompt_via::kFile;
  if (!spec.timeoutSeconds) spec.timeoutSeconds = kDefaultAgentTimeoutSeconds;
}

void apply_defaults(AgenticTask& task) {
  auto& spec = task.spec;
  if (spec.baseBranch.empty()) spec.baseBranch = kDefaultBaseBranch;
  if (spec.branchStrategy.empty()) spec.branchStrategy = strategy::kRestore;
  if (!spec.backoffLimit) spec.backoffLimit = kDefaultBackoffLimit;
  if (!spec.allowOverwrite) spec.allowOverwrite = false;
  if (!spec.author) spec.author = Person{};
  if (spec.author->name.empty()) spec.author->name = kDefaultAuthorName;
  if (spec.author->email.empty()) spec.author->email = kDefaultAuthorEmail;
}

void apply_defaults(Workload& workload) {
  auto& spec = workload.spec;
  if (spec.baseBranch.empty()) spec.baseBranch = kDefaultBaseBranch;
  if (!spec.maxReviewIterations) spec.maxReviewIterations = kDefaultMaxReviewIterations;
  if (spec.branchStrategy.empty()) spec.branchStrategy = strategy::kRebase;
  // Revisions rewrite the prior attempt's branch, always under a lease (DESIGN.md §5).
  if (!spec.allowOverwrite) spec.allowOverwrite = true;
  // Without a name (generateName before creation) there is no prefix to derive yet.
  if (spec.branchPrefix.empty() && !workload.metadata.name.empty()) {
    spec.branchPrefix = default_branch_prefix(workload.metadata.name);
  }
}

std::string default_branch_prefix(const std::string& workload_name) {
  return "redraft/" + workload_name + "/";
}

}  // namespace redraft::api
