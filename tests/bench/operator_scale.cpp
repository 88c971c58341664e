// Benchmark: the real `redraft-operator` against a devserver with many Workloads.
//
//   build/tests/bench/operator_scale [--workloads 1000] [--samples 200] [--idle-seconds 60]
//                                    [--writers 4] [--operator-arg ARG]...
//
// No node runs pods: the tasks' pods stay Pending, and the benchmark plays the kubelet+executor
// by writing the tasks' statuses itself (update_status, as the task controller would).
//   (a) N Workloads (one issue each) created as fast as the client can (several threads) ⇒ time
//       until N code AgenticTasks exist (seen on a watch). Baseline: the devserver's bare create
//       rate for N such AgenticTasks (fresh devserver, same writers), side by side.
//   (b) N Workloads in flight: code task ⇒ Succeeded/PUSHED (a review appears), then that
//       review ⇒ Succeeded/NO-GO: latency until the revision `<wl>-<key>-code-r1` appears on the
//       watch, one sample at a time; p50/p99 next to the bare status-write round trip.
//   (c) All N Workloads finished (every item terminal): the operator's API requests over
//       --idle-seconds, from its own rest_client_requests_total.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator_bench_support.hpp"
#include "runtime_bench_support.hpp"

using namespace redraft;
using namespace redraft::runtime;
using bench::Clock;
using nlohmann::json;

namespace {

const std::string kNs = "bench";
const std::string kRepo = "https://git.example.com/acme/widgets.git";

struct Flags {
  int workloads = 1000;
  int samples = 200;
  int idle_seconds = 60;
  int writers = 4;
  std::vector<std::string> operator_args;
};

std::string wl_name(int i) { return "w" + std::to_string(i); }
std::string item_prefix(int i) { return wl_name(i) + "-issue-" + std::to_string(i + 1); }
std::string code_name(int i) { return item_prefix(i) + "-code"; }
std::string review_name(int i) { return item_prefix(i) + "-review-1"; }
std::string revision_name(int i) { return item_prefix(i) + "-code-r1"; }
std::string revision_review_name(int i) { return item_prefix(i) + "-r1-review-1"; }

json workload(int i) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", wl_name(i)}, {"namespace", kNs}}},
          {"spec",
           {{"repo", {{"url", kRepo}}},
            {"baseBranch", "main"},
            {"issues", json::array({i + 1})},
            {"intent", "Fix the reported bugs with minimal, well-tested changes."},
            {"coderAgentRef", {{"name", "coder"}}},
            {"revisionCoderAgentRef", {{"name", "coder"}}},
            {"reviewerAgentRefs", json::array({{{"name", "reviewer"}}})},
            {"maxReviewIterations", 1}}}};
}

// A code task as the Workload controller creates it (no owner reference: the baseline has no
// Workloads, and an owner that does not exist would be garbage-collected).
json bare_code_task(int i) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "AgenticTask"},
          {"metadata",
           {{"name", code_name(i)},
            {"namespace", kNs},
            {"labels",
             {{"redraft.dev/workload", wl_name(i)},
              {"redraft.dev/item", "issue-" + std::to_string(i + 1)},
              {"redraft.dev/iteration", "0"}}}}},
          {"spec",
           {{"kind", "code"},
            {"agentRef", {{"name", "coder"}}},
            {"repo", {{"url", kRepo}}},
            {"baseBranch", "main"},
            {"branch", "redraft/" + wl_name(i) + "/issue-" + std::to_string(i + 1)},
            {"issue", {{"number", i + 1}}},
            {"intent", "Fix the reported bugs with minimal, well-tested changes."}}}};
}

json condition(const std::string& type, const std::string& reason) {
  return {{"type", type},
          {"status", "True"},
          {"reason", reason},
          {"message", ""},
          {"lastTransitionTime", "2026-12-04T15:00:00Z"}};
}

// What the task controller writes when the executor reported a pushed commit / a verdict.
json pushed_status(const json& task, std::uint64_t seed) {
  const std::string branch = task["spec"].value("branch", "");
  return {{"phase", "Succeeded"},
          {"verdict", "PUSHED"},
          {"branch", branch},
          {"commitSha", bench::fake_sha(seed)},
          {"baseSha", "9fceb02d0ae598e95dc970b74767f19372d61af8"},
          {"summary", "Empty configuration files now load the defaults."},
          {"completionTime", "2026-12-04T15:00:00Z"},
          {"conditions", json::array({condition("Ready", "Succeeded"), condition("Complete", "Succeeded")})}};
}

