// Test helper: one leader-election candidate in its own process, so a test can SIGKILL it.
//   leader_elector_helper <kubeconfig> <namespace> <lease> <identity>
// Prints "LEADING" / "STOPPED" (one line each, flushed) as leadership changes; SIGTERM or
// SIGINT stops cleanly (releasing the lease) and prints "EXIT". "LEADING" is followed by
// "LEADING_AT_NS <n>": std::chrono::steady_clock (CLOCK_MONOTONIC, the same clock in every
// process on the machine) when leadership began, so a test can time a takeover exactly.
// "SEES <identity>" reports each change of the observed holder.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "operator/runtime/client/config.hpp"
#include "operator/runtime/leader/leader_elector.hpp"

int main(int argc, char** argv) {
  using namespace redraft::runtime;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <kubeconfig> <namespace> <lease> <identity>\n", argv[0]);
    return 2;
  }
  // Block the stop signals in every thread; the main thread waits for them synchronously.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    leader::LeaderElectorOptions options;
    options.lease_namespace = argv[2];
    options.lease_name = argv[3];
    options.identity = argv[4];
    leader::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [] {
      const auto now = std::chrono::steady_clock::now().time_since_epoch();
      std::printf("LEADING\nLEADING_AT_NS %lld\n",
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
      std::fflush(stdout);
    };
    callbacks.on_new_leader = [](const std::string& identity) {
      std::printf("SEES %s\n", identity.empty() ? "<none>" : identity.c_str());
      std::fflush(stdout);
    };
    callbacks.on_stopped_leading = [] {
      std::printf("STOPPED\n");
      std::fflush(stdout);
    };
    leader::LeaderElector elector(load_kubeconfig(argv[1]), options, callbacks);
    elector.start();
    int sig = 0;
    sigwait(&stop_signals, &sig);
    elector.stop();
    std::printf("EXIT\n");
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leader_elector_helper: %s\n", e.what());
    return 1;
  }
}
