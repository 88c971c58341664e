#include "executor/phases/task_checks.hpp"

#include <set>

#include "api/validation.hpp"
#include "executor/git/ref_rules.hpp"

namespace redraft::executor {

std::vector<std::string> executor_spec_problems(const api::AgenticTask& task) {
  std::vector<std::string> out;
  const auto& spec = task.spec;
  if (spec.kind != api::task_kind::kCode && spec.kind != api::task_kind::kReview) {
    out.push_back("spec.kind: must be \"code\" or \"review\"");
  }
  if (spec.repo.url.empty()) out.push_back("spec.repo.url: required");
  auto ref = [&](const char* field, const std::string& value, bool required) {
    if (value.empty() && !required) return;
    if (auto p = git::branch_problem(value)) out.push_back(std::string(field) + ": " + *p);
  };
  ref("spec.branch", spec.branch, true);
  ref("spec.baseBranch", spec.baseBranch, true);
  ref("spec.reviseFromBranch", spec.reviseFromBranch, false);
  if (!spec.branchStrategy.empty() && spec.branchStrategy != api::strategy::kRestore &&
      spec.branchStrategy != api::strategy::kRebase && spec.branchStrategy != api::strategy::kReset) {
    out.push_back("spec.branchStrategy: must be restore, rebase or reset");
  }
  if (spec.kind == api::task_kind::kReview && !spec.branch.empty() && spec.branch == spec.baseBranch) {
    out.push_back("spec.branch: a review must name the pushed branch, not the base branch");
  }
  if (spec.author) {
    if (spec.author->name.empty()) out.push_back("spec.author.name: required when author is set");
    if (spec.author->email.empty()) out.push_back("spec.author.email: required when author is set");
  }
  // Then the API's own rules (the CRD schema's, URLs without credentials, etc.) for every field
  // not already reported above, so the executor and the API server never disagree silently.
  std::set<std::string> reported;
  for (const auto& p : out) reported.insert(p.substr(0, p.find(':')));
  for (const auto& e : api::validate(task)) {
    if (reported.count(e.field) == 0) out.push_back(e.to_string());
  }
  return out;
}

}  // namespace redraft::executor
