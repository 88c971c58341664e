// What an Event is about (core/v1 ObjectReference: the event's involvedObject / regarding).
// kubectl describe finds events by involvedObject kind, name, namespace and uid, so all of them
// must be filled from the real object.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/types.hpp"

namespace redraft::runtime::events {

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;
  bool operator==(const ObjectReference&) const = default;
};

// From any object JSON (apiVersion, kind and metadata as the server returned them).
ObjectReference reference_to(const nlohmann::json& object);
// From the typed API objects (their kind/apiVersion are implied by the type).
ObjectReference reference_to(const api::Workload& object);
ObjectReference reference_to(const api::AgenticTask& object);
ObjectReference reference_to(const api::Agent& object);
ObjectReference reference_to(const api::ObjectMeta& meta, std::string api_version,
                             std::string kind);

nlohmann::json to_json(const ObjectReference& ref);

}  // namespace redraft::runtime::events
