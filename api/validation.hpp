// Semantic validation: every error with its field path, e.g.
// "spec.branch: must not start with '-'". Pure functions; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace redraft::api {

struct FieldError {
  std::string field;    // "spec.branch"
  std::string message;  // "must not start with '-'"
  std::string to_string() const { return field + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

// Why `name` is not an acceptable branch name (git check-ref-format rules for a branch under
// refs/heads/, plus: no leading '-', no "..", no control characters or spaces, not empty),
// or nullopt when it is fine. The text does not repeat the (possibly hostile) name.
std::optional<std::string> branch_name_problem(std::string_view name);

std::vector<FieldError> validate(const Agent& agent);
std::vector<FieldError> validate(const AgenticTask& task);
std::vector<FieldError> validate(const Workload& workload);

// "a; b; c" — for messages and events.
std::string join_errors(const std::vector<FieldError>& errors);

}  // namespace redraft::api
