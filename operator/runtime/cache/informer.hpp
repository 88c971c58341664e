// A typed informer: a Reflector (list+watch thread) feeding a Store<T>, with add/update/delete
// handlers. T is any type nlohmann can decode (the api:: structs via api/codec.hpp, or
// nlohmann::json itself for kinds without a struct, e.g. Pods).
//
//   Informer<api::AgenticTask> tasks(client, {.type = resources::kAgenticTasks});
//   tasks.add_handlers({.on_add = ..., .on_update = ..., .on_delete = ...});
//   tasks.start();
//   tasks.wait_for_sync(30s);        // /readyz: tasks.has_synced()
//   auto task = tasks.store().get("ns", "name");   // shared_ptr<const api::AgenticTask>
//
// Handlers run on the reflector thread, outside the store lock, in event order; they should
// be quick (enqueue a key). An exception from a handler (of any type) is logged and swallowed. An object
// that fails to decode is logged and skipped (the cache keeps its previous state for it).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/text.hpp"
#include "operator/runtime/cache/object_key.hpp"
#include "operator/runtime/cache/reflector.hpp"
#include "operator/runtime/cache/store.hpp"
#include "operator/runtime/cache/transform.hpp"
#include "operator/runtime/support/run_contained.hpp"

namespace redraft::runtime::cache {

template <typename T>
struct EventHandlers {
  using Ptr = std::shared_ptr<const T>;
  std::function<void(const Ptr& object)> on_add;
  std::function<void(const Ptr& old_object, const Ptr& new_object)> on_update;
  // For objects that vanished during a relist this is the last state the cache knew.
  std::function<void(const Ptr& object)> on_delete;
};

// Handlers that turn any change into "reconcile these keys": `map` gives the keys for an object
// (itself: key_of; its owner: owner_keys), `enqueue` is typically the work queue's add.
template <typename T>
EventHandlers<T> enqueue_handlers(std::function<std::vector<ObjectKey>(const T&)> map,
                                  std::function<void(const ObjectKey&)> enqueue) {
  auto push = [map, enqueue](const T& object) {
    for (const auto& key : map(object)) enqueue(key);
  };
  EventHandlers<T> out;
  out.on_add = [push](const auto& obj) { push(*obj); };
  // Both sides: an owner reference may have changed, and the old owner must hear about it.
  out.on_update = [push](const auto& old_obj, const auto& new_obj) {
    push(*old_obj);
    push(*new_obj);
  };
  out.on_delete = [push](const auto& obj) { push(*obj); };
  return out;
}

struct InformerOptions : ReflectorOptions {
  Transform transform;  // applied to each object's JSON before decoding (may be empty)
  // Called on the reflector thread with the cache's object count after every change, e.g. to
  // set a gauge in the metrics registry (the registry has no callback gauges).
  std::function<void(std::size_t objects)> size_observer;
};

template <typename T>
class Informer : private ReflectorSink {
 public:
  using Ptr = std::shared_ptr<const T>;

