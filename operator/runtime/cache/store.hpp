// The typed cache behind an informer: objects keyed by namespace/name, guarded by one mutex.
//
// Objects are held as std::shared_ptr<const T>: readers get a snapshot they can keep without
// holding the lock and without copying, and an update never mutates an object a reader holds.
// Only the informer writes; controllers read (get/list), like controller-runtime's cache reader.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operator/runtime/cache/object_key.hpp"

namespace redraft::runtime::cache {

enum class DeltaType { Added, Updated, Deleted };

template <typename T>
struct Delta {
  DeltaType type;
  std::shared_ptr<const T> old_object;  // null for Added
  std::shared_ptr<const T> new_object;  // null for Deleted
};

template <typename T>
class Store {
 public:
  using Ptr = std::shared_ptr<const T>;

  Ptr get(const ObjectKey& key) const {
    std::lock_guard lock(mu_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second;
  }
  Ptr get(std::string_view ns, std::string_view name) const {
    return get(ObjectKey{std::string(ns), std::string(name)});
  }

  // All objects, in key order.
  std::vector<Ptr> list() const {
    std::lock_guard lock(mu_);
    std::vector<Ptr> out;
    out.reserve(items_.size());
    for (const auto& [key, obj] : items_) out.push_back(obj);
    return out;
  }

  // Objects of one namespace (keys are ordered by namespace first, so this is a range scan),
  // optionally filtered.
  std::vector<Ptr> list(std::string_view ns,
                        const std::function<bool(const T&)>& keep = nullptr) const {
    std::lock_guard lock(mu_);
    std::vector<Ptr> out;
    for (auto it = items_.lower_bound(ObjectKey{std::string(ns), {}});
         it != items_.end() && it->first.namespace_ == ns; ++it) {
      if (!keep || keep(*it->second)) out.push_back(it->second);
    }
    return out;
  }

  std::vector<ObjectKey> keys() const {
    std::lock_guard lock(mu_);
    std::vector<ObjectKey> out;
    out.reserve(items_.size());
    for (const auto& [key, obj] : items_) out.push_back(key);
    return out;
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

  // ---- writes (the informer's) ----

  // Inserts or replaces; returns the delta (Added or Updated, with the previous object).
  Delta<T> upsert(Ptr object) {
    auto key = key_of(*object);
    std::lock_guard lock(mu_);
    auto [it, inserted] = items_.try_emplace(std::move(key), object);
    if (inserted) return {DeltaType::Added, nullptr, std::move(object)};
    Ptr old = std::exchange(it->second, object);
    return {DeltaType::Updated, std::move(old), std::move(object)};
  }

  // Removes; returns the last known object, or null when it was not cached.
  Ptr erase(const ObjectKey& key) {
    std::lock_guard lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return nullptr;
    Ptr old = std::move(it->second);
    items_.erase(it);
    return old;
  }

  // Replaces the whole content with a fresh list (after a (re)list) and returns what changed:
  // new keys are Added, keys whose resourceVersion differs are Updated, vanished keys are
  // Deleted with their last known state. Unchanged objects keep their old pointer and produce
  // no delta, so a relist after a 410 does not re-trigger every handler.
  std::vector<Delta<T>> replace(std::vector<Ptr> objects) {
    std::map<ObjectKey, Ptr> fresh;
    for (auto& obj : objects) {
      auto key = key_of(*obj);
      fresh.insert_or_assign(std::move(key), std::move(obj));
    }
    std::vector<Delta<T>> deltas;
    std::lock_guard lock(mu_);
    for (auto& [key, obj] : fresh) {
      auto old = items_.find(key);
      if (old == items_.end()) {
        deltas.push_back({DeltaType::Added, nullptr, obj});
      } else if (resource_version_of(*old->second) != resource_version_of(*obj)) {
        deltas.push_back({DeltaType::Updated, old->second, obj});
      } else {
        obj = old->second;
      }
    }
    for (auto& [key, obj] : items_) {
      if (!fresh.contains(key)) deltas.push_back({DeltaType::Deleted, obj, nullptr});
    }
    items_ = std::move(fresh);
    return deltas;
  }

 private:
  mutable std::mutex mu_;
  std::map<ObjectKey, Ptr> items_;
};

}  // namespace redraft::runtime::cache
