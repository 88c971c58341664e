#include "operator/controllers/agentictask/agentictask_controller.hpp"

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/build_pod.hpp"
#include "operator/controllers/agentictask/decide.hpp"
#include "operator/controllers/agentictask/fork_index.hpp"
#include "operator/controllers/agentictask/resolve.hpp"
#include "operator/controllers/agentictask/result.hpp"
#include "operator/controllers/common/labels.hpp"
#include "operator/runtime/cache/owner_mapping.hpp"
#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/events/object_reference.hpp"

namespace redraft::controllers::agentictask {
namespace {

using nlohmann::json;
using runtime::cache::ObjectKey;
using TaskPtr = std::shared_ptr<const api::AgenticTask>;

// A Pod whose name we want but whose controller is another task (an earlier task of the same
// name, its Pod not yet garbage-collected): wait for the collector.
constexpr std::chrono::seconds kForeignPodRetry{5};
// Enough log lines to reach the result line: it is publish's last output.
constexpr std::int64_t kResultLogTailLines = 20;

bool controlled_by(const api::ObjectMeta& meta, const api::Text& uid) {
  for (const auto& ref : meta.ownerReferences) {
    if (ref.controller.value_or(false) && ref.kind == "AgenticTask" && ref.uid == uid) return true;
  }
  return false;
}

// `object` is whatever the API server returned: every field is looked up, never assumed.
bool controlled_by(const json& object, const api::Text& uid) {
  if (!object.is_object()) return false;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return false;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return false;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto controller = ref.find("controller");
    auto kind = ref.find("kind");
    auto ref_uid = ref.find("uid");
    if (controller != ref.end() && controller->is_boolean() && controller->get<bool>() && kind != ref.end() &&
        kind->is_string() && kind->get_ref<const std::string&>() == "AgenticTask" && ref_uid != ref.end() &&
        ref_uid->is_string() && ref_uid->get_ref<const std::string&>() == uid.view()) {
      return true;
    }
  }
  return false;
}

std::string string_at(const json& object, const char* section, const char* field) {
  if (!object.is_object()) return "";
  auto s = object.find(section);
  if (s == object.end() || !s->is_object()) return "";
  auto f = s->find(field);
  return f != s->end() && f->is_string() ? f->get<std::string>() : "";
}

// The Pod of the attempt exists but does not decode as a PodView (a malformed status): its state
// cannot be read, so the task waits and looks again.
struct UndecodablePod {
  std::string name;
  std::string resource_version;
  std::string problem;
};
constexpr std::chrono::seconds kUndecodablePodRetry{30};

// The work queue behind the informer handlers; detached when the controller goes away, since
// informers cannot drop handlers and may outlive it.
struct Sink {
  std::mutex mu;
  runtime::controller::Controller* loop = nullptr;
  void enqueue(const std::string& key, std::string_view reason) {
    std::lock_guard lock(mu);
    if (loop != nullptr) loop->enqueue(key, reason);
  }
};

}  // namespace

struct AgenticTaskController::Impl {
  runtime::Client& client;
  runtime::cache::Informer<api::AgenticTask>& tasks;
  runtime::cache::Informer<api::Agent>& agents;
  runtime::cache::Informer<PodView>& pods;
  runtime::events::Recorder& recorder;
  AgenticTaskControllerOptions options;
  std::shared_ptr<Sink> sink = std::make_shared<Sink>();
  std::unique_ptr<runtime::controller::Controller> loop;
  // Shared with the informer handlers (informers may outlive the controller).
  std::shared_ptr<ForkIndex> forks = std::make_shared<ForkIndex>();
  // Pods already reported as undecodable ("ns/name" → resourceVersion): logged once per version.
  std::mutex undecodable_mu;
  std::map<std::string, std::string, std::less<>> undecodable_logged;

  Impl(runtime::Client& c, runtime::cache::Informer<api::AgenticTask>& t, runtime::cache::Informer<api::Agent>& a,
       runtime::cache::Informer<PodView>& p, runtime::events::Recorder& r, AgenticTaskControllerOptions o)
      : client(c), tasks(t), agents(a), pods(p), recorder(r), options(std::move(o)) {}

  void wire();
  runtime::controller::Result reconcile(const std::string& key);
  int recover_attempt(const api::AgenticTask& task) const;
  std::shared_ptr<const PodView> current_pod(const api::AgenticTask& task, int attempt);
  // Creates the ConfigMap and the Pod; false when a foreign Pod holds the name.
  bool create_attempt(const api::AgenticTask& task, const Resolution& resolution, const api::Agent& agent,
                      int attempt, Action& action);
  void label_fork(const api::AgenticTask& task);
  // Says once (status.message and a Warning event) that `pod` belongs to another task.
  void report_foreign_pod(const api::AgenticTask& task, const std::string& key, const std::string& pod);
  void record(const api::AgenticTask& task, const Action& action);
};

