#include "executor/phases/watchdog.hpp"

#include <charconv>

namespace redraft::executor {

Watchdog::Watchdog(std::chrono::milliseconds deadline, std::function<void()> on_expire) {
  thread_ = std::thread([this, deadline, on_expire = std::move(on_expire)] {
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, deadline, [this] { return cancelled_; })) return;
    lock.unlock();
    on_expire();
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::chrono::seconds git_timeout_from(std::optional<std::string_view> env_value) {
  if (!env_value || env_value->empty()) return std::chrono::seconds(kDefaultGitTimeoutSeconds);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(env_value->data(), env_value->data() + env_value->size(), v);
  if (ec != std::errc() || ptr != env_value->data() + env_value->size() || v <= 0) {
    return std::chrono::seconds(kDefaultGitTimeoutSeconds);
  }
  return std::chrono::seconds(v);
}

}  // namespace redraft::executor
