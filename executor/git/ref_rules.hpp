// Branch-name rules checked before any git call (hostile names must never reach libgit2's
// network code or a refspec). Pure apart from libgit2's own name check, which does no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redraft::executor::git {

// Why `name` is not acceptable as a short branch name (the part after refs/heads/), or nullopt.
// Git check-ref-format rules plus: not empty, no leading '-', no "..", no control characters or
// whitespace, no full ref names. The text never repeats the (possibly hostile) name.
std::optional<std::string> branch_problem(std::string_view name);

// "refs/heads/<name>" — only for names branch_problem() accepted.
std::string full_branch_ref(std::string_view name);

}  // namespace redraft::executor::git
