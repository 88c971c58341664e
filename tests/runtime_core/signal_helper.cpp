// Test helper for graceful shutdown. Prints "ready" once a reconcile is in progress, then waits
// for SIGTERM/SIGINT.
//   signal_helper graceful — the signal runs the shutdown sequence: stop the controller (which
//                            waits for the running reconcile), then "release the lease"; exit 0
//   signal_helper hang     — the shutdown never finishes (a stuck drain)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <thread>

#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/signals/shutdown_sequence.hpp"
#include "operator/runtime/signals/shutdown_signal.hpp"

namespace {
void say(const char* line) {
  std::printf("%s\n", line);
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  namespace rt = redraft::runtime;
  if (argc != 2 || (std::strcmp(argv[1], "graceful") != 0 && std::strcmp(argv[1], "hang") != 0)) {
    std::fprintf(stderr, "usage: signal_helper graceful|hang\n");
    return 2;
  }
  const bool hang = std::strcmp(argv[1], "hang") == 0;

  std::promise<void> reconciling;
  std::atomic<bool> first{true};
  rt::controller::Controller controller({.name = "helper", .workers = 1},
                                        [&](const std::string&) -> rt::controller::Result {
                                          if (first.exchange(false)) {
                                            say("reconcile start");
                                            reconciling.set_value();
                                            // Real work in progress when the signal comes.
                                            std::this_thread::sleep_for(300ms);
                                            say("reconcile end");
                                          }
                                          return {};
                                        });

  rt::signals::ShutdownSequence sequence;
  if (hang) {
    sequence.add("stuck", [] {
      say("draining");
      for (;;) std::this_thread::sleep_for(1h);
    });
  }
  sequence.add("controllers", [&] { controller.stop(); });
  sequence.add("leader lease", [] { say("lease released"); });

  rt::signals::ShutdownSignal shutdown([&](int signal_number) {
    std::printf("signal %d\n", signal_number);
    std::fflush(stdout);
    sequence.run();
  });
  controller.start();
  controller.enqueue("ns/work", "helper");
  reconciling.get_future().wait();
  say("ready");
  shutdown.wait();
  say("exiting");
  return 0;
}
