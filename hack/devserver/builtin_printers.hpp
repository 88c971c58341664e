// The computed columns kubectl shows for built-in kinds on a real cluster (kube-apiserver's
// printers), which no JSONPath can express: a pod's READY/STATUS/RESTARTS, a node's
// STATUS/ROLES/INTERNAL-IP. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace redraft::devserver {

// Names a PrinterColumn::computed may carry.
inline constexpr const char* kPodReady = "pod-ready";
inline constexpr const char* kPodStatus = "pod-status";
inline constexpr const char* kPodRestarts = "pod-restarts";
inline constexpr const char* kNodeStatus = "node-status";
inline constexpr const char* kNodeRoles = "node-roles";
inline constexpr const char* kNodeInternalIp = "node-internal-ip";

// "1/2": ready containers / containers.
std::string pod_ready(const nlohmann::json& pod);
// kubectl's STATUS column: the phase, or what explains it better (Init:1/3, Init:Error,
// Completed, Error, ExitCode:3, ContainerCreating, Terminating...).
std::string pod_status(const nlohmann::json& pod);
long pod_restarts(const nlohmann::json& pod);
// Ready / NotReady / Unknown, plus ",SchedulingDisabled" when cordoned.
std::string node_status(const nlohmann::json& node);
// The node-role.kubernetes.io/<role> labels, comma-separated, or "<none>".
std::string node_roles(const nlohmann::json& node);
std::string node_internal_ip(const nlohmann::json& node);

// The cell for computed column `name` (null for an unknown name).
nlohmann::json computed_cell(const std::string& name, const nlohmann::json& object);

}  // namespace redraft::devserver
