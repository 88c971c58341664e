// The task Pod and its input ConfigMap for one attempt of an AgenticTask (DESIGN.md §1,
// notes/contract.md "The task Pod"). Pure functions: everything they produce is decided by
// their arguments, so the golden tests pin the exact documents.
//
// Layout: init containers install → prepare → agent (run one after another), container publish
// (its termination message is the result). Only prepare and publish see the git credentials.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/types.hpp"

namespace redraft::controllers::agentictask {

// Pod labels (the operator's Pod informer selects kLabelManagedBy=kManagedByValue).
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "redraft-operator";
inline constexpr const char* kLabelAppName = "app.kubernetes.io/name";
inline constexpr const char* kAppNameValue = "redraft-task";
inline constexpr const char* kLabelTask = "redraft.dev/task";
inline constexpr const char* kLabelAttempt = "redraft.dev/attempt";

// Container names (API for kubectl logs and for reading the result).
inline constexpr const char* kInstallContainer = "install";
inline constexpr const char* kPrepareContainer = "prepare";
inline constexpr const char* kAgentContainer = "agent";
inline constexpr const char* kPublishContainer = "publish";

inline constexpr std::int64_t kDefaultTaskTimeoutSeconds = 1800;
// Added to the agent timeout for install, prepare (clone) and publish (push).
inline constexpr std::int64_t kPodDeadlineMarginSeconds = 600;
// The user and group every container runs as (the "nonroot" user of distroless images).
inline constexpr std::int64_t kRunAsId = 65532;

struct PodBuildOptions {
  int attempt = 1;                                  // 1-based
  std::string executor_image = "redraft/executor:dev";
  std::string task_service_account;                 // "" ⇒ the namespace default
};

// "<task>-<attempt>"; when that exceeds 253 characters the task name is cut and a hash of it
// added ("<cut>-<10 hex>-<attempt>"), so distinct tasks keep distinct, deterministic names.
std::string pod_name(std::string_view task_name, int attempt);

// The Pod's (and the ConfigMap's) labels for an attempt.
api::StringMap pod_labels(const api::AgenticTask& task, int attempt);

// The controlling owner reference to the task (for the Pod and the ConfigMap).
nlohmann::json task_owner_reference(const api::AgenticTask& task);

// (task timeoutSeconds, else the Agent's, else 1800) + 600.
std::int64_t active_deadline_seconds(const api::AgenticTask& task, const api::Agent& agent);

// The input ConfigMap (named like the Pod): task.json = `effective_task` (forkOf already
// resolved into reviseFromBranch/expectedRemoteSha; status and resourceVersion dropped),
// agent.json = the Agent (status dropped).
nlohmann::json build_input_configmap(const api::AgenticTask& effective_task,
                                     const api::Agent& agent, const PodBuildOptions& options);

// The Pod of one attempt. `task` should be the effective task (its spec is only read for
// the credentials Secret and the timeout; identity comes from its metadata).
nlohmann::json build_pod(const api::AgenticTask& task, const api::Agent& agent,
                         const PodBuildOptions& options);

}  // namespace redraft::controllers::agentictask
