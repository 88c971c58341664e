// Benchmark: informer cache memory per AgenticTask.
//
//   build/tests/bench/runtime_cache_memory [--objects 10000]
//
// Loads N AgenticTasks (spec + status, as the operator writes them) into a devserver, then for
// each cache flavour starts a FRESH process (this binary with --child) that syncs an informer
// and reports its RSS before and after: growth per object, side by side with the JSON-DOM
// baseline (Informer<nlohmann::json>). The child's RSS before the informer starts is the
// "idle" figure (client library + logging + allocator, no cached objects).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "api/codec.hpp"
#include "devserver_fixture.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "runtime_bench_support.hpp"

using namespace redraft;
using namespace redraft::runtime;
using Clock = std::chrono::steady_clock;

namespace {

template <class T>
int measure(const std::string& kubeconfig, bool strip) {
  Client client(load_kubeconfig(kubeconfig));
  const long idle = bench::rss_kib();
  const long idle_heap = bench::heap_in_use_bytes();
  cache::InformerOptions options;
  options.type = resources::kAgenticTasks;
  options.namespace_ = "bench";
  if (strip) options.transform = cache::strip_bookkeeping;
  const auto t0 = Clock::now();
  cache::Informer<T> informer(client, options);
  informer.start();
  if (!informer.wait_for_sync(std::chrono::minutes(10))) {
    std::fprintf(stderr, "cache did not sync\n");
    return 1;
  }
  const double sync_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long synced = bench::rss_kib();
  const long heap = bench::heap_in_use_bytes() - idle_heap;
  std::printf("RESULT %ld %ld %zu %.3f %ld\n", idle, synced, informer.size(), sync_s, heap);
  std::fflush(stdout);
  informer.stop();
  return 0;
}

struct Result {
  long idle_kib = 0, synced_kib = 0;
  std::size_t objects = 0;
  double sync_s = 0;
  long heap_bytes = 0;
  bool ok = false;
};

Result run_child(const std::string& self, const std::string& mode, const std::string& kubeconfig) {
  const std::string cmd = self + " --child " + mode + " " + kubeconfig;
  Result r;
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, p)) {
      if (std::sscanf(line, "RESULT %ld %ld %zu %lf %ld", &r.idle_kib, &r.synced_kib, &r.objects,
                      &r.sync_s, &r.heap_bytes) == 5) {
        r.ok = true;
      }
    }
    r.ok = (::pclose(p) == 0) && r.ok;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--child") {
    const std::string mode = argv[2];
    if (mode == "json") return measure<nlohmann::json>(argv[3], false);
    if (mode == "typed") return measure<api::AgenticTask>(argv[3], false);
    if (mode == "typed-strip") return measure<api::AgenticTask>(argv[3], true);
    return 2;
  }
  int objects = 10000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--objects") objects = std::atoi(argv[i + 1]);
  }
  char self[4096] = {};
  if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0) return 1;

  // The sample tasks name a Workload owner that does not exist; without this the server's
  // garbage collector would delete them while they are measured.
  testing::DevServerOptions no_gc;
  no_gc.extra_args = {"--gc-delay-ms", "-1"};
  testing::DevServer server(no_gc);
  auto applied = server.kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
  if (applied.exit_code != 0) {
    std::fprintf(stderr, "kubectl apply of the CRDs failed: %s\n", applied.output.c_str());
    return 1;
  }
  server.kubectl({"create", "namespace", "bench"});
  Client client(load_kubeconfig(server.kubeconfig_path()));

  // Load the objects (create + status) with two writers.
  std::atomic<int> next{0}, failures{0};
  const auto t0 = Clock::now();
  auto writer = [&] {
    for (int i = next++; i < objects; i = next++) {
      try {
        nlohmann::json created = client.create(resources::kAgenticTasks, "bench", bench::sample_task("bench", i));
        created["status"] = bench::sample_status(i);
        client.update_status(resources::kAgenticTasks, "bench", created);
      } catch (const std::exception& e) {
        if (failures++ < 3) std::fprintf(stderr, "load: %s\n", e.what());
      }
    }
  };
  std::thread w1(writer), w2(writer);
  w1.join();
  w2.join();
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("loaded %d AgenticTasks (create + status update) in %.1f s (%.0f objects/s), %d failures\n",
              objects, load_s, objects / load_s, failures.load());
  // Size on the wire of one object, for scale.
  const auto one = client.get(resources::kAgenticTasks, "bench", bench::sample_task("bench", 0)["metadata"]["name"].get<std::string>());
  std::printf("one object as compact JSON: %zu bytes\n\n", one.dump().size());

  std::printf("%-12s %10s %12s %9s %14s %10s %13s %8s\n", "cache", "idle KiB", "synced KiB",
              "objects", "bytes/object", "vs json", "heap B/object", "sync s");
  double json_per_object = 0;
  bool all_ran = true;
  Result typed;
  for (const std::string mode : {"json", "typed", "typed-strip"}) {
    const Result r = run_child(self, mode, server.kubeconfig_path());
    if (!r.ok || r.objects != static_cast<std::size_t>(objects)) {
      std::printf("%-12s failed (%zu of %d objects cached)\n", mode.c_str(), r.objects, objects);
      all_ran = false;
      continue;
    }
    const double per_object = (r.synced_kib - r.idle_kib) * 1024.0 / static_cast<double>(r.objects);
    if (mode == "json") json_per_object = per_object;
    if (mode == "typed") typed = r;
    std::printf("%-12s %10ld %12ld %9zu %14.0f %9.2fx %13.0f %8.2f\n", mode.c_str(), r.idle_kib,
                r.synced_kib, r.objects, per_object,
                json_per_object > 0 ? per_object / json_per_object : 0.0,
                static_cast<double>(r.heap_bytes) / static_cast<double>(r.objects), r.sync_s);
  }
  // The operator caches typed objects (DESIGN.md §3), so the goals apply to the "typed" row.
  if (typed.ok) {
    const double per_object =
        (typed.synced_kib - typed.idle_kib) * 1024.0 / static_cast<double>(typed.objects);
    std::printf("\ngoal <= 2048 bytes/object (typed): %.0f -> %s\n", per_object,
                per_object <= 2048 ? "met" : "MISSED");
    std::printf("goal idle <= 15360 KiB: %ld KiB -> %s\n", typed.idle_kib,
                typed.idle_kib <= 15360 ? "met" : "MISSED");
  }
  return all_ran ? 0 : 1;
}
