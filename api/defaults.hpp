// Defaulting, applied by the CRD schema on the server and again here (the executor and the
// planner never rely on the server having done it).
#pragma once

#include <string>

#include "api/types.hpp"

namespace redraft::api {

inline constexpr std::int64_t kDefaultAgentTimeoutSeconds = 1800;
inline constexpr std::int64_t kDefaultBackoffLimit = 1;
inline constexpr std::int64_t kDefaultMaxReviewIterations = 1;
inline constexpr const char* kDefaultBaseBranch = "main";
inline constexpr const char* kDefaultAuthorName = "Redraft";
inline constexpr const char* kDefaultAuthorEmail = "redraft@redraft.dev";

// "redraft/<workload>/": the default Workload.spec.branchPrefix (additive helper).
std::string default_branch_prefix(const std::string& workload_name);

void apply_defaults(Agent& agent);
void apply_defaults(AgenticTask& task);
void apply_defaults(Workload& workload);

}  // namespace redraft::api
