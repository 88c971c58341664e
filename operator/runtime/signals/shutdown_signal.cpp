#include "operator/runtime/signals/shutdown_signal.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace redraft::runtime::signals {

namespace {

// Process-wide state touched by the signal handler: only lock-free atomics and a pipe.
std::atomic<int> g_signal_count{0};
std::atomic<int> g_first_signal{0};
std::atomic<bool> g_installed{false};
int g_pipe[2] = {-1, -1};

struct Saved {
  int signal_number;
  struct sigaction previous;
};
std::vector<Saved> g_saved;

// Bytes written to the self-pipe.
constexpr char kSignalled = 1;
constexpr char kStop = 0;

extern "C" void handle_signal(int signal_number) {
  const int count = g_signal_count.fetch_add(1) + 1;
  if (count >= 2) {
    _exit(immediate_exit_code(signal_number));  // async-signal-safe, skips every destructor
  }
  g_first_signal.store(signal_number);
  const int saved_errno = errno;
  const char byte = kSignalled;
  [[maybe_unused]] auto written = write(g_pipe[1], &byte, 1);
  errno = saved_errno;
}

}  // namespace

int immediate_exit_code(int signal_number) { return 128 + signal_number; }

ShutdownSignal::ShutdownSignal(std::function<void(int)> on_first_signal)
    : ShutdownSignal(std::move(on_first_signal), {SIGTERM, SIGINT}) {}

ShutdownSignal::ShutdownSignal(std::function<void(int)> on_first_signal,
                               std::initializer_list<int> signal_numbers)
    : on_first_signal_(std::move(on_first_signal)) {
  if (!on_first_signal_) {
    throw std::invalid_argument("shutdown signal: the callback must be set");
  }
  if (g_installed.exchange(true)) {
    throw std::logic_error("shutdown signal handlers are already installed in this process");
  }
  if (pipe2(g_pipe, O_CLOEXEC) != 0) {
    g_installed = false;
    throw std::runtime_error("shutdown signal: cannot create pipe: " + std::string(strerror(errno)));
  }
  g_signal_count = 0;
  g_first_signal = 0;
  g_saved.clear();
  for (int signal_number : signal_numbers) {
    struct sigaction action {};
    action.sa_handler = handle_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    Saved saved{signal_number, {}};
    if (sigaction(signal_number, &action, &saved.previous) != 0) {
      for (const auto& done : g_saved) {
        sigaction(done.signal_number, &done.previous, nullptr);
      }
      g_saved.clear();
      close(g_pipe[0]);
      close(g_pipe[1]);
      g_installed = false;
      throw std::invalid_argument("shutdown signal: cannot handle signal " +
                                  std::to_string(signal_number));
    }
    g_saved.push_back(saved);
  }
  watcher_ = std::thread([this] { watch(); });
}

void ShutdownSignal::watch() {
  char byte = kStop;
  ssize_t n = 0;
  do {
    n = read(g_pipe[0], &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1 && byte == kSignalled) {
    const int signal_number = g_first_signal.load();
    spdlog::info("received signal {}: shutting down gracefully (send it again to exit at once)",
                 signal_number);
    try {
      on_first_signal_(signal_number);
    } catch (const std::exception& e) {
      spdlog::error("graceful shutdown failed: {}", e.what());
    }
  }
  {
    std::lock_guard lock(mutex_);
    callback_done_ = true;
  }
  cond_.notify_all();
}

ShutdownSignal::~ShutdownSignal() {
  // Restore handlers first so no new signal writes to a pipe that is about to close.
  for (const auto& saved : g_saved) {
    sigaction(saved.signal_number, &saved.previous, nullptr);
  }
  g_saved.clear();
  const char byte = kStop;
  [[maybe_unused]] auto written = write(g_pipe[1], &byte, 1);
  if (watcher_.joinable()) {
    watcher_.join();
  }
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
  g_installed = false;
}

bool ShutdownSignal::requested() const { return g_signal_count.load() > 0; }

bool ShutdownSignal::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cond_.wait_for(lock, timeout, [this] { return callback_done_ && requested(); });
}

void ShutdownSignal::wait() const {
  std::unique_lock lock(mutex_);
  cond_.wait(lock, [this] { return callback_done_ && requested(); });
}

}  // namespace redraft::runtime::signals
