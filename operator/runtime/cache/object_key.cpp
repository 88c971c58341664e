#include "operator/runtime/cache/object_key.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace redraft::runtime::cache {

std::string ObjectKey::str() const {
  return namespace_.empty() ? name.str() : namespace_ + "/" + name;
}

ObjectKey parse_object_key(std::string_view key) {
  const auto slash = key.find('/');
  ObjectKey out;
  if (slash == std::string_view::npos) {
    out.name = key;
  } else {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      throw std::invalid_argument("object key \"" + std::string(key) +
                                  "\": expected \"namespace/name\" or \"name\"");
    }
    out.namespace_ = key.substr(0, slash);
    out.name = key.substr(slash + 1);
  }
  if (out.name.empty()) {
    throw std::invalid_argument("object key \"" + std::string(key) + "\": empty name");
  }
  return out;
}

namespace {
std::string string_at(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return {};
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto value = meta->find(field);
  if (value == meta->end() || !value->is_string()) return {};
  return value->get<std::string>();
}
}  // namespace

ObjectKey key_of(const nlohmann::json& object) {
  return ObjectKey{string_at(object, "namespace"), string_at(object, "name")};
}

std::string resource_version_of(const nlohmann::json& object) {
  return string_at(object, "resourceVersion");
}

ObjectKey key_of(const api::ObjectMeta& meta) { return ObjectKey{meta.namespace_, meta.name}; }

}  // namespace redraft::runtime::cache
