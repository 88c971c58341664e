// How cached objects are addressed: namespace/name, like client-go's MetaNamespaceKeyFunc.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "api/types.hpp"

namespace redraft::runtime::cache {

// Text members share their buffers with the cached object's metadata (no copy per key).
struct ObjectKey {
  api::Text namespace_;  // empty for cluster-scoped objects
  api::Text name;
  auto operator<=>(const ObjectKey&) const = default;
  bool operator==(const ObjectKey&) const = default;
  // "ns/name", or "name" when cluster-scoped (the work queue's key format).
  std::string str() const;
};

// Parses "ns/name" or "name". Throws std::invalid_argument naming the key when it has more than
// one '/' or an empty name.
ObjectKey parse_object_key(std::string_view key);

// Accessors used by Store<T> and the informer. Overloads exist for nlohmann::json (for kinds
// without a typed struct, e.g. Pods) and for every type with an api::ObjectMeta `metadata`.
ObjectKey key_of(const nlohmann::json& object);
std::string resource_version_of(const nlohmann::json& object);

ObjectKey key_of(const api::ObjectMeta& meta);

template <typename T>
  requires requires(const T& t) { t.metadata.resourceVersion; }
ObjectKey key_of(const T& object) {
  return key_of(object.metadata);
}

template <typename T>
  requires requires(const T& t) { t.metadata.resourceVersion; }
std::string_view resource_version_of(const T& object) {
  return object.metadata.resourceVersion;
}

}  // namespace redraft::runtime::cache
