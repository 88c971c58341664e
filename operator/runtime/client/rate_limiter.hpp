// Client-side token bucket (RestConfig::qps / burst), like client-go's default rate limiter.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace redraft::runtime {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double qps, int burst)
      : qps_(qps), burst_(burst > 0 ? burst : std::max(1.0, qps)), tokens_(burst_), last_(Clock::now()) {}

  // How long the caller must wait before its request may go; reserves the token. Pure w.r.t.
  // `now`, so the arithmetic is testable without sleeping.
  Clock::duration reserve(Clock::time_point now) {
    if (qps_ <= 0) return Clock::duration::zero();
    std::lock_guard lock(mutex_);
    double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
    tokens_ -= 1;
    if (tokens_ >= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }

  void acquire() {
    auto wait = reserve(Clock::now());
    if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
  }

 private:
  double qps_;
  double burst_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace redraft::runtime