json review_status(const json& task, bool go, std::uint64_t seed) {
  json status = {{"phase", "Succeeded"},
                 {"verdict", go ? "GO" : "NO-GO"},
                 {"branch", task["spec"].value("branch", "")},
                 {"commitSha", bench::fake_sha(seed)},
                 {"summary", go ? "Looks good." : "One problem must be fixed first."},
                 {"completionTime", "2026-12-04T15:00:00Z"},
                 {"conditions", json::array({condition("Ready", "Succeeded"), condition("Complete", "Succeeded")})}};
  status["findings"] = go ? json::array()
                          : json::array({{{"severity", "major"},
                                          {"file", "src/config.cpp"},
                                          {"line", 42},
                                          {"message", "An empty file still throws bad conversion."},
                                          {"suggestion", "Return the default configuration for an empty document."}}});
  return status;
}

// get ⇒ status fields replaced ⇒ update_status, again on a conflict (the task controller may
// write the same object meanwhile, e.g. podName/attempts when it created the pod).
void write_status(Client& client, const std::string& name,
                  const std::function<json(const json& task)>& make_status) {
  for (int attempt = 0;; ++attempt) {
    json task = client.get(resources::kAgenticTasks, kNs, name);
    json status = task.contains("status") && task["status"].is_object() ? task["status"] : json::object();
    status.update(make_status(task));
    task["status"] = std::move(status);
    try {
      client.update_status(resources::kAgenticTasks, kNs, task);
      return;
    } catch (const std::exception& e) {
      if (!is_conflict(e) || attempt > 50) throw;
    }
  }
}

// Names of AgenticTasks as they first appear on the watch, with the time they arrived.
class Arrivals {
 public:
  void add(const std::string& name) {
    const auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      seen_.emplace(name, now);
    }
    cv_.notify_all();
  }
  // The arrival time of `name`, waiting up to `timeout`.
  std::optional<Clock::time_point> wait_for(const std::string& name, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<Clock::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      auto it = seen_.find(name);
      if (it != seen_.end()) at = it->second;
      return at.has_value();
    });
    return at;
  }
  // Waits until every name is there; the latest arrival, or nullopt after `timeout`.
  std::optional<Clock::time_point> wait_all(const std::vector<std::string>& names,
                                            std::chrono::milliseconds timeout, std::size_t* missing) {
    const auto deadline = Clock::now() + timeout;
    Clock::time_point latest{};
    for (const auto& name : names) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto at = wait_for(name, std::max(left, std::chrono::milliseconds(0)));
      if (!at) {
        std::size_t gone = 0;
        std::lock_guard lock(mu_);
        for (const auto& n : names) gone += seen_.count(n) ? 0 : 1;
        if (missing) *missing = gone;
        return std::nullopt;
      }
      latest = std::max(latest, *at);
    }
    if (missing) *missing = 0;
    return latest;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Clock::time_point> seen_;
};

