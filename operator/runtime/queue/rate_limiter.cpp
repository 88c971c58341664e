#include "operator/runtime/queue/rate_limiter.hpp"

#include <stdexcept>

namespace redraft::runtime::queue {

Duration backoff_delay(const BackoffConfig& config, std::size_t failures) {
  if (config.base <= Duration::zero()) {
    throw std::invalid_argument("backoff base must be positive");
  }
  if (config.cap < config.base) {
    throw std::invalid_argument("backoff cap must not be smaller than its base");
  }
  // Double step by step and stop at the cap: no 2^n overflow however many failures there were.
  Duration delay = config.base;
  for (std::size_t i = 0; i < failures; ++i) {
    if (delay >= config.cap / 2) {
      return config.cap;
    }
    delay *= 2;
  }
  return delay < config.cap ? delay : config.cap;
}

ExponentialRateLimiter::ExponentialRateLimiter(BackoffConfig config) : config_(config) {
  (void)backoff_delay(config_, 0);  // validate once, up front
}

Duration ExponentialRateLimiter::when(const std::string& key) {
  std::size_t failures = 0;
  {
    std::lock_guard lock(mutex_);
    failures = failures_[key]++;
  }
  return backoff_delay(config_, failures);
}

void ExponentialRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

std::size_t ExponentialRateLimiter::retries(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace redraft::runtime::queue
