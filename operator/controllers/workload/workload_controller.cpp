#include "operator/controllers/workload/workload_controller.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/codec.hpp"
#include "operator/controllers/workload/plan.hpp"
#include "operator/runtime/cache/object_key.hpp"
#include "operator/runtime/cache/owner_mapping.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/events/k8s_time.hpp"
#include "operator/runtime/events/object_reference.hpp"

namespace redraft::controllers::workload {
namespace {

using runtime::cache::ObjectKey;

bool references_agent(const api::Workload& w, std::string_view agent) {
  const auto& spec = w.spec;
  if (spec.coderAgentRef.name == agent) return true;
  if (spec.revisionCoderAgentRef && spec.revisionCoderAgentRef->name == agent) return true;
  for (const auto& ref : spec.reviewerAgentRefs) {
    if (ref.name == agent) return true;
  }
  return false;
}

std::vector<std::string> referenced_agents(const api::Workload& w) {
  std::set<std::string> names;
  names.insert(w.spec.coderAgentRef.name);
  if (w.spec.revisionCoderAgentRef) names.insert(w.spec.revisionCoderAgentRef->name);
  for (const auto& ref : w.spec.reviewerAgentRefs) names.insert(ref.name);
  names.erase("");
  return {names.begin(), names.end()};
}

// The API server will never accept this object as it is (invalid field, too large, malformed).
bool is_permanent(const std::exception& e) {
  const auto* api_error = dynamic_cast<const runtime::ApiError*>(&e);
  return runtime::is_invalid(e) ||
         (api_error != nullptr && (api_error->code() == 400 || api_error->code() == 413 ||
                                   api_error->code() == 422));
}

}  // namespace

// What the informer handlers share with the controller. Handlers cannot be removed from an
// informer, so they hold this by shared_ptr and stop forwarding once the controller is gone.
struct Hub {
  std::mutex mu;
  runtime::controller::Controller* controller = nullptr;  // null once destroyed
  // Workload key ("ns/name") → names of the AgenticTasks it controls (owner reference), so a
  // reconcile reads its few tasks instead of scanning every task of the namespace.
  std::unordered_map<std::string, std::set<std::string>> tasks_by_workload;

  void enqueue(const std::string& key, std::string_view reason) {
    std::lock_guard lock(mu);
    if (controller != nullptr) controller->enqueue(key, reason);
  }
  void index(const api::AgenticTask& task, bool add) {
    const auto owners = runtime::cache::owner_keys(task, runtime::cache::workload_owner());
    std::lock_guard lock(mu);
    for (const auto& owner : owners) {
      const std::string key = owner.str();
      if (add) {
        tasks_by_workload[key].insert(task.metadata.name);
      } else if (auto it = tasks_by_workload.find(key); it != tasks_by_workload.end()) {
        it->second.erase(task.metadata.name.str());
        if (it->second.empty()) tasks_by_workload.erase(it);
      }
    }
  }
  std::vector<std::string> task_names(const std::string& workload_key) {
    std::lock_guard lock(mu);
    auto it = tasks_by_workload.find(workload_key);
    if (it == tasks_by_workload.end()) return {};
    return {it->second.begin(), it->second.end()};
  }
};

struct WorkloadController::Impl {
  Impl(runtime::Client& c, runtime::cache::Informer<api::Workload>& w,
       runtime::cache::Informer<api::AgenticTask>& t, runtime::cache::Informer<api::Agent>& a,
       runtime::events::Recorder& r, WorkloadControllerOptions o)
      : client(c), workloads(w), tasks(t), agents(a), recorder(r), options(o) {}

  runtime::Client& client;
  runtime::cache::Informer<api::Workload>& workloads;
  runtime::cache::Informer<api::AgenticTask>& tasks;
  runtime::cache::Informer<api::Agent>& agents;
  runtime::events::Recorder& recorder;
  WorkloadControllerOptions options;
  std::shared_ptr<Hub> hub = std::make_shared<Hub>();
  std::unique_ptr<runtime::controller::Controller> controller;

