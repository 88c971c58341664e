// What the operator keeps of a task Pod in its cache: the fields the AgenticTask controller reads,
// decoded into a lean struct (a full Pod JSON is ~10x larger; see the operator_memory benchmark).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/types.hpp"

namespace redraft::controllers::agentictask {

struct ContainerView {
  api::Text name;
  api::Text state;    // "waiting" | "running" | "terminated" | "" (no status yet)
  api::Text reason;   // of the waiting or terminated state
  api::Text message;  // terminated: the termination message; waiting: the kubelet's message
  std::optional<std::int64_t> exitCode;
  api::Text startedAt;
  api::Text finishedAt;
  bool operator==(const ContainerView&) const = default;
};

struct PodView {
  api::ObjectMeta metadata;
  api::Text nodeName;
  api::Text phase;    // status.phase
  api::Text reason;   // status.reason, e.g. DeadlineExceeded
  api::Text message;  // status.message
  api::Text startTime;
  std::vector<ContainerView> initContainers;  // status.initContainerStatuses, in spec order
  std::vector<ContainerView> containers;      // status.containerStatuses
  bool operator==(const PodView&) const = default;
};

// Decodes a core/v1 Pod (unknown fields ignored). Throws api::DecodeError naming the field.
void from_json(const nlohmann::json& j, PodView& pod);

}  // namespace redraft::controllers::agentictask
