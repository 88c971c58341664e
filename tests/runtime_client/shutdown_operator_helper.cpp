// Test helper: a miniature operator process wired the way the operator's main() wires the
// runtime, so a test can SIGTERM it and check the graceful shutdown against a real API server.
//
//   shutdown_operator_helper <kubeconfig> <namespace> <lease> <identity> <reconcile-ms>
//
// - An Informer on ConfigMaps labelled redraft.test/input=true in <namespace> feeds a one-worker
//   Controller (the runtime's WorkQueue underneath).
// - The Controller only starts once a real LeaderElector holds the Lease <namespace>/<lease>.
// - The reconciler is deliberately slow: it sleeps <reconcile-ms> (not interruptible: a
//   graceful shutdown must let it finish), then creates ConfigMap "<input>-result", so the test
//   can see on the server that the reconcile completed and compare resourceVersions.
// - ShutdownSignal + ShutdownSequence with the operator's steps, in order:
//   stop queues (informer + queue), drain workers, release the lease.
//
// stdout (one flushed line each): "LEADING", "STOPPED", "enqueued <key>",
// "reconcile start <key>", "reconcile finish <key>", "signal <n>", "queues stopped",
// "workers drained", "lease released", "exiting". Logs go to stderr so they never split these.
// Exit code: 0 after a clean shutdown, 1 when a shutdown step failed or setup failed, and
// 128+signal when a second signal cut the shutdown short (the runtime's documented behaviour).
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/client/resource.hpp"
#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/leader/leader_elector.hpp"
#include "operator/runtime/signals/shutdown_sequence.hpp"
#include "operator/runtime/signals/shutdown_signal.hpp"

namespace {

namespace rt = redraft::runtime;

// printf on the shared stdout FILE is atomic per call, so lines from different threads never mix.
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// The slow reconcile: "work" for `duration`, then record the result on the server.
rt::controller::Result reconcile(rt::Client& client, const std::string& key,
                                 std::chrono::milliseconds duration) {
  say("reconcile start " + key);
  std::this_thread::sleep_for(duration);
  const auto key_parts = rt::cache::parse_object_key(key);
  const nlohmann::json result = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", std::string(key_parts.name) + "-result"},
                    {"namespace", std::string(key_parts.namespace_)}}},
      {"data", {{"reconciled", key}}}};
  try {
    client.create(rt::resources::kConfigMaps, key_parts.namespace_, result);
  } catch (const std::exception& e) {
    if (!rt::is_already_exists(e)) throw;
  }
  say("reconcile finish " + key);
  return {};
}

int run(int argc, char** argv) {
  const std::string kubeconfig = argv[1];
  const std::string ns = argv[2];
  const std::string lease = argv[3];
  const std::string identity = argv[4];
  const std::chrono::milliseconds reconcile_time(std::stoll(argv[5]));
  (void)argc;

  const rt::RestConfig config = rt::load_kubeconfig(kubeconfig);
  rt::Client client(config);

  rt::controller::Controller controller(
      {.name = "shutdown-helper", .workers = 1},
      [&](const std::string& key) { return reconcile(client, key, reconcile_time); });

  rt::cache::InformerOptions informer_options;
  informer_options.type = rt::resources::kConfigMaps;
  informer_options.namespace_ = ns;
  informer_options.label_selector = "redraft.test/input=true";
  rt::cache::Informer<nlohmann::json> inputs(client, std::move(informer_options));
  inputs.add_handlers(rt::cache::enqueue_handlers<nlohmann::json>(
      [](const nlohmann::json& object) {
        return std::vector<rt::cache::ObjectKey>{rt::cache::key_of(object)};
      },
      [&](const rt::cache::ObjectKey& key) {
        if (controller.queue().shutting_down()) return;
        controller.enqueue(key.str(), "input changed");
        say("enqueued " + key.str());
      }));

  rt::leader::LeaderElectorOptions election;
  election.lease_namespace = ns;
  election.lease_name = lease;
  election.identity = identity;
  rt::leader::LeaderCallbacks callbacks;
  std::once_flag started;
  callbacks.on_started_leading = [&] {
    say("LEADING");
    // Like the operator: controllers run only while this process leads. (The real operator
    // exits on lost leadership, so the controller never has to start twice.)
    std::call_once(started, [&] { controller.start(); });
  };
  callbacks.on_stopped_leading = [] { say("STOPPED"); };
  rt::leader::LeaderElector elector(config, election, callbacks);

  rt::signals::ShutdownSequence sequence;
  sequence.add("stop queues", [&] {
    inputs.stop();  // no more watch events
    controller.queue().shutdown();  // queued keys are dropped; running ones continue
    say("queues stopped");
  });
  sequence.add("drain workers", [&] {
    controller.stop();  // returns once the running reconcile has finished
    say("workers drained");
  });
  sequence.add("leader lease", [&] {
    elector.stop();  // releases the lease when leading
    say("lease released");
  });

  std::vector<std::string> failed;
  rt::signals::ShutdownSignal shutdown([&](int signal_number) {
    say("signal " + std::to_string(signal_number));
    failed = sequence.run();
  });

  inputs.start();
  elector.start();
  shutdown.wait();
  say("exiting");
  return failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: %s <kubeconfig> <namespace> <lease> <identity> <reconcile-ms>\n",
                 argv[0]);
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_logger_mt("shutdown-helper"));
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shutdown_operator_helper: %s\n", e.what());
    return 1;
  }
}
