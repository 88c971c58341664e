// Semantic validation: every error with its field path, e.g.
// "spec.branch: must not start with '-'". Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace redraft::api {

// Limits (additive): shared with the CRD schema so both reject the same values.
inline constexpr std::size_t kMaxBranchNameLength = 255;
// Workload names and task names become parts of "<workload>-<key>-review-<n>" object names
// (at most 253 characters) with room left for the suffixes.
inline constexpr std::size_t kMaxWorkloadNameLength = 180;
inline constexpr std::size_t kMaxWorkloadTaskNameLength = 40;
// Prompts, issue texts, intents and instructions: generous, but bounded well below the API
// server's object size limit so a runaway generator fails with a field error, not an opaque 413.
inline constexpr std::size_t kMaxTextLength = 256 * 1024;
// Repository-relative paths (Agent.spec.instructionsPath).
inline constexpr std::size_t kMaxPathLength = 4096;
// Upper bounds: beyond these a value is a typo or a runaway cost, not a wish.
inline constexpr std::int64_t kMaxTimeoutSeconds = 7 * 24 * 3600;
inline constexpr std::int64_t kMaxBackoffLimit = 20;
inline constexpr std::int64_t kMaxReviewIterations = 50;
inline constexpr std::int64_t kMaxParallelism = 1000;
// Kubernetes resource.Quantity syntax (ECMAScript and RE2 compatible).
inline constexpr const char* kQuantityPattern =
    "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))"                    // number
    "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";  // suffix

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
