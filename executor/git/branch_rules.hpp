// Pure decisions about where a working branch starts and whether a push may go ahead
// (DESIGN.md §6). No I/O: the prepare/publish phases feed them what they observed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redraft::executor::git {

enum class StartFrom {
  kBase,          // cut from the freshly fetched upstream base
  kPrior,         // the prior attempt as it is
  kPriorRebased,  // the prior attempt replayed onto the base
};

struct StartPlan {
  StartFrom from = StartFrom::kBase;
  std::string restore_outcome;  // api::restore_outcome (restored | fallback | none)
};

// Whether the prior attempt must be probed at all: only for a reviseFromBranch under the
// restore (default) or rebase strategies; reset ignores it.
bool wants_prior(std::string_view strategy, std::string_view revise_from_branch);

// Where the branch starts, given whether the probe found the prior ref (ignored when
// !wants_prior). A missing prior falls back to the base — which is safe because the lease
// recorded for the working branch keeps publish from overwriting anything it did not see.
StartPlan plan_start(std::string_view strategy, std::string_view revise_from_branch,
                     bool prior_found);

enum class PushDecision {
  kPush,            // create, fast-forward, or an allowed rewrite (always under the lease)
  kNonFastForward,  // would rewrite history and allowOverwrite is off
};

// `lease`: the remote value observed at prepare (nullopt = absent).
// `lease_is_ancestor`: the leased commit is an ancestor of the commit to push.
PushDecision decide_push(const std::optional<std::string>& lease, bool lease_is_ancestor,
                         bool allow_overwrite);

}  // namespace redraft::executor::git
