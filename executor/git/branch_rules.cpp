#include "executor/git/branch_rules.hpp"

namespace redraft::executor::git {

bool wants_prior(std::string_view strategy, std::string_view revise_from_branch) {
  if (revise_from_branch.empty()) return false;
  return strategy != "reset";  // "" means the default, restore
}

StartPlan plan_start(std::string_view strategy, std::string_view revise_from_branch,
                     bool prior_found) {
  if (!wants_prior(strategy, revise_from_branch)) return {StartFrom::kBase, "none"};
  if (!prior_found) return {StartFrom::kBase, "fallback"};
  if (strategy == "rebase") return {StartFrom::kPriorRebased, "restored"};
  return {StartFrom::kPrior, "restored"};
}

PushDecision decide_push(const std::optional<std::string>& lease, bool lease_is_ancestor,
                         bool allow_overwrite) {
  if (!lease || lease_is_ancestor || allow_overwrite) return PushDecision::kPush;
  return PushDecision::kNonFastForward;
}

}  // namespace redraft::executor::git
