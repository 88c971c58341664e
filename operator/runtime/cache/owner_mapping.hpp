// Secondary resource → owner keys: which primary object to reconcile when a dependent changes
// (an AgenticTask enqueues its Workload, a Pod enqueues its AgenticTask). Same rule as
// controller-runtime's EnqueueRequestForOwner: match the owner reference's API group and kind
// (any version), and by default only the controlling owner.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/types.hpp"
#include "operator/runtime/cache/object_key.hpp"

namespace redraft::runtime::cache {

struct OwnerMatch {
  std::string group;  // "" for the core group, e.g. "redraft.dev"
  std::string kind;   // e.g. "Workload"
  bool controller_only = true;
};

// "redraft.dev/v1alpha1" → "redraft.dev"; "v1" → "".
std::string group_of_api_version(std::string_view api_version);

// Owner keys (in the dependent's namespace: owner references never cross namespaces).
std::vector<ObjectKey> owner_keys(const api::ObjectMeta& meta, const OwnerMatch& match);
std::vector<ObjectKey> owner_keys(const nlohmann::json& object, const OwnerMatch& match);

template <typename T>
  requires requires(const T& t) { t.metadata.ownerReferences; }
std::vector<ObjectKey> owner_keys(const T& object, const OwnerMatch& match) {
  return owner_keys(object.metadata, match);
}

// The two mappings the operator uses.
OwnerMatch workload_owner();      // AgenticTask → Workload
OwnerMatch agentic_task_owner();  // Pod → AgenticTask

}  // namespace redraft::runtime::cache
