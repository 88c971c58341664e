// Which REST collection an object lives in: group/version/resource plus kind and scope.
#pragma once

#include <string>

namespace redraft::runtime {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "pods"
  std::string kind;      // "Pod"
  bool namespaced = true;

  // "v1" for the core group, "group/version" otherwise (the objects' apiVersion field).
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const ResourceType&) const = default;
};

// The resources the operator and its tests use.
namespace resources {
inline const ResourceType kPods{"", "v1", "pods", "Pod", true};
inline const ResourceType kEvents{"", "v1", "events", "Event", true};
inline const ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
inline const ResourceType kSecrets{"", "v1", "secrets", "Secret", true};
inline const ResourceType kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
inline const ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const ResourceType kEventsV1{"events.k8s.io", "v1", "events", "Event", true};
inline const ResourceType kLeases{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline const ResourceType kCustomResourceDefinitions{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
inline const ResourceType kAgents{"redraft.dev", "v1alpha1", "agents", "Agent", true};
inline const ResourceType kAgenticTasks{"redraft.dev", "v1alpha1", "agentictasks", "AgenticTask",
                                        true};
inline const ResourceType kWorkloads{"redraft.dev", "v1alpha1", "workloads", "Workload", true};
}  // namespace resources

}  // namespace redraft::runtime
