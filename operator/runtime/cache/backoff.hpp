// Retry delays for the reflector (and anything else that reconnects to the API server).
//
// Same shape as client-go's reflector backoff: start at 0.8 s, double on every consecutive
// failure, never exceed 30 s, and add jitter so that many informers that lost the server at the
// same moment do not all come back at the same moment.
#pragma once

#include <chrono>
#include <cstdint>

namespace redraft::runtime::cache {

struct BackoffPolicy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30'000};
  double factor = 2.0;
  // Fraction of the base delay added at random: delay = base * (1 + jitter * u), u in [0, 1).
  double jitter = 0.5;
};

// The delay before retry number `attempt` (0 = first retry), given a uniform sample u in [0, 1).
// Pure: the caller supplies the randomness, so tests can pin it. Never exceeds policy.max.
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t attempt,
                                        double u);

// Stateful wrapper: counts consecutive failures; reset() after a success.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {});
  // Delay for the next retry; advances the failure count. Uses a thread-local random source.
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  std::uint32_t attempt() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::uint32_t attempt_ = 0;
};

// A uniform sample in [0, 1) from a per-thread generator seeded from std::random_device.
double uniform_sample();

}  // namespace redraft::runtime::cache
