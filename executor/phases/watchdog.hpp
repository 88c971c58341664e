// A deadline for the git phases. libgit2 1.5 has no network timeouts: a remote that accepts the
// connection and then never answers would block prepare or publish forever. When the deadline
// passes, `on_expire` runs on the watchdog's own thread (it should write a result and end the
// process); destroying the watchdog first cancels it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace redraft::executor {

class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds deadline, std::function<void()> on_expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::thread thread_;
};

inline constexpr std::int64_t kDefaultGitTimeoutSeconds = 1800;

// Pure: the git deadline from the REDRAFT_GIT_TIMEOUT_SECONDS value (unset, empty, non-numeric
// or non-positive ⇒ the default).
std::chrono::seconds git_timeout_from(std::optional<std::string_view> env_value);

}  // namespace redraft::executor
