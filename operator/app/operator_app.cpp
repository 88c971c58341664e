#include "operator/app/operator_app.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/codec.hpp"
#include "api/types.hpp"
#include "operator/controllers/common/operator_metrics.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/cache/observability.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/redact.hpp"
#include "operator/runtime/client/resource.hpp"
#include "operator/runtime/events/event_recorder.hpp"
#include "operator/runtime/health/server.hpp"
#include "operator/runtime/leader/leader_elector.hpp"
#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/support/heap_scavenger.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"
#include "operator/runtime/signals/shutdown_sequence.hpp"
#include "operator/runtime/signals/shutdown_signal.hpp"
#include "operator/runtime/support/run_contained.hpp"

#include "operator/controllers/agentictask/agentictask_controller.hpp"
#include "operator/controllers/agentictask/pod_view.hpp"
#include "operator/controllers/workload/workload_controller.hpp"

namespace redraft::app {

namespace rt = runtime;
namespace agentictask = controllers::agentictask;

std::vector<std::string> informer_namespaces(const Options& options) {
  if (options.namespaces.empty()) return {""};
  return options.namespaces;
}

std::string leader_election_namespace(const Options& options,
                                      std::string_view in_cluster_namespace) {
  if (!options.leader_election_namespace.empty()) return options.leader_election_namespace;
  if (!options.namespaces.empty()) return options.namespaces.front();
  if (!in_cluster_namespace.empty()) return std::string(in_cluster_namespace);
  return "default";
}

ResolvedConfig resolve_rest_config(const Options& options) {
  if (!options.kubeconfig.empty()) {
    return {rt::load_kubeconfig(options.kubeconfig), false, options.kubeconfig};
  }
  const char* kubeconfig_env = std::getenv("KUBECONFIG");
  const char* service_host = std::getenv("KUBERNETES_SERVICE_HOST");
  if ((kubeconfig_env == nullptr || *kubeconfig_env == '\0') && service_host != nullptr &&
      *service_host != '\0') {
    return {rt::in_cluster_config(), true, "in-cluster"};
  }
  return {rt::load_default_config(), false, "$KUBECONFIG or ~/.kube/config"};
}

namespace {

// The Pod cache keeps the lean PodView of each task Pod, not its JSON.
using PodCache = agentictask::PodView;

// redraft_cache_objects{resource} summed over the namespaces: with one informer per namespace,
// each informer only knows its own count, and a gauge set by each would show the last one.
class CacheSizeTotal {
 public:
  CacheSizeTotal(rt::metrics::Registry& registry, const std::string& resource, std::size_t parts)
      : gauge_(rt::metrics::cache_objects_gauge(registry, resource)), parts_(parts) {
    gauge_.set(0);
  }
  std::function<void(std::size_t)> observer(std::size_t part) {
    return [this, part](std::size_t objects) {
      parts_[part].store(objects);
      std::size_t total = 0;
      for (const auto& p : parts_) total += p.load();
      gauge_.set(static_cast<double>(total));
    };
  }

