// In-memory object storage with a global monotonic resourceVersion and a bounded event history
// for watch replay. Not thread-safe on its own: the API layer holds one mutex around every call
// (a dev server values obviously-correct over concurrent).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace redraft::devserver {

struct WatchEvent {
  std::string type;  // ADDED | MODIFIED | DELETED
  std::uint64_t rv = 0;
  std::string group_resource;
  std::string ns;
  nlohmann::json object;    // state after the change (for DELETED: the last state, new rv)
  nlohmann::json previous;  // state before the change (null for ADDED)
};

// One watch stream's mailbox. The store pushes under its caller's lock; the streaming thread
// pops with its own lock, so a slow client never blocks writers. Events are shared, immutable:
// one write fans out to every watcher (and the history) without copying the object.
class Watcher {
 public:
  Watcher(std::string group_resource, std::string ns)
      : group_resource_(std::move(group_resource)), ns_(std::move(ns)) {}
  bool wants(const WatchEvent& e) const {
    return e.group_resource == group_resource_ && (ns_.empty() || e.ns == ns_);
  }
  void push(std::shared_ptr<const WatchEvent> e);
  void close();
  // Waits until an event is queued, the watcher is closed, or `until` passes (nullptr then).
  std::shared_ptr<const WatchEvent> pop(std::chrono::steady_clock::time_point until);
  bool closed() const;
  std::size_t pending() const;

 private:
  std::string group_resource_;
  std::string ns_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const WatchEvent>> queue_;
  bool closed_ = false;
};

class ObjectStore {
 public:
  explicit ObjectStore(std::size_t history_size) : history_size_(history_size) {}

  std::uint64_t current_rv() const { return rv_; }
  const nlohmann::json* get(const std::string& gr, const std::string& ns,
                            const std::string& name) const;
  // Objects of `gr` in `ns` (all namespaces when ns is empty), ordered by namespace/name.
  std::vector<const nlohmann::json*> list(const std::string& gr, const std::string& ns) const;
  // Every object whose metadata.ownerReferences names `uid` (for cascading deletion).
  std::vector<std::pair<std::string, const nlohmann::json*>> owned_by(const std::string& uid) const;
  bool has_uid(const std::string& uid) const { return uids_.count(uid) > 0; }
  // Where the object with `uid` lives: {namespace ("" when cluster-scoped), name}.
  std::optional<std::pair<std::string, std::string>> locate_uid(const std::string& uid) const {
    auto it = uids_.find(uid);
    if (it == uids_.end()) return std::nullopt;
    return std::pair{it->second.ns, it->second.name};
  }
  std::vector<std::string> group_resources() const;

  // Writes stamp metadata.resourceVersion with the next global value and record an event.
  nlohmann::json create(const std::string& gr, const std::string& ns, nlohmann::json obj);
  nlohmann::json update(const std::string& gr, const std::string& ns, nlohmann::json obj);
  nlohmann::json remove(const std::string& gr, const std::string& ns, const std::string& name);

  // Registers a watcher and returns the history events after `from_rv` it must replay first.
  // Throws ApiError 410 when the history no longer reaches back to `from_rv`.
  std::shared_ptr<Watcher> watch(const std::string& gr, const std::string& ns,
                                 std::uint64_t from_rv, std::vector<WatchEvent>& replay);
  // Forgets all history: any watch from an older resourceVersion now gets 410.
  void compact();
  std::uint64_t oldest_watchable_rv() const { return floor_rv_; }
  void close_all_watchers();
  std::size_t open_watchers() const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  void record(WatchEvent e);
  // Indexes kept in step with objects_ so cascades need no full scans.
  void index(const std::string& gr, const nlohmann::json& obj, bool add);
  std::map<std::string, std::map<Key, nlohmann::json>> objects_;  // by group-resource
  std::uint64_t rv_ = 1;
  std::size_t history_size_;
  std::deque<std::shared_ptr<const WatchEvent>> history_;
  std::uint64_t floor_rv_ = 0;  // events with rv > floor_rv_ are all still in history_
  std::vector<std::weak_ptr<Watcher>> watchers_;
  struct Ref {
    std::string gr, ns, name;
    auto operator<=>(const Ref&) const = default;
  };
  std::map<std::string, std::set<Ref>> dependents_;  // owner uid -> objects referencing it
  std::map<std::string, Ref> uids_;  // uid -> the object carrying it
};

}  // namespace redraft::devserver