  void wire();
  runtime::controller::Result reconcile(const std::string& key);
};

void WorkloadController::Impl::wire() {
  std::shared_ptr<Hub> h = hub;

  runtime::cache::EventHandlers<api::Workload> wl;
  wl.on_add = [h](const auto& w) { h->enqueue(runtime::cache::key_of(*w).str(), "Workload added"); };
  wl.on_update = [h](const auto& old_w, const auto& new_w) {
    if (old_w->metadata.resourceVersion == new_w->metadata.resourceVersion) return;
    h->enqueue(runtime::cache::key_of(*new_w).str(), "Workload changed");
  };
  // Nothing to do for a deleted Workload (its tasks go by owner reference); the key is still
  // enqueued so the reconcile logs it and forgets any backoff.
  wl.on_delete = [h](const auto& w) {
    h->enqueue(runtime::cache::key_of(*w).str(), "Workload deleted");
  };
  workloads.add_handlers(std::move(wl));

  runtime::cache::EventHandlers<api::AgenticTask> tk;
  auto owner_enqueue = [h](const api::AgenticTask& task, std::string_view reason) {
    for (const auto& owner : runtime::cache::owner_keys(task, runtime::cache::workload_owner())) {
      h->enqueue(owner.str(), reason);
    }
  };
  tk.on_add = [h, owner_enqueue](const auto& t) {
    h->index(*t, true);
    owner_enqueue(*t, "owned AgenticTask added");
  };
  tk.on_update = [h, owner_enqueue](const auto& old_t, const auto& new_t) {
    h->index(*old_t, false);
    h->index(*new_t, true);
    // Only status matters to the planner; spec and labels of an existing task are never
    // rewritten by it.
    if (old_t->status == new_t->status && old_t->metadata.ownerReferences ==
                                              new_t->metadata.ownerReferences) {
      return;
    }
    owner_enqueue(*old_t, "owned AgenticTask changed");
    if (old_t->metadata.ownerReferences != new_t->metadata.ownerReferences) {
      owner_enqueue(*new_t, "owned AgenticTask changed");
    }
  };
  tk.on_delete = [h, owner_enqueue](const auto& t) {
    h->index(*t, false);
    owner_enqueue(*t, "owned AgenticTask deleted");
  };
  tasks.add_handlers(std::move(tk));

  // An Agent appearing, changing role or vanishing re-plans the Workloads that reference it
  // (creating a missing Agent resumes planning without any retry loop).
  auto* wl_informer = &workloads;
  auto agent_changed = [h, wl_informer](const api::Agent& agent, std::string_view reason) {
    const std::string name = agent.metadata.name;
    for (const auto& w : wl_informer->store().list(agent.metadata.namespace_.view())) {
      if (references_agent(*w, name)) h->enqueue(runtime::cache::key_of(*w).str(), reason);
    }
  };
  runtime::cache::EventHandlers<api::Agent> ag;
  ag.on_add = [agent_changed](const auto& a) { agent_changed(*a, "referenced Agent added"); };
  ag.on_update = [agent_changed](const auto& old_a, const auto& new_a) {
    if (old_a->spec == new_a->spec) return;  // existence, role and a valid spec are planned on
    agent_changed(*new_a, "referenced Agent changed");
  };
  ag.on_delete = [agent_changed](const auto& a) { agent_changed(*a, "referenced Agent deleted"); };
  agents.add_handlers(std::move(ag));
}

runtime::controller::Result WorkloadController::Impl::reconcile(const std::string& key) {
  const ObjectKey object_key = runtime::cache::parse_object_key(key);
  const auto workload = workloads.store().get(object_key);
  if (!workload) return {};  // deleted: its tasks are garbage-collected by owner reference
  if (!workload->metadata.deletionTimestamp.empty()) return {};  // never re-planned
  const std::string ns = workload->metadata.namespace_;

  std::vector<api::Agent> found_agents;
  for (const auto& name : referenced_agents(*workload)) {
    if (auto agent = agents.store().get(ns, name)) found_agents.push_back(*agent);
  }
  std::vector<api::AgenticTask> owned;
  for (const auto& name : hub->task_names(key)) {
    auto task = tasks.store().get(ns, name);
    if (!task) continue;
    // Only tasks of this incarnation of the Workload (a recreated Workload of the same name
    // must not adopt the previous one's tasks while they are being collected).
    bool ours = false;
    for (const auto& owner : task->metadata.ownerReferences) {
      if (owner.uid == workload->metadata.uid && owner.controller.value_or(false)) ours = true;
    }
    if (ours) owned.push_back(*task);
  }

  const std::string now = runtime::format_time(std::chrono::system_clock::now());
  Plan p = plan(*workload, found_agents, owned, now);
  const runtime::events::ObjectReference regarding = runtime::events::reference_to(*workload);

  std::vector<RejectedTask> rejected;
  for (const auto& create : p.create) {
    try {
      client.create(runtime::resources::kAgenticTasks, ns, nlohmann::json(create.task));
    } catch (const std::exception& e) {
      // AlreadyExists: created by an earlier reconcile the cache has not caught up with (its
      // events were recorded then).
      if (runtime::is_already_exists(e)) continue;
      spdlog::warn("workload {}: creating task {} failed: {}", key,
                   create.task.metadata.name.str(), e.what());
      // Refused for good (the task would be refused on every retry): its item fails, the other
      // creates go on. Anything else: no status write, retry with backoff.
      if (!is_permanent(e)) throw;
      const auto* api_error = dynamic_cast<const runtime::ApiError*>(&e);
      rejected.push_back({create.task.metadata.name.str(),
                          api_error != nullptr && !api_error->message().empty()
                              ? api_error->message()
                              : std::string(e.what())});
      continue;
    }
    spdlog::info("workload {}: created task {}", key, create.task.metadata.name.str());
    for (const auto& event : create.events) {
      recorder.record(regarding, event.type, event.reason, event.message);
    }
  }
  // The same inputs with the refusals: the status marks those items Failed and the transition
  // events carry the server's message (recorded after the status write, once).
  if (!rejected.empty()) p = plan(*workload, found_agents, owned, now, rejected);

  if (p.status_changed) {
    api::Workload updated = *workload;
    updated.status = std::move(p.status);
    // With the cached resourceVersion: a stale cache gets 409 (requeued quietly by the
    // controller) and then no transition event is recorded, so none is recorded twice.
    client.update_status(runtime::resources::kWorkloads, ns, nlohmann::json(updated));
    for (const auto& event : p.events) {
      recorder.record(regarding, event.type, event.reason, event.message);
    }
    if (options.metrics != nullptr) {
      for (const auto& item : p.finished) options.metrics->item_finished(item.iteration);
    }
  }
  return {};
}

WorkloadController::WorkloadController(runtime::Client& client,
                                       runtime::cache::Informer<api::Workload>& workloads,
                                       runtime::cache::Informer<api::AgenticTask>& tasks,
                                       runtime::cache::Informer<api::Agent>& agents,
                                       runtime::events::Recorder& recorder,
                                       WorkloadControllerOptions options)
    : impl_(std::make_unique<Impl>(client, workloads, tasks, agents, recorder, options)) {
  runtime::controller::Options copts;
  copts.name = "workload";
  copts.workers = options.workers;
  copts.registry = options.registry;
  Impl* impl = impl_.get();
  impl_->controller = std::make_unique<runtime::controller::Controller>(
      std::move(copts), [impl](const std::string& key) { return impl->reconcile(key); });
  {
    std::lock_guard lock(impl_->hub->mu);
    impl_->hub->controller = impl_->controller.get();
  }
  impl_->wire();
}

WorkloadController::~WorkloadController() {
  {
    std::lock_guard lock(impl_->hub->mu);
    impl_->hub->controller = nullptr;
  }
  impl_->controller->stop();
}

void WorkloadController::start() { impl_->controller->start(); }
void WorkloadController::stop() { impl_->controller->stop(); }

}  // namespace redraft::controllers::workload