// Runs fn(i) for i in [0, n) on `threads` threads, each with its own client (connection).
void parallel(const RestConfig& config, int n, int threads,
              const std::function<void(Client&, int)>& fn) {
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      Client client(config);
      for (int i = next++; i < n; i = next++) {
        try {
          fn(client, i);
        } catch (const std::exception& e) {
          if (failures++ < 3) std::fprintf(stderr, "item %d: %s\n", i, e.what());
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failures > 0) std::fprintf(stderr, "%d failures\n", failures.load());
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

// Seconds to create n bare code tasks on a fresh devserver (the devserver's own create cost).
double baseline_creates(int n, int writers) {
  auto server = bench::start_devserver(kNs);
  const RestConfig config = load_kubeconfig(server->kubeconfig_path());
  const auto t0 = Clock::now();
  parallel(config, n, writers, [](Client& c, int i) { c.create(resources::kAgenticTasks, kNs, bare_code_task(i)); });
  return bench::seconds_since(t0);
}

void print_delta(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  for (const auto& [key, v] : after) {
    const double d = v - (before.count(key) ? before.at(key) : 0.0);
    if (d != 0) std::printf(" %s %.0f", key.c_str(), d);
  }
  std::printf("\n");
}

// Work queue figures between two scrapes, per queue: items, mean wait in the queue, mean work
// time, and how many waited / worked longer than 10 ms (the histograms have a 10 ms bucket).
void print_queues(const std::vector<bench::Sample>& before, const std::vector<bench::Sample>& after) {
  auto value = [](const std::vector<bench::Sample>& m, const std::string& name, const std::string& queue,
                  const std::string& le) {
    double v = 0;
    for (const auto& s : m) {
      if (s.name != name || !s.labels.count("name") || s.labels.at("name") != queue) continue;
      if (!le.empty() && (!s.labels.count("le") || std::strtod(s.labels.at("le").c_str(), nullptr) != std::strtod(le.c_str(), nullptr))) continue;
      v += s.value;
    }
    return v;
  };
  std::vector<std::string> queues;
  for (const auto& s : after) {
    if (s.name == "workqueue_adds_total" && s.labels.count("name")) queues.push_back(s.labels.at("name"));
  }
  for (const auto& q : queues) {
    std::printf("  queue %-12s", q.c_str());
    for (const std::string kind : {"queue", "work"}) {
      const std::string h = "workqueue_" + kind + "_duration_seconds";
      const double n = value(after, h + "_count", q, "") - value(before, h + "_count", q, "");
      const double sum = value(after, h + "_sum", q, "") - value(before, h + "_sum", q, "");
      const double fast = value(after, h + "_bucket", q, "0.01") - value(before, h + "_bucket", q, "0.01");
      std::printf("  %s: %5.0f items, mean %6.2f ms, %3.0f over 10 ms", kind.c_str(), n,
                  n > 0 ? 1000 * sum / n : 0.0, n - fast);
    }
    std::printf("\n");
  }
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--workloads") flags.workloads = std::atoi(argv[i + 1]);
    else if (flag == "--samples") flags.samples = std::atoi(argv[i + 1]);
    else if (flag == "--idle-seconds") flags.idle_seconds = std::atoi(argv[i + 1]);
    else if (flag == "--writers") flags.writers = std::atoi(argv[i + 1]);
    else if (flag == "--operator-arg") flags.operator_args.push_back(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s (flags: --workloads N --samples N --idle-seconds S "
                           "--writers N --operator-arg ARG)\n", flag.c_str());
      return 2;
    }
  }
  const int n = flags.workloads;
  const int samples = std::min(flags.samples, n);
  bool ok = true;
  std::printf("operator_scale: %d Workloads, %d revision samples, %d writers, idle window %d s\n\n", n,
              samples, flags.writers, flags.idle_seconds);

  // ---- baseline: the devserver alone ----
  const double baseline_s = baseline_creates(n, flags.writers);

  auto server = bench::start_devserver(kNs);
  const RestConfig config = load_kubeconfig(server->kubeconfig_path());
  Client client(config);
  client.create(resources::kAgents, kNs, bench::agent(kNs, "coder", "coder"));
  client.create(resources::kAgents, kNs, bench::agent(kNs, "reviewer", "reviewer"));

  // Pods never start here (no node): a long pod-start timeout keeps the task controller from
  // failing the Pending pods while the benchmark runs.
  std::vector<std::string> op_args = {"--pod-start-timeout", "86400"};
  op_args.insert(op_args.end(), flags.operator_args.begin(), flags.operator_args.end());
  const std::string op_log = bench::log_dir() + "/operator.log";
  bench::OperatorProcess op(server->kubeconfig_path(), op_log, op_args);
  const double ready_s = op.wait_ready(std::chrono::seconds(60));
  std::printf("operator ready after %.2f s (log: %s)\n", ready_s, op_log.c_str());

  Arrivals arrivals;
  cache::InformerOptions watch_options;
  watch_options.type = resources::kAgenticTasks;
  watch_options.namespace_ = kNs;
  Client watch_client(config);
  cache::Informer<json> tasks(watch_client, watch_options);
  tasks.add_handlers({[&](const auto& obj) { arrivals.add((*obj)["metadata"].value("name", "")); }, nullptr, nullptr});
  tasks.start();
  if (!tasks.wait_for_sync(std::chrono::seconds(60))) {
    std::fprintf(stderr, "task watch did not sync\n");
    return 1;
  }

  // ---- (a) N Workloads ⇒ N code tasks ----
  std::vector<std::string> code_names, review_names, revision_names, revision_review_names;
  for (int i = 0; i < n; ++i) {
    code_names.push_back(code_name(i));
    review_names.push_back(review_name(i));
    revision_names.push_back(revision_name(i));
    revision_review_names.push_back(revision_review_name(i));
  }
  const int server_pid = bench::find_pid("--write-kubeconfig " + server->kubeconfig_path());
  const double op_cpu_a = bench::cpu_seconds(op.pid()), server_cpu_a = bench::cpu_seconds(server_pid);
  const auto op_metrics_a = op.metrics();
  const double op_requests_a = bench::metric_sum(op_metrics_a, "rest_client_requests_total");
  const auto t0 = Clock::now();
  parallel(config, n, flags.writers, [](Client& c, int i) { c.create(resources::kWorkloads, kNs, workload(i)); });
  const double applied_s = bench::seconds_since(t0);
  std::size_t missing = 0;
  const auto last_code = arrivals.wait_all(code_names, std::chrono::seconds(300), &missing);
  if (!last_code) {
    std::printf("(a) only %zu of %d code tasks appeared within 300 s\n", n - missing, n);
    return 1;
  }
  const double code_s = std::chrono::duration<double>(*last_code - t0).count();
  std::printf("\n(a) %d Workloads applied => %d code AgenticTasks\n", n, n);
  std::printf("%-52s %9s %10s\n", "", "seconds", "per second");
  std::printf("%-52s %9.2f %10.0f\n", "devserver bare create of the code tasks (baseline)", baseline_s, n / baseline_s);
  std::printf("%-52s %9.2f %10.0f\n", "Workloads created by the benchmark", applied_s, n / applied_s);
  std::printf("%-52s %9.2f %10.0f\n", "all code tasks exist (from the first Workload create)", code_s, n / code_s);
  std::printf("ratio operator/baseline: %.2fx\n", code_s / baseline_s);
  std::printf("goal <= 5 s: %.2f s -> %s\n", code_s, bench::verdict(code_s <= 5.0));
  ok = ok && code_s <= 5.0;
  const auto quiet_a = Clock::now();
  const bool settled = op.wait_quiet(std::chrono::seconds(600));
  std::printf("operator idle again %.1f s after the last code task (pods, statuses, events)%s\n",
              bench::seconds_since(quiet_a), settled ? "" : " -- NOT within 600 s");
  const double op_cpu = bench::cpu_seconds(op.pid()) - op_cpu_a;
  const double server_cpu = bench::cpu_seconds(server_pid) - server_cpu_a;
  std::printf("CPU used from the first create until idle: operator %.2f s, devserver %.2f s "
              "(2 cores, shared with whatever else runs; load average at the end: %s)\n",
              op_cpu, server_cpu, load_average().c_str());
  const auto op_metrics_a2 = op.metrics();
  const double op_requests = bench::metric_sum(op_metrics_a2, "rest_client_requests_total") - op_requests_a;
  std::printf("operator API requests until idle: %.0f (%.1f per Workload):", op_requests, op_requests / n);
  print_delta(bench::requests_by(op_metrics_a), bench::requests_by(op_metrics_a2));

  // ---- (b) review round completes ⇒ revision task ----
  parallel(config, samples, flags.writers, [](Client& c, int i) {
    write_status(c, code_name(i), [i](const json& t) { return pushed_status(t, static_cast<std::uint64_t>(i)); });
  });
  std::vector<std::string> sample_reviews(review_names.begin(), review_names.begin() + samples);
  if (!arrivals.wait_all(sample_reviews, std::chrono::seconds(300), &missing)) {
    std::printf("(b) %zu of %d reviews never appeared\n", missing, samples);
    return 1;
  }
  op.wait_quiet(std::chrono::seconds(600));
  std::vector<double> latency_ms, write_ms, sent_at_s;
  int lost = 0;
  const auto queues_b = op.metrics();
  const auto tb = Clock::now();
  for (int i = 0; i < samples; ++i) {
    json review = client.get(resources::kAgenticTasks, kNs, review_name(i));
    json status = review.contains("status") && review["status"].is_object() ? review["status"] : json::object();
    status.update(review_status(review, false, static_cast<std::uint64_t>(i)));
    review["status"] = status;
    const auto s0 = Clock::now();
    try {
      client.update_status(resources::kAgenticTasks, kNs, review);
    } catch (const std::exception& e) {
      if (!is_conflict(e)) throw;
      // A conflict means the task controller wrote meanwhile: redo it outside the clock.
      write_status(client, review_name(i),
                   [i](const json& t) { return review_status(t, false, static_cast<std::uint64_t>(i)); });
      ++lost;
      continue;
    }
    write_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s0).count());
    const auto at = arrivals.wait_for(revision_name(i), std::chrono::seconds(10));
    if (!at) {
      ++lost;
      continue;
    }
    latency_ms.push_back(std::chrono::duration<double, std::milli>(*at - s0).count());
    sent_at_s.push_back(std::chrono::duration<double>(s0 - tb).count());
  }
  std::printf("\n(b) review NO-GO written => revision task on the watch (%d Workloads in flight)\n", n);
  std::printf("%-52s %8s %8s %8s %8s\n", "milliseconds", "p50", "p90", "p99", "max");
  std::printf("%-52s %8.1f %8.1f %8.1f %8.1f\n", "status write round trip (baseline)", percentile(write_ms, 0.5),
              percentile(write_ms, 0.9), percentile(write_ms, 0.99), percentile(write_ms, 1.0));
  std::printf("%-52s %8.1f %8.1f %8.1f %8.1f\n", "write sent => revision created", percentile(latency_ms, 0.5),
              percentile(latency_ms, 0.9), percentile(latency_ms, 0.99), percentile(latency_ms, 1.0));
  std::printf("samples %zu (%d lost: conflict or no revision within 10 s); slowest (ms @ s into (b)):",
              latency_ms.size(), lost);
  std::vector<std::size_t> order(latency_ms.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return latency_ms[x] > latency_ms[y]; });
  for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
    std::printf(" %.1f@%.2f", latency_ms[order[k]], sent_at_s[order[k]]);
  }
  std::printf("\n");
  std::printf("operator work queues during (b):\n");
  print_queues(queues_b, op.metrics());
  const double p99 = percentile(latency_ms, 0.99);
  const bool b_met = !latency_ms.empty() && lost == 0 && p99 <= 50.0;
  std::printf("goal p99 <= 50 ms: %.1f ms -> %s\n", p99, bench::verdict(b_met));
  ok = ok && b_met;

  // ---- (c) every Workload finished ⇒ steady state ----
  // Items with a revision: revision pushed ⇒ its review GO. The others: code pushed ⇒ review GO.
  const auto tc = Clock::now();
  parallel(config, n, flags.writers, [&](Client& c, int i) {
    const std::string coder = i < samples ? revision_name(i) : code_name(i);
    if (i < samples && !arrivals.wait_for(coder, std::chrono::seconds(60))) throw std::runtime_error("no " + coder);
    write_status(c, coder, [i](const json& t) { return pushed_status(t, 100000 + static_cast<std::uint64_t>(i)); });
  });
  std::vector<std::string> last_reviews;
  for (int i = 0; i < n; ++i) last_reviews.push_back(i < samples ? revision_review_names[i] : review_names[i]);
  if (!arrivals.wait_all(last_reviews, std::chrono::seconds(600), &missing)) {
    std::printf("(c) %zu of %d last reviews never appeared\n", missing, n);
    return 1;
  }
  parallel(config, n, flags.writers, [&](Client& c, int i) {
    write_status(c, last_reviews[i], [i](const json& t) { return review_status(t, true, 100000 + static_cast<std::uint64_t>(i)); });
  });
  int succeeded = 0;
  for (auto deadline = Clock::now() + std::chrono::seconds(600); Clock::now() < deadline;) {
    succeeded = 0;
    const json list = client.list_all(resources::kWorkloads, kNs);
    for (const auto& w : list["items"]) {
      if (w.contains("status") && w["status"].value("phase", "") == "Succeeded") ++succeeded;
    }
    if (succeeded == n) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::printf("\n(c) %d of %d Workloads Succeeded %.1f s after the benchmark started finishing them\n",
              succeeded, n, bench::seconds_since(tc));
  if (succeeded != n) ok = false;
  const bool quiet = op.wait_quiet(std::chrono::seconds(600));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // events flushed, last status writes done
  const auto m1 = op.metrics();
  std::this_thread::sleep_for(std::chrono::seconds(flags.idle_seconds));
  const auto m2 = op.metrics();
  const auto by1 = bench::requests_by(m1), by2 = bench::requests_by(m2);
  const double total = bench::metric_sum(m2, "rest_client_requests_total") -
                      bench::metric_sum(m1, "rest_client_requests_total");
  std::printf("operator work queues empty before the window: %s\n", quiet ? "yes" : "NO");
  std::printf("rest_client_requests_total over %d s (every request the operator's client sent, "
              "including watch (re)opens, which count once as GET when opened):",
              flags.idle_seconds);
  print_delta(by1, by2);
  std::printf("  total %.0f (whole run: %.0f)\n", total, bench::metric_sum(m2, "rest_client_requests_total"));
  std::printf("goal 0 requests in %d s: %.0f -> %s\n", flags.idle_seconds, total, bench::verdict(total == 0));
  ok = ok && total == 0;

  tasks.stop();
  const int exit_code = op.stop();
  std::printf("\noperator exit code after SIGTERM: %d\n", exit_code);
  return ok ? 0 : 1;
}
