#pragma once
// Graceful shutdown on SIGTERM/SIGINT, the way Kubernetes stops a pod: the first signal runs the
// shutdown callback (stop queues, drain workers, release the lease) on an ordinary thread; a
// second signal exits the process at once, for when draining hangs.
//
// The signal handler itself only does async-signal-safe work (an atomic counter, a write to a
// self-pipe, _exit); everything else happens on the watcher thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <thread>

namespace redraft::runtime::signals {

// Exit code of the immediate exit on the second signal: 128 + signal number, like a shell.
int immediate_exit_code(int signal_number);

class ShutdownSignal {
 public:
  // Installs handlers for `signal_numbers` (default SIGTERM and SIGINT) and starts the watcher
  // thread. Only one instance may exist at a time (handlers are process-wide): a second one
  // throws std::logic_error.
  explicit ShutdownSignal(std::function<void(int signal_number)> on_first_signal);
  ShutdownSignal(std::function<void(int signal_number)> on_first_signal,
                 std::initializer_list<int> signal_numbers);
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;
  // Restores the previous handlers and joins the watcher thread.
  ~ShutdownSignal();

  // True once the first signal arrived.
  bool requested() const;
  // Blocks until the first signal's callback has returned (or the timeout passes).
  bool wait_for(std::chrono::milliseconds timeout) const;
  void wait() const;

 private:
  void watch();

  std::function<void(int)> on_first_signal_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cond_;
  bool callback_done_ = false;
  std::thread watcher_;
};

}  // namespace redraft::runtime::signals