void AgenticTaskController::Impl::wire() {
  std::shared_ptr<Sink> out = sink;
  auto& task_informer = tasks;
  std::shared_ptr<ForkIndex> index = forks;
  // Tasks waiting for a fork source hear about it when the source finishes (or disappears): the
  // index names them without a scan of the namespace.
  auto enqueue_forks = [out, index](const api::AgenticTask& source) {
    for (const auto& key : index->forks_of(source.metadata.namespace_.view(), source.metadata.name.view())) {
      out->enqueue(key, "fork source finished");
    }
  };
  runtime::cache::EventHandlers<api::AgenticTask> task_handlers;
  task_handlers.on_add = [out, index](const TaskPtr& t) {
    index->upsert(nullptr, *t, is_terminal(t->status));
    out->enqueue(runtime::cache::key_of(*t).str(), "task added");
  };
  task_handlers.on_update = [out, index, enqueue_forks](const TaskPtr& old_task, const TaskPtr& t) {
    index->upsert(old_task.get(), *t, is_terminal(t->status));
    out->enqueue(runtime::cache::key_of(*t).str(), "task changed");
    if (!is_terminal(old_task->status) && is_terminal(t->status)) enqueue_forks(*t);
  };
  task_handlers.on_delete = [index, enqueue_forks](const TaskPtr& t) {
    index->erase(*t);
    enqueue_forks(*t);
  };
  tasks.add_handlers(std::move(task_handlers));

  pods.add_handlers(runtime::cache::enqueue_handlers<PodView>(
      [](const PodView& pod) { return runtime::cache::owner_keys(pod, runtime::cache::agentic_task_owner()); },
      [out](const ObjectKey& key) { out->enqueue(key.str(), "owned pod changed"); }));

  // An Agent change wakes the unfinished tasks that reference it (AgentNotFound ⇒ proceeds).
  agents.add_handlers(runtime::cache::enqueue_handlers<api::Agent>(
      [&task_informer](const api::Agent& agent) {
        std::vector<ObjectKey> keys;
        const api::Text& name = agent.metadata.name;
        for (const auto& t : task_informer.store().list(agent.metadata.namespace_.view(), [&](const api::AgenticTask& t) {
               return t.spec.agentRef.name == name && !is_terminal(t.status);
             })) {
          keys.push_back(runtime::cache::key_of(*t));
        }
        return keys;
      },
      [out](const ObjectKey& key) { out->enqueue(key.str(), "agent changed"); }));
}

int AgenticTaskController::Impl::recover_attempt(const api::AgenticTask& task) const {
  // status.attempts may lag the Pods (the operator stopped between creating a Pod and writing
  // the status): names are deterministic, so probe the next ones.
  int attempt = static_cast<int>(std::max<std::int64_t>(0, task.status.attempts.value_or(0)));
  const std::string ns = task.metadata.namespace_.str();
  while (attempt < 1000) {
    auto pod = pods.store().get(ns, pod_name(task.metadata.name.view(), attempt + 1));
    if (!pod || !controlled_by(pod->metadata, task.metadata.uid)) break;
    ++attempt;
  }
  return attempt;
}

std::shared_ptr<const PodView> AgenticTaskController::Impl::current_pod(const api::AgenticTask& task, int attempt) {
  if (attempt == 0) return nullptr;
  const std::string ns = task.metadata.namespace_.str();
  const std::string name = pod_name(task.metadata.name.view(), attempt);
  auto pod = pods.store().get(ns, name);
  if (pod && controlled_by(pod->metadata, task.metadata.uid)) return pod;
  // Not cached (yet?): ask the API server before concluding someone deleted it.
  try {
    json live = client.get(runtime::resources::kPods, ns, name);
    if (!controlled_by(live, task.metadata.uid)) return nullptr;
    try {
      return std::make_shared<const PodView>(live.get<PodView>());
    } catch (const std::exception& e) {
      throw UndecodablePod{name, string_at(live, "metadata", "resourceVersion"), e.what()};
    }
  } catch (const std::exception& e) {
    if (runtime::is_not_found(e)) return nullptr;
    throw;
  }
}

