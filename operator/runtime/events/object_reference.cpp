#include "operator/runtime/events/object_reference.hpp"

#include <nlohmann/json.hpp>

namespace redraft::runtime::events {

namespace {
std::string str(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return {};
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

ObjectReference reference_to(const nlohmann::json& object) {
  ObjectReference ref;
  ref.api_version = str(object, "apiVersion");
  ref.kind = str(object, "kind");
  if (object.is_object()) {
    if (auto meta = object.find("metadata"); meta != object.end()) {
      ref.namespace_ = str(*meta, "namespace");
      ref.name = str(*meta, "name");
      ref.uid = str(*meta, "uid");
      ref.resource_version = str(*meta, "resourceVersion");
    }
  }
  return ref;
}

ObjectReference reference_to(const api::ObjectMeta& meta, std::string api_version,
                             std::string kind) {
  return ObjectReference{std::move(api_version), std::move(kind), meta.namespace_, meta.name,
                         meta.uid, meta.resourceVersion, {}};
}

ObjectReference reference_to(const api::Workload& object) {
  return reference_to(object.metadata, api::kApiVersion, "Workload");
}
ObjectReference reference_to(const api::AgenticTask& object) {
  return reference_to(object.metadata, api::kApiVersion, "AgenticTask");
}
ObjectReference reference_to(const api::Agent& object) {
  return reference_to(object.metadata, api::kApiVersion, "Agent");
}

nlohmann::json to_json(const ObjectReference& ref) {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&](const char* field, const std::string& value) {
    if (!value.empty()) out[field] = value;
  };
  put("apiVersion", ref.api_version);
  put("kind", ref.kind);
  put("namespace", ref.namespace_);
  put("name", ref.name);
  put("uid", ref.uid);
  put("resourceVersion", ref.resource_version);
  put("fieldPath", ref.field_path);
  return out;
}

}  // namespace redraft::runtime::events
