// Test helper for ShutdownSignal: prints "ready", then waits for SIGTERM/SIGINT.
//   signal_helper graceful  — the callback prints "graceful <signal>", main exits 0 afterwards
//   signal_helper hang      — the callback prints "draining" and never finishes (a stuck drain)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "operator/runtime/signals/shutdown_signal.hpp"

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "graceful") != 0 && std::strcmp(argv[1], "hang") != 0)) {
    std::fprintf(stderr, "usage: signal_helper graceful|hang\n");
    return 2;
  }
  const bool hang = std::strcmp(argv[1], "hang") == 0;
  redraft::runtime::signals::ShutdownSignal shutdown([hang](int signal_number) {
    if (hang) {
      std::printf("draining\n");
      std::fflush(stdout);
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
    std::printf("graceful %d\n", signal_number);
    std::fflush(stdout);
  });
  std::printf("ready\n");
  std::fflush(stdout);
  shutdown.wait();
  std::printf("exiting\n");
  std::fflush(stdout);
  return 0;
}