bool AgenticTaskController::Impl::create_attempt(const api::AgenticTask& task, const Resolution& resolution,
                                                 const api::Agent& agent, int attempt, Action& action) {
  PodBuildOptions build;
  build.attempt = attempt;
  build.executor_image = options.executor_image;
  build.task_service_account = options.task_service_account;
  const std::string ns = task.metadata.namespace_.str();
  const json pod = build_pod(resolution.effective, agent, build);
  const std::string name = pod["metadata"]["name"].get<std::string>();
  // The API server will never accept these objects (an Agent field it rejects, an input over the
  // object size limit): the task fails instead of retrying forever.
  const auto rejected = [&](const std::exception& e, const char* what) {
    const std::string message = std::string("the API server rejected ") + what + " " + name + ": " + e.what();
    fail_task(action, task, api::reason::kPodFailed, message, std::chrono::system_clock::now());
    // The attempt never existed.
    action.status.attempts = task.status.attempts;
    action.status.podName = task.status.podName;
  };
  const auto permanent = [](const std::exception& e) {
    const auto* api_error = dynamic_cast<const runtime::ApiError*>(&e);
    return runtime::is_invalid(e) || (api_error != nullptr && (api_error->code() == 413 || api_error->code() == 400));
  };
  try {
    client.create(runtime::resources::kConfigMaps, ns, build_input_configmap(resolution.effective, agent, build));
  } catch (const std::exception& e) {
    if (runtime::is_already_exists(e)) {
      // Created by an earlier reconcile of this attempt.
    } else if (permanent(e)) {
      rejected(e, "the input ConfigMap");
      return true;
    } else {
      throw;
    }
  }
  try {
    client.create(runtime::resources::kPods, ns, pod);
    spdlog::info("agentictask {}/{}: created pod {} (attempt {})", ns, task.metadata.name.view(), name, attempt);
  } catch (const std::exception& e) {
    if (runtime::is_already_exists(e)) {
      json existing = client.get(runtime::resources::kPods, ns, name);
      return controlled_by(existing, task.metadata.uid);
    }
    if (!permanent(e)) throw;
    rejected(e, "pod");
  }
  return true;
}

void AgenticTaskController::Impl::label_fork(const api::AgenticTask& task) {
  if (!task.spec.forkOf || task.spec.forkOf->name.empty()) return;
  const std::string value = safe_label_value(task.spec.forkOf->name.view());
  auto it = task.metadata.labels.find(std::string_view(api::kLabelForkOf));
  if (it != task.metadata.labels.end() && it->second == value) return;
  json patch = {{"metadata", {{"labels", {{api::kLabelForkOf, value}}}}}};
  // Lineage for selectors only (status.forkedFrom is the record): a failed patch is logged, not
  // retried in a loop; the next reconcile of the task tries again.
  try {
    client.patch(runtime::resources::kAgenticTasks, task.metadata.namespace_.view(), task.metadata.name.view(),
                 runtime::PatchType::Merge, patch);
  } catch (const std::exception& e) {
    spdlog::warn("agentictask {}/{}: cannot label the fork: {}", task.metadata.namespace_.view(),
                 task.metadata.name.view(), e.what());
  }
}

void AgenticTaskController::Impl::report_foreign_pod(const api::AgenticTask& task, const std::string& key,
                                                     const std::string& pod) {
  const std::string message = "pod " + pod +
                              " belongs to another AgenticTask of the same name (an earlier task, its pod not yet "
                              "garbage-collected); waiting for it to be deleted";
  // The status says it already: this is a repeat poll (the first detection wrote it).
  if (task.status.message == message) return;
  spdlog::info("agentictask {}: {}", key, message);
  // Only the message and reason change: attempts/podName stay, since the attempt was not created.
  api::AgenticTask updated = task;
  if (updated.status.phase.empty()) updated.status.phase = api::phase::kPending;
  updated.status.reason = kReasonPodNameTaken;
  updated.status.message = message;
  try {
    client.update_status(runtime::resources::kAgenticTasks, task.metadata.namespace_.view(), json(updated));
  } catch (const std::exception& e) {
    // The event follows the status write, so a failed write is retried by the next poll.
    spdlog::warn("agentictask {}: cannot write the status: {}", key, e.what());
    return;
  }
  Action warning;
  warning.events.push_back({"Warning", kReasonPodNameTaken, message});
  record(task, warning);
}

void AgenticTaskController::Impl::record(const api::AgenticTask& task, const Action& action) {
  const auto ref = runtime::events::reference_to(task);
  for (const auto& e : action.events) {
    try {
      recorder.record(ref, e.type, e.reason, e.message);
    } catch (const std::exception& ex) {
      spdlog::warn("agentictask {}/{}: cannot record event {}: {}", task.metadata.namespace_.view(),
                   task.metadata.name.view(), e.reason, ex.what());
    }
  }
  if (!action.finished || options.metrics == nullptr) return;
  const auto& st = action.status;
  options.metrics->task_finished(task.spec.kind.view(), st.verdict.view(), st.reason.view());
  if (st.restore && !st.restore->outcome.empty()) options.metrics->restore(st.restore->outcome.view());
  if (st.reason == api::reason::kLeaseRejected) options.metrics->lease_rejected();
  if (st.timings) {
    if (st.timings->prepareSeconds) options.metrics->phase_duration("prepare", *st.timings->prepareSeconds);
    if (st.timings->agentSeconds) options.metrics->phase_duration("agent", *st.timings->agentSeconds);
    if (st.timings->publishSeconds) options.metrics->phase_duration("publish", *st.timings->publishSeconds);
  }
}

