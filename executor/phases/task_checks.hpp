// The executor's own precondition checks on a task, run before any git call (the CRD schema and
// the operator check too, but the executor never relies on them). Pure.
#pragma once

#include <string>
#include <vector>

#include "api/types.hpp"

namespace redraft::executor {

// Every problem as "<field>: <what is wrong>" (never echoing hostile values), empty when fine:
// the executor's ref rules (checked with libgit2's name rules too), then api::validate().
// Expects defaults applied (baseBranch filled in).
std::vector<std::string> executor_spec_problems(const api::AgenticTask& task);

}  // namespace redraft::executor