 private:
  rt::metrics::Gauge& gauge_;
  std::vector<std::atomic<std::size_t>> parts_;
};

struct CacheTotals {
  CacheTotals(rt::metrics::Registry& registry, std::size_t namespaces)
      : workloads(registry, rt::cache::cache_resource_label(rt::resources::kWorkloads), namespaces),
        tasks(registry, rt::cache::cache_resource_label(rt::resources::kAgenticTasks), namespaces),
        agents(registry, rt::cache::cache_resource_label(rt::resources::kAgents), namespaces),
        pods(registry, rt::cache::cache_resource_label(rt::resources::kPods), namespaces) {}
  CacheSizeTotal workloads, tasks, agents, pods;
};

rt::cache::InformerOptions informer_options(const rt::ResourceType& type, const std::string& ns,
                                            std::function<void(std::size_t)> size_observer,
                                            std::string label_selector = {}) {
  rt::cache::InformerOptions options;
  options.type = type;
  options.namespace_ = ns;
  options.label_selector = std::move(label_selector);
  options.size_observer = std::move(size_observer);
  return options;
}

// The informers and controllers of one namespace ("" = all namespaces).
struct NamespaceSet {
  NamespaceSet(rt::Client& client, CacheTotals& totals, std::size_t index, const std::string& ns)
      : name(ns.empty() ? "all namespaces" : "namespace " + ns),
        workloads(client, informer_options(rt::resources::kWorkloads, ns,
                                           totals.workloads.observer(index))),
        tasks(client, informer_options(rt::resources::kAgenticTasks, ns,
                                       totals.tasks.observer(index))),
        agents(client, informer_options(rt::resources::kAgents, ns, totals.agents.observer(index))),
        pods(client, informer_options(rt::resources::kPods, ns, totals.pods.observer(index),
                                      agentictask::kPodSelector)) {}
  // After a graceful shutdown both are no-ops; on an early exit (an exception during setup)
  // they keep the informers from calling handlers of controllers being destroyed.
  ~NamespaceSet() {
    stop_controllers();
    stop_informers();
  }
  NamespaceSet(const NamespaceSet&) = delete;
  NamespaceSet& operator=(const NamespaceSet&) = delete;

  bool synced() const {
    return workloads.has_synced() && tasks.has_synced() && agents.has_synced() &&
           pods.has_synced();
  }
  void add_sync_checks(rt::health::Server& probes) {
    rt::cache::add_sync_check(probes, workloads);
    rt::cache::add_sync_check(probes, tasks);
    rt::cache::add_sync_check(probes, agents);
    rt::cache::add_sync_check(probes, pods);
  }
  // The readiness check names of the informers that have not listed yet (for the log).
  std::vector<std::string> unsynced() const {
    std::vector<std::string> out;
    const auto note = [&](const auto& informer) {
      if (!informer.has_synced()) out.push_back(rt::cache::sync_check_name(informer.reflector().options()));
    };
    note(workloads);
    note(tasks);
    note(agents);
    note(pods);
    return out;
  }
  void start_informers() {
    workloads.start();
    tasks.start();
    agents.start();
    pods.start();
  }
  void stop_informers() {
    pods.stop();
    agents.stop();
    tasks.stop();
    workloads.stop();
  }
  void start_controllers() {
    if (workload_controller) workload_controller->start();
    if (task_controller) task_controller->start();
  }
  void stop_controllers() {
    if (workload_controller) workload_controller->stop();
    if (task_controller) task_controller->stop();
  }