runtime::controller::Result AgenticTaskController::Impl::reconcile(const std::string& key) {
  const ObjectKey object_key = runtime::cache::parse_object_key(key);
  TaskPtr task = tasks.store().get(object_key);
  if (!task || !task->metadata.deletionTimestamp.empty()) return {};
  if (is_terminal(task->status)) {
    label_fork(*task);
    return {};
  }
  const std::string ns = task->metadata.namespace_.str();

  auto agent = agents.store().get(ns, task->spec.agentRef.name.view());
  std::shared_ptr<const api::AgenticTask> fork_source;
  if (task->spec.forkOf && !task->status.forkedFrom) fork_source = tasks.store().get(ns, task->spec.forkOf->name.view());
  const Resolution resolution = resolve(*task, agent.get(), fork_source.get());

  Observation observed;
  observed.attempt = recover_attempt(*task);
  std::shared_ptr<const PodView> pod;
  try {
    pod = current_pod(*task, observed.attempt);
  } catch (const UndecodablePod& bad) {
    // Logged once per resourceVersion (a fixed Pod, or a new version of it, is looked at again).
    const std::string pod_key = ns + "/" + bad.name;
    bool first = false;
    {
      std::lock_guard lock(undecodable_mu);
      auto [it, inserted] = undecodable_logged.try_emplace(pod_key, bad.resource_version);
      first = inserted || it->second != bad.resource_version;
      it->second = bad.resource_version;
    }
    if (first) {
      spdlog::warn("agentictask {}: cannot read pod {} (resourceVersion {}): {}; looking again every {}s", key,
                   bad.name, bad.resource_version, bad.problem, kUndecodablePodRetry.count());
    }
    return {false, kUndecodablePodRetry};
  }
  observed.pod = pod.get();
  if (pod) {
    const std::string name = pod_name(task->metadata.name.view(), observed.attempt);
    observed.result = read_result(*pod, [&]() -> std::optional<std::string> {
      try {
        runtime::PodLogOptions log;
        log.container = kPublishContainer;
        log.tail_lines = kResultLogTailLines;
        return client.pod_log(ns, name, log);
      } catch (const std::exception& e) {
        spdlog::warn("agentictask {}/{}: cannot read the log of pod {}: {}", ns, task->metadata.name.view(), name,
                     e.what());
        return std::nullopt;
      }
    });
  }

  DecideContext context;
  context.now = std::chrono::system_clock::now();
  context.pod_start_timeout = options.pod_start_timeout;
  Action action = decide(*task, resolution, observed, context);

  if (action.create_attempt > 0 && agent) {
    if (!create_attempt(*task, resolution, *agent, action.create_attempt, action)) {
      report_foreign_pod(*task, key, pod_name(task->metadata.name.view(), action.create_attempt));
      return {false, kForeignPodRetry};
    }
  }
  if (action.status != task->status) {
    api::AgenticTask updated = *task;
    updated.status = action.status;
    client.update_status(runtime::resources::kAgenticTasks, ns, json(updated));
    record(*task, action);
  }
  label_fork(*task);
  return {false, action.requeue_after};
}

AgenticTaskController::AgenticTaskController(runtime::Client& client, runtime::cache::Informer<api::AgenticTask>& tasks,
                                             runtime::cache::Informer<api::Agent>& agents,
                                             runtime::cache::Informer<PodView>& pods,
                                             runtime::events::Recorder& recorder, AgenticTaskControllerOptions options)
    : impl_(std::make_unique<Impl>(client, tasks, agents, pods, recorder, std::move(options))) {
  runtime::controller::Options loop_options;
  loop_options.name = "agentictask";
  loop_options.workers = std::max(1, impl_->options.workers);
  loop_options.registry = impl_->options.registry;
  Impl* impl = impl_.get();
  impl_->loop = std::make_unique<runtime::controller::Controller>(
      std::move(loop_options), [impl](const std::string& key) { return impl->reconcile(key); });
  {
    std::lock_guard lock(impl_->sink->mu);
    impl_->sink->loop = impl_->loop.get();
  }
  impl_->wire();
}

AgenticTaskController::~AgenticTaskController() {
  {
    std::lock_guard lock(impl_->sink->mu);
    impl_->sink->loop = nullptr;
  }
  impl_->loop->stop();
}

void AgenticTaskController::start() { impl_->loop->start(); }
void AgenticTaskController::stop() { impl_->loop->stop(); }

}  // namespace redraft::controllers::agentictask
