#include "operator/runtime/cache/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace redraft::runtime::cache {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t attempt,
                                        double u) {
  const double max_ms = static_cast<double>(policy.max.count());
  // Cap the exponent first: factor^attempt overflows to inf long before attempt wraps.
  const double grown = static_cast<double>(policy.initial.count()) *
                       std::pow(policy.factor, static_cast<double>(std::min<std::uint32_t>(attempt, 64)));
  const double base = std::min(grown, max_ms);
  const double clamped_u = std::clamp(u, 0.0, 1.0);
  const double jittered = std::min(base * (1.0 + policy.jitter * clamped_u), max_ms);
  return std::chrono::milliseconds(static_cast<std::int64_t>(jittered));
}

Backoff::Backoff(BackoffPolicy policy) : policy_(policy) {}

std::chrono::milliseconds Backoff::next() {
  auto delay = backoff_delay(policy_, attempt_, uniform_sample());
  if (attempt_ < 64) ++attempt_;
  return delay;
}

double uniform_sample() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

}  // namespace redraft::runtime::cache