  // `client` must outlive the informer.
  Informer(Client& client, InformerOptions options)
      : transform_(std::move(options.transform)),
        size_observer_(std::move(options.size_observer)),
        reflector_(client, static_cast<ReflectorOptions&&>(options), *this) {}
  ~Informer() override { stop(); }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added after start() are first called with on_add for every cached object (like
  // client-go's AddEventHandler), so late subscribers do not miss the initial state.
  void add_handlers(EventHandlers<T> handlers) {
    std::lock_guard lock(handlers_mu_);
    if (handlers.on_add) {
      for (const auto& obj : store_.list()) call("add", [&] { handlers.on_add(obj); });
    }
    handlers_.push_back(std::move(handlers));
  }

  void start() { reflector_.start(); }
  void stop() {
    reflector_.stop();
    sync_cv_.notify_all();
  }

  // True once the first list has been applied to the store (and handlers have seen it).
  bool has_synced() const {
    std::lock_guard lock(sync_mu_);
    return synced_;
  }
  bool wait_for_sync(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(sync_mu_);
    return sync_cv_.wait_for(lock, timeout, [&] { return synced_; });
  }

  const Store<T>& store() const { return store_; }
  std::size_t size() const { return store_.size(); }
  const Reflector& reflector() const { return reflector_; }
  const ResourceType& type() const { return reflector_.options().type; }

 private:
  // ---- ReflectorSink (reflector thread) ----
  void list_begin() override { pending_.clear(); }

  void list_item(nlohmann::json&& object) override {
    if (auto decoded = decode(std::move(object))) pending_.push_back(std::move(decoded));
  }

  void list_end(const std::string&) override {
    auto deltas = store_.replace(std::exchange(pending_, {}));
    pending_.shrink_to_fit();
    dispatch(deltas);
    {
      std::lock_guard lock(sync_mu_);
      synced_ = true;
    }
    sync_cv_.notify_all();
  }

  void watch_event(const std::string& type, nlohmann::json&& object) override {
    if (type == "DELETED") {
      // Deletion needs only the key; the handler gets the last cached state, or the final
      // state the server sent when the object was never cached.
      const ObjectKey key = key_of(object);
      Ptr old = store_.erase(key);
      if (!old) old = decode(std::move(object));
      if (old) dispatch({Delta<T>{DeltaType::Deleted, old, nullptr}});
      return;
    }
    if (type != "ADDED" && type != "MODIFIED") {
      spdlog::warn("informer {}: ignoring watch event of type {}", type_name(), type);
      return;
    }
    if (auto decoded = decode(std::move(object))) dispatch({store_.upsert(std::move(decoded))});
  }

  Ptr decode(nlohmann::json&& object) {
    try {
      if (transform_) transform_(object);
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        return std::make_shared<const T>(std::move(object));
      } else {
        // Equal strings across cached objects (labels, owners, URLs, issue texts) share one
        // buffer: the main saving of the typed cache over a JSON one.
        api::InternScope interning(interner_);
        return std::make_shared<const T>(object.template get<T>());
      }
    } catch (const std::exception& e) {
      spdlog::error("informer {}: skipping {}: cannot decode: {}", type_name(),
                    key_of(object).str(), e.what());
      return nullptr;
    } catch (...) {
      // A transform (user code) may throw anything; an escaping exception would end the
      // reflector thread and with it the process.
      spdlog::error("informer {}: skipping {}: cannot decode: unknown exception", type_name(),
                    key_of(object).str());
      return nullptr;
    }
  }

  void dispatch(const std::vector<Delta<T>>& deltas) {
    if (size_observer_) call("size observer", [&] { size_observer_(store_.size()); });
    std::lock_guard lock(handlers_mu_);
    for (const auto& delta : deltas) {
      for (const auto& h : handlers_) {
        switch (delta.type) {
          case DeltaType::Added:
            if (h.on_add) call("add", [&] { h.on_add(delta.new_object); });
            break;
          case DeltaType::Updated:
            if (h.on_update) call("update", [&] { h.on_update(delta.old_object, delta.new_object); });
            break;
          case DeltaType::Deleted:
            if (h.on_delete) call("delete", [&] { h.on_delete(delta.old_object); });
            break;
        }
      }
    }
  }

  template <class F>
  void call(const char* what, F&& f) {
    if (auto error = support::run_contained(std::forward<F>(f))) {
      spdlog::error("informer {}: {} handler threw: {}", type_name(), what, *error);
    }
  }

  const std::string& type_name() const { return reflector_.options().type.resource; }

  Transform transform_;
  api::Interner interner_;  // shared string buffers of the cached objects
  std::function<void(std::size_t)> size_observer_;
  Store<T> store_;
  std::vector<Ptr> pending_;  // the list being received (reflector thread only)
  std::mutex handlers_mu_;
  std::vector<EventHandlers<T>> handlers_;
  mutable std::mutex sync_mu_;
  mutable std::condition_variable sync_cv_;
  bool synced_ = false;
  Reflector reflector_;  // last: its thread must stop before the members above go away
};

}  // namespace redraft::runtime::cache
