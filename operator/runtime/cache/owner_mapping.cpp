#include "operator/runtime/cache/owner_mapping.hpp"

#include <nlohmann/json.hpp>

namespace redraft::runtime::cache {

std::string group_of_api_version(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(api_version.substr(0, slash));
}

namespace {
// Tolerates wrong types: a malformed object from the wire must not throw from a handler.
std::string str_field(const nlohmann::json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool matches(std::string_view api_version, std::string_view kind, bool controller,
             const OwnerMatch& match) {
  if (match.controller_only && !controller) return false;
  return kind == match.kind && group_of_api_version(api_version) == match.group;
}
}  // namespace

std::vector<ObjectKey> owner_keys(const api::ObjectMeta& meta, const OwnerMatch& match) {
  std::vector<ObjectKey> out;
  for (const auto& ref : meta.ownerReferences) {
    if (ref.name.empty()) continue;
    if (matches(ref.apiVersion, ref.kind, ref.controller.value_or(false), match)) {
      out.push_back(ObjectKey{meta.namespace_, ref.name});
    }
  }
  return out;
}

std::vector<ObjectKey> owner_keys(const nlohmann::json& object, const OwnerMatch& match) {
  std::vector<ObjectKey> out;
  if (!object.is_object()) return out;
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  const auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return out;
  const std::string ns = str_field(*meta, "namespace");
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    const auto name = str_field(ref, "name");
    const auto api_version = str_field(ref, "apiVersion");
    const auto kind = str_field(ref, "kind");
    const auto controller_it = ref.find("controller");
    const bool controller = controller_it != ref.end() && controller_it->is_boolean() &&
                            controller_it->get<bool>();
    if (!name.empty() && matches(api_version, kind, controller, match)) {
      out.push_back(ObjectKey{ns, name});
    }
  }
  return out;
}

OwnerMatch workload_owner() { return OwnerMatch{api::kGroup, "Workload", true}; }
OwnerMatch agentic_task_owner() { return OwnerMatch{api::kGroup, "AgenticTask", true}; }

}  // namespace redraft::runtime::cache
