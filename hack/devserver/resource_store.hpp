// The API semantics on top of ObjectStore: create/get/list/update/patch/delete with
// resourceVersion conflicts, the status subresource, generation, CRD registration, schema
// admission, finalizers and ownerReference cascades. One mutex serialises every call.
// A background thread plays the garbage collector for dependents written after their owners
// were gone (see collect_orphans).
#pragma once

#include "object_store.hpp"
#include "patch.hpp"
#include "resource_registry.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace redraft::devserver {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  long limit = 0;  // 0: everything
  std::string continue_token;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resource_version;
  std::string continue_token;
  long remaining = 0;  // matching items after this page
};

struct WriteOptions {
  bool dry_run = false;
  // ?fieldValidation=: "Strict" rejects unknown fields of custom resources (400), "Warn"
  // reports them in `warnings`, anything else prunes them silently.
  std::string field_validation;
  std::vector<std::string>* warnings = nullptr;
};

struct DeleteOptions {
  std::string propagation = "Background";  // Background | Foreground (dependents first) | Orphan
  std::string precondition_uid;
  std::string precondition_rv;
  bool dry_run = false;
  // DeleteOptions.gracePeriodSeconds (body or query). Only pods are graceful: see pod_rules.hpp.
  std::optional<long> grace_period_seconds;
};

struct WatchStart {
  std::shared_ptr<Watcher> watcher;
  std::vector<WatchEvent> initial;  // synthetic ADDED events or replayed history
};

class ResourceStore {
 public:
  // `gc_delay`: how long after a write a dependent with no live owner is collected.
  explicit ResourceStore(std::size_t history_size,
                         std::chrono::milliseconds gc_delay = std::chrono::milliseconds(100));
  ~ResourceStore();
  ResourceStore(const ResourceStore&) = delete;
  ResourceStore& operator=(const ResourceStore&) = delete;

  // A copy, so callers can use it after the lock is released even if a CRD changes.
  std::optional<ResourceInfo> resolve(const std::string& group, const std::string& version,
                                      const std::string& plural) const;
  template <class F>
  auto with_registry(F&& f) const {
    std::lock_guard lock(mu_);
    return f(registry_);
  }

  nlohmann::json get(const ResourceInfo& info, const std::string& ns, const std::string& name) const;
  ListResult list(const ResourceInfo& info, const std::string& ns, const ListOptions& opts) const;
  nlohmann::json create(const ResourceInfo& info, const std::string& ns, nlohmann::json body,
                        const WriteOptions& opts = {});
  // `subresource` is "" or "status".
  nlohmann::json update(const ResourceInfo& info, const std::string& ns, const std::string& name,
                        nlohmann::json body, const std::string& subresource,
                        const WriteOptions& opts = {});
  nlohmann::json patch(const ResourceInfo& info, const std::string& ns, const std::string& name,
                       PatchType type, const nlohmann::json& patch, const std::string& subresource,
                       const WriteOptions& opts = {});
  // Returns the object as deleted (or as marked for deletion when finalizers hold it).
  nlohmann::json remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                        const DeleteOptions& opts = {});
  // POST pods/{name}/binding (`pod_name` from the URL) or POST bindings (`pod_name` ""): sets
  // the pod's spec.nodeName (see bind_pod in pod_rules.hpp). ApiError 404 when the pod is missing.
  void bind(const std::string& ns, const std::string& pod_name, const nlohmann::json& binding);
  std::vector<nlohmann::json> remove_collection(const ResourceInfo& info, const std::string& ns,
                                                const ListOptions& selection,
                                                const DeleteOptions& opts = {});

  // `resource_version` "" or "0": start with the current objects as ADDED; otherwise replay
  // history after it (ApiError 410 when it is older than the retained history).
  WatchStart watch(const ResourceInfo& info, const std::string& ns,
                   const std::string& resource_version);
  // The resourceVersion a BOOKMARK may carry: the current one, if `w` has nothing queued.
  std::optional<std::string> bookmark_rv(const Watcher& w) const;
  std::string current_rv() const;

  void compact();
  void close_watchers();
  std::size_t open_watches() const;

 private:
  nlohmann::json update_locked(const ResourceInfo& info, const std::string& ns,
                               const std::string& name, nlohmann::json body,
                               const std::string& subresource, const WriteOptions& opts);
  nlohmann::json delete_locked(const std::string& gr, const std::string& ns,
                               const std::string& name, const DeleteOptions& opts);
  void remove_now(const std::string& gr, const std::string& ns, const std::string& name,
                  const std::string& propagation);
  void cascade(const std::string& owner_uid, const std::string& propagation);
  // The owner `ref` names exists: same uid and name, in `dependent_ns` or cluster-scoped.
  bool owner_alive(const nlohmann::json& ref, const std::string& dependent_ns) const;
  // After a write: queue `obj` for the collector when it has owners and none of them exists.
  void schedule_gc_check(const std::string& gr, const nlohmann::json& obj);
  // The collector thread: deletes queued objects that still have only missing owners.
  void collect_orphans();
  void collect_one(const std::string& gr, const std::string& ns, const std::string& name,
                   const std::string& uid);
  void ensure_namespace(const std::string& ns) const;
  void admit(const ResourceInfo& info, const std::string& name, nlohmann::json& obj,
             const WriteOptions& opts) const;

  struct GcCandidate {
    std::string gr, ns, name, uid;
    std::chrono::steady_clock::time_point due;
  };

  mutable std::mutex mu_;
  ObjectStore store_;
  ResourceRegistry registry_;
  std::chrono::milliseconds gc_delay_;
  std::deque<GcCandidate> gc_queue_;  // due times ascend: every entry gets now + gc_delay_
  std::condition_variable gc_cv_;
  bool stopping_ = false;
  std::thread gc_thread_;  // last: starts after everything it uses exists
};

// Decisions kept pure for unit tests.
// Name rules: RFC 1123 label for namespaces/services, subdomain otherwise. nullopt = valid.
std::optional<FieldCause> check_object_name(const ResourceInfo& info, const std::string& name);
// metadata.generation moves only when something outside metadata and status changed.
bool spec_changed(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace redraft::devserver
