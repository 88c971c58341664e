#pragma once
// Per-key exponential backoff for the work queue (client-go's ItemExponentialFailureRateLimiter):
// the n-th consecutive failure of a key waits base * 2^n, capped; `forget` resets the key.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace redraft::runtime::queue {

using Duration = std::chrono::nanoseconds;

struct BackoffConfig {
  Duration base = std::chrono::milliseconds(5);
  Duration cap = std::chrono::seconds(1000);
};

// Pure: the delay before retry number `failures` (0-based). Saturates at `cap` instead of
// overflowing for large failure counts. Throws std::invalid_argument when base <= 0 or cap < base.
Duration backoff_delay(const BackoffConfig& config, std::size_t failures);

// Thread-safe bookkeeping of consecutive failures per key.
class ExponentialRateLimiter {
 public:
  explicit ExponentialRateLimiter(BackoffConfig config = {});

  // Records one more failure of `key` and returns how long to wait before retrying it.
  Duration when(const std::string& key);
  // Clears the failure history of `key` (call after a successful reconcile).
  void forget(const std::string& key);
  // Consecutive failures recorded for `key` since the last forget.
  std::size_t retries(const std::string& key) const;

 private:
  BackoffConfig config_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> failures_;
};

}  // namespace redraft::runtime::queue
