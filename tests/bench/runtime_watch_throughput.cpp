// Benchmark: watch throughput — events per second delivered from the devserver to an informer
// handler while writers create objects as fast as they can, printed next to the devserver's own
// create rate (the ceiling the watch can reach).
//
//   build/tests/bench/runtime_watch_throughput [--objects 5000] [--writers 2]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "devserver_fixture.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"

using namespace redraft;
using namespace redraft::runtime;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int objects = 5000, writers = 2;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--objects") objects = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--writers") writers = std::atoi(argv[i + 1]);
  }
  testing::DevServer server;
  const RestConfig config = load_kubeconfig(server.kubeconfig_path());
  Client watch_client(config);

  std::atomic<int> delivered{0};
  std::atomic<std::int64_t> last_event_ns{0};
  cache::InformerOptions options;
  options.type = resources::kConfigMaps;
  options.namespace_ = "default";
  cache::Informer<nlohmann::json> informer(watch_client, options);
  informer.add_handlers({[&](const auto&) {
                           ++delivered;
                           last_event_ns = Clock::now().time_since_epoch().count();
                         },
                         nullptr, nullptr});
  informer.start();
  if (!informer.wait_for_sync(std::chrono::seconds(60))) return 1;

  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      Client client(config);  // one connection per writer
      for (int i = next++; i < objects; i = next++) {
        client.create(resources::kConfigMaps, "default",
                      {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", "cm-" + std::to_string(i)}}},
                       {"data", {{"value", std::string(200, 'x')}}}});
      }
    });
  }
  for (auto& t : threads) t.join();
  const double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (delivered < objects && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double deliver_s =
      std::chrono::duration<double>(Clock::time_point(Clock::duration(last_event_ns.load())) - t0).count();
  informer.stop();

  const double create_rate = objects / create_s;
  const double event_rate = delivered / deliver_s;
  std::printf("objects %d, writers %d\n", objects, writers);
  std::printf("%-34s %10s %10s\n", "", "per second", "seconds");
  std::printf("%-34s %10.0f %10.2f\n", "devserver create rate (baseline)", create_rate, create_s);
  std::printf("%-34s %10.0f %10.2f\n", "watch events delivered to handler", event_rate, deliver_s);
  std::printf("ratio delivered/created: %.2f   (delivered %d of %d)\n", event_rate / create_rate,
              delivered.load(), objects);
  return delivered == objects ? 0 : 1;
}
