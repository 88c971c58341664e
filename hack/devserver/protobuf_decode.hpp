// Decoding of Kubernetes protobuf request bodies for the few built-in kinds that kubectl's and
// helm's typed clients write (they send application/vnd.kubernetes.protobuf and cannot be told
// otherwise): ConfigMap, Secret, Namespace, ServiceAccount, the rbac.authorization.k8s.io/v1
// Role, ClusterRole, RoleBinding and ClusterRoleBinding (`kubectl create role|clusterrole|...`),
// and DeleteOptions. Responses are always JSON, which those clients accept.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace redraft::devserver {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// `body` is the "k8s\0" envelope (runtime.Unknown). Returns the object as API JSON.
// Throws ApiError: 415 for kinds it does not know, 400 for malformed bytes.
nlohmann::json decode_kubernetes_protobuf(std::string_view body);

}  // namespace redraft::devserver
