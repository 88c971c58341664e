// Benchmark: memory of the whole `redraft-operator` process (VmRSS and VmHWM from
// /proc/<pid>/status).
//
//   build/tests/bench/operator_memory [--tasks 10000] [--settle-seconds 15] [--operator-arg ARG]...
//
// 1. idle: a devserver with the CRDs and one empty namespace; the operator started, caches
//    synced ("redraft-operator ready"), work queues empty, then `--settle-seconds` more. The
//    default (15 s) covers one pass of the operator's heap scavenger (every 10 s): the figure is
//    the steady state, not the heap left over from the start-up burst.
// 2. loaded: N finished AgenticTasks (spec as the Workload controller writes it, a realistic
//    ~1.8 kB status as the task controller writes it, owned by no Workload) created and their
//    status written; a FRESH operator started (as after a restart: it lists them all and
//    reconciles every one), caches synced, queues empty, settle: (RSS - idle RSS) / N.
// Two processes because an operator that watched the tasks being created would create a pod
// for each before its status says it is finished; the pods would then be measured too.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "operator/runtime/client/client.hpp"
#include "operator_bench_support.hpp"
#include "runtime_bench_support.hpp"

using namespace redraft;
using namespace redraft::runtime;
using bench::Clock;
using nlohmann::json;

namespace {

const std::string kNs = "bench";

struct Measured {
  bench::Rss rss;
  double ready_s = 0, quiet_s = 0;
  double requests = 0;  // rest_client_requests_total once quiet
  std::map<std::string, double> requests_by;
  double cached_tasks = -1;
  int exit_code = -1;
};

Measured run_operator(const testing::DevServer& server, const std::string& label, int settle_s,
                      const std::vector<std::string>& args) {
  Measured m;
  const std::string log = bench::log_dir() + "/operator-" + label + ".log";
  bench::OperatorProcess op(server.kubeconfig_path(), log, args);
  m.ready_s = op.wait_ready(std::chrono::seconds(300));
  const auto t0 = Clock::now();
  if (!op.wait_quiet(std::chrono::seconds(600))) std::fprintf(stderr, "%s: work queues never emptied\n", label.c_str());
  m.quiet_s = bench::seconds_since(t0);
  std::this_thread::sleep_for(std::chrono::seconds(settle_s));
  m.rss = bench::rss_of(op.pid());
  const auto metrics = op.metrics();
  m.requests = bench::metric_sum(metrics, "rest_client_requests_total");
  m.requests_by = bench::requests_by(metrics);
  for (const auto& s : metrics) {
    if (s.name == "redraft_cache_objects" && s.labels.count("resource") &&
        s.labels.at("resource").find("agentictasks") != std::string::npos) {
      m.cached_tasks = std::max(m.cached_tasks, 0.0) + s.value;
    }
  }
  m.exit_code = op.stop();
  std::printf("%s operator: ready %.2f s, queues empty %.2f s later; log %s\n  API requests:", label.c_str(),
              m.ready_s, m.quiet_s, log.c_str());
  for (const auto& [key, v] : m.requests_by) std::printf(" %s %.0f", key.c_str(), v);
  std::printf("\n");
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 10000, settle_s = 15;
  std::vector<std::string> op_args = {"--pod-start-timeout", "86400"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--tasks") tasks = std::atoi(argv[i + 1]);
    else if (flag == "--settle-seconds") settle_s = std::atoi(argv[i + 1]);
    else if (flag == "--operator-arg") op_args.push_back(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s (flags: --tasks N --settle-seconds S --operator-arg ARG)\n", flag.c_str());
      return 2;
    }
  }
  auto server = bench::start_devserver(kNs);
  Client client(load_kubeconfig(server->kubeconfig_path()));

  const Measured idle = run_operator(*server, "idle", settle_s, op_args);

  client.create(resources::kAgents, kNs, bench::agent(kNs, "coder", "coder"));
  client.create(resources::kAgents, kNs, bench::agent(kNs, "reviewer", "reviewer"));
  std::atomic<int> next{0}, failures{0};
  const auto t0 = Clock::now();
  auto writer = [&] {
    Client c(load_kubeconfig(server->kubeconfig_path()));
    for (int i = next++; i < tasks; i = next++) {
      try {
        json task = bench::sample_task(kNs, i);
        task["metadata"].erase("ownerReferences");
        json created = c.create(resources::kAgenticTasks, kNs, task);
        created["status"] = bench::sample_status(i);
        c.update_status(resources::kAgenticTasks, kNs, created);
      } catch (const std::exception& e) {
        if (failures++ < 3) std::fprintf(stderr, "load: %s\n", e.what());
      }
    }
  };
  std::thread w1(writer), w2(writer);
  w1.join();
  w2.join();
  const json one = client.get(resources::kAgenticTasks, kNs, bench::sample_task(kNs, 0)["metadata"]["name"].get<std::string>());
  std::printf("loaded %d AgenticTasks in %.1f s, %d failures; one task as compact JSON: %zu bytes (status %zu)\n",
              tasks, bench::seconds_since(t0), failures.load(), one.dump().size(), one["status"].dump().size());

  const Measured loaded = run_operator(*server, "loaded", settle_s, op_args);

  const double per_task = (loaded.rss.rss_kib - idle.rss.rss_kib) * 1024.0 / tasks;
  const double per_task_hwm = (loaded.rss.hwm_kib - idle.rss.hwm_kib) * 1024.0 / tasks;
  std::printf("\n%-34s %10s %10s %14s %16s\n", "", "VmRSS KiB", "VmHWM KiB", "tasks cached", "API requests");
  std::printf("%-34s %10ld %10ld %14.0f %16.0f\n", "idle (no objects)", idle.rss.rss_kib, idle.rss.hwm_kib,
              idle.cached_tasks, idle.requests);
  std::printf("%-34s %10ld %10ld %14.0f %16.0f\n", ("with " + std::to_string(tasks) + " finished tasks").c_str(),
              loaded.rss.rss_kib, loaded.rss.hwm_kib, loaded.cached_tasks, loaded.requests);
  std::printf("per task above idle: RSS %.0f bytes, peak (HWM) %.0f bytes\n", per_task, per_task_hwm);
  std::printf("operator exit codes after SIGTERM: idle %d, loaded %d\n\n", idle.exit_code, loaded.exit_code);
  const bool idle_met = idle.rss.rss_kib > 0 && idle.rss.rss_kib <= 15 * 1024;
  const bool task_met = loaded.rss.rss_kib > 0 && per_task <= 2048;
  std::printf("goal idle RSS <= 15360 KiB: %ld KiB -> %s\n", idle.rss.rss_kib, bench::verdict(idle_met));
  std::printf("goal <= 2048 bytes per task above idle: %.0f -> %s\n", per_task, bench::verdict(task_met));
  return idle_met && task_met && failures == 0 ? 0 : 1;
}