  std::string name;
  rt::cache::Informer<api::Workload> workloads;
  rt::cache::Informer<api::AgenticTask> tasks;
  rt::cache::Informer<api::Agent> agents;
  rt::cache::Informer<PodCache> pods;
  // Declared after the informers: destroyed first, while the informers they watch still exist.
  std::unique_ptr<controllers::workload::WorkloadController> workload_controller;
  std::unique_ptr<agentictask::AgenticTaskController> task_controller;
};

// What the election thread, the signal thread and the main thread share.
struct Lifecycle {
  std::mutex mu;
  std::condition_variable cv;
  bool leading = false;
  bool stopping = false;             // shutdown started: never start the controllers now
};

void say_ready() {
  std::fputs(kReadyLine, stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// The probe and metrics endpoints. The same address for both ⇒ one server serves all three.
struct Servers {
  std::unique_ptr<rt::health::Server> probes;   // /healthz, /readyz (and /metrics if shared)
  std::unique_ptr<rt::health::Server> metrics;  // /metrics

  Servers(const Options& options, const rt::metrics::Registry& registry) {
    const bool probes_on = options.health_probe_bind_address != "0";
    const bool metrics_on = options.metrics_bind_address != "0";
    const bool shared = probes_on && metrics_on &&
                        options.health_probe_bind_address == options.metrics_bind_address;
    if (probes_on) {
      probes = std::make_unique<rt::health::Server>(rt::health::ServerOptions{
          .bind_address = options.health_probe_bind_address,
          .registry = shared ? &registry : nullptr});
    }
    if (metrics_on && !shared) {
      metrics = std::make_unique<rt::health::Server>(rt::health::ServerOptions{
          .bind_address = options.metrics_bind_address, .registry = &registry});
    }
  }
  void start() {
    if (probes) {
      probes->start();
      spdlog::info("serving /healthz and /readyz on port {}", probes->port());
    }
    if (metrics) {
      metrics->start();
      spdlog::info("serving /metrics on port {}", metrics->port());
    }
  }
  void stop() {
    if (metrics) metrics->stop();
    if (probes) probes->stop();
  }
};

int run(const Options& options) {
  const ResolvedConfig resolved = resolve_rest_config(options);
  spdlog::info("API server {} (config: {})",
               rt::redact_url_credentials(resolved.config.server), resolved.source);

  // Reconcile bursts leave freed heap behind that glibc would keep as RSS for good.
  rt::support::HeapScavenger scavenger(std::chrono::seconds(10));
  rt::metrics::Registry registry;
  rt::Client client(resolved.config);
  client.set_request_observer(rt::metrics::rest_client_observer(registry));

  Servers servers(options, registry);
  if (servers.probes) {
    // Liveness: the process answers. (Readiness carries the cache checks.)
    servers.probes->add_healthz_check("operator", [] { return true; });
  }

  rt::events::EventRecorder recorder(client);
  controllers::OperatorMetrics operator_metrics(registry);

  const auto namespaces = informer_namespaces(options);
  CacheTotals totals(registry, namespaces.size());
  std::vector<std::unique_ptr<NamespaceSet>> sets;
  for (std::size_t i = 0; i < namespaces.size(); ++i) {
    auto set = std::make_unique<NamespaceSet>(client, totals, i, namespaces[i]);
    if (servers.probes) set->add_sync_checks(*servers.probes);
    set->workload_controller = std::make_unique<controllers::workload::WorkloadController>(
        client, set->workloads, set->tasks, set->agents, recorder,
        controllers::workload::WorkloadControllerOptions{
            .workers = options.max_concurrent_reconciles,
            .registry = &registry,
            .metrics = &operator_metrics});
    set->task_controller = std::make_unique<agentictask::AgenticTaskController>(
        client, set->tasks, set->agents, set->pods, recorder,
        agentictask::AgenticTaskControllerOptions{
            .executor_image = options.executor_image,
            .task_service_account = options.task_service_account,
            .pod_start_timeout = options.pod_start_timeout,
            .workers = options.max_concurrent_reconciles,
            .registry = &registry,
            .metrics = &operator_metrics});
    sets.push_back(std::move(set));
  }

  Lifecycle life;
  std::unique_ptr<rt::leader::LeaderElector> elector;
  if (options.leader_elect) {
    const std::string lease_namespace = leader_election_namespace(
        options, resolved.in_cluster ? resolved.config.default_namespace : std::string());
    auto& leader_gauge = registry
                             .gauge("leader_election_master_status",
                                    "1 while this process holds the leader-election Lease",
                                    {"name"})
                             .with({options.leader_election_id});
    rt::leader::LeaderElectorOptions election;
    election.lease_namespace = lease_namespace;
    election.lease_name = options.leader_election_id;
    election.identity = rt::leader::default_identity();
    election.request_observer = rt::metrics::rest_client_observer(registry);
    rt::leader::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [&life, &leader_gauge] {
      leader_gauge.set(1);
      spdlog::info("leader election won: this process leads");
      std::lock_guard lock(life.mu);
      life.leading = true;
      life.cv.notify_all();
    };
    callbacks.on_stopped_leading = [&life, &leader_gauge] {
      leader_gauge.set(0);
      {
        std::lock_guard lock(life.mu);
        if (life.stopping) return;  // our own release during shutdown
      }
      // Another process may lead from now on: stop reconciling at once, like controller-runtime
      // (a new process starts clean, as a standby).
      spdlog::error("leader election lost: exiting");
      spdlog::default_logger()->flush();
      std::fflush(stdout);
      std::_Exit(1);
    };
    callbacks.on_new_leader = [identity = election.identity](const std::string& holder) {
      if (holder != identity) {
        spdlog::info("leader is {}", holder.empty() ? std::string("(none: lease released)") : holder);
      }
    };
    spdlog::info("leader election: Lease {}/{}, identity {}", lease_namespace,
                 options.leader_election_id, election.identity);
    elector = std::make_unique<rt::leader::LeaderElector>(resolved.config, election, callbacks);
  }

  rt::signals::ShutdownSequence sequence;
  sequence.add("controllers", [&] {
    {
      // The controllers are started under this lock after checking `stopping`: once it is set,
      // no start is in progress and none will follow.
      std::lock_guard lock(life.mu);
      life.stopping = true;
      life.cv.notify_all();
    }
    for (auto& set : sets) set->stop_controllers();  // running reconciles finish
    spdlog::info("controllers stopped");
  });
  sequence.add("informers", [&] {
    for (auto& set : sets) set->stop_informers();
  });
  sequence.add("events", [&] { recorder.stop(std::chrono::seconds(5)); });
  sequence.add("leader lease", [&] {
    if (elector) {
      elector->stop();  // releases the Lease when leading
      spdlog::info("leader election stopped (Lease released if held)");
    }
  });
  sequence.add("servers", [&] { servers.stop(); });

  std::vector<std::string> failed_steps;
  rt::signals::ShutdownSignal shutdown([&](int signal_number) {
    spdlog::info("signal {}: shutting down (a second signal exits at once)", signal_number);
    failed_steps = sequence.run();
    for (const auto& step : failed_steps) spdlog::error("shutdown step {} failed", step);
    spdlog::info("shutdown complete");
  });

  // A signal that arrived during setup already ran the shutdown steps: start nothing after them.
  if (!shutdown.requested()) {
    servers.start();
    for (auto& set : sets) set->start_informers();
    if (elector) elector->start();
  }

  // Start the controllers once every cache has synced (and this process leads, if it must).
  {
    std::unique_lock lock(life.mu);
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!life.stopping) {
      const bool synced = std::all_of(sets.begin(), sets.end(),
                                      [](const auto& set) { return set->synced(); });
      if (synced && (life.leading || !elector)) {
        for (auto& set : sets) set->start_controllers();
        spdlog::info("caches synced, controllers started ({} informer set{}, {} workers each)",
                     sets.size(), sets.size() == 1 ? "" : "s", options.max_concurrent_reconciles);
        say_ready();
        break;
      }
      if (std::chrono::steady_clock::now() >= next_report) {
        std::vector<std::string> waiting;
        for (const auto& set : sets) {
          for (auto& name : set->unsynced()) waiting.push_back(std::move(name));
        }
        if (!waiting.empty()) {
          std::string list;
          for (const auto& name : waiting) list += (list.empty() ? "" : ", ") + name;
          spdlog::warn("waiting for caches to sync: {}", list);
        } else if (elector && !life.leading) {
          spdlog::info("caches synced; waiting for leadership (leader: {})",
                       elector->observed_leader().empty() ? "none" : elector->observed_leader());
        }
        next_report = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      }
      // Informers have no sync callback: poll, cheaply.
      life.cv.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  shutdown.wait();
  return failed_steps.empty() ? 0 : 1;
}

}  // namespace

int run_operator(const Options& options) {
  try {
    return run(options);
  } catch (const std::exception& e) {
    spdlog::error("redraft-operator: {}", e.what());
  } catch (...) {
    spdlog::error("redraft-operator: unknown exception");
  }
  spdlog::default_logger()->flush();
  return 1;
}

}  // namespace redraft::app
