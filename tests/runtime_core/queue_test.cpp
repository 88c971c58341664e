#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "operator/runtime/queue/rate_limiter.hpp"
#include "operator/runtime/queue/work_queue.hpp"

using namespace std::chrono_literals;
namespace q = redraft::runtime::queue;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------- backoff (pure)

TEST(Backoff, DoublesFromFiveMillisecondsAndCapsAtThousandSeconds) {
  const q::BackoffConfig config;  // defaults: 5 ms → 1000 s
  std::vector<q::Duration> expected;
  q::Duration d = 5ms;
  for (std::size_t n = 0; n < 18; ++n) {
    EXPECT_EQ(q::backoff_delay(config, n), d) << "failure " << n;
    d *= 2;
  }
  // 5 ms * 2^17 = 655.36 s; the next step would be 1310.72 s, capped.
  EXPECT_EQ(q::backoff_delay(config, 17), 655360ms);
  EXPECT_EQ(q::backoff_delay(config, 18), 1000s);
  EXPECT_EQ(q::backoff_delay(config, 64), 1000s);  // no shift overflow
  EXPECT_EQ(q::backoff_delay(config, std::numeric_limits<std::size_t>::max()), 1000s);
}

TEST(Backoff, RejectsUnusableConfig) {
  EXPECT_THROW(q::backoff_delay({0ms, 1s}, 0), std::invalid_argument);
  EXPECT_THROW(q::backoff_delay({2s, 1s}, 0), std::invalid_argument);
  EXPECT_THROW(q::ExponentialRateLimiter({-1ms, 1s}), std::invalid_argument);
}

TEST(RateLimiter, CountsFailuresPerKeyAndForgetResets) {
  q::ExponentialRateLimiter limiter;
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.when("a"), 10ms);
  EXPECT_EQ(limiter.when("a"), 20ms);
  EXPECT_EQ(limiter.when("b"), 5ms);  // independent per key
  EXPECT_EQ(limiter.retries("a"), 3u);
  limiter.forget("a");
  EXPECT_EQ(limiter.retries("a"), 0u);
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.retries("b"), 1u);
}

// ---------------------------------------------------------------------------- work queue

TEST(WorkQueue, AddsOfAQueuedKeyCollapse) {
  q::WorkQueue queue;
  for (int i = 0; i < 5; ++i) queue.add("a");
  queue.add("b");
  EXPECT_EQ(queue.len(), 2u);
  EXPECT_EQ(queue.get(), "a");  // FIFO
  EXPECT_EQ(queue.get(), "b");
}

TEST(WorkQueue, AddsWhileProcessingCollapseIntoOneFollowUp) {
  q::WorkQueue queue;
  queue.add("a");
  auto key = queue.get();
  ASSERT_EQ(key, "a");
  for (int i = 0; i < 10; ++i) queue.add("a");
  // While "a" is processed it must not be handed to anyone else.
  EXPECT_EQ(queue.len(), 0u);
  EXPECT_EQ(queue.get_for(20ms), std::nullopt);
  queue.done("a");
  EXPECT_EQ(queue.len(), 1u);  // exactly one follow-up
  EXPECT_EQ(queue.get_for(5s), "a");
  queue.done("a");
  EXPECT_EQ(queue.get_for(20ms), std::nullopt);  // and no second one
}

TEST(WorkQueue, NeverHandsOneKeyToTwoWorkersAndLosesNoAdd) {
  constexpr int kKeys = 40;
  constexpr int kWorkers = 8;
  constexpr int kAdders = 3;
  // Adders keep adding until this many reconciles ran, so adds and reconciles truly interleave.
  constexpr long kMinReconciles = 3000;
  q::WorkQueue queue;
  std::vector<std::atomic<int>> in_flight(kKeys);
  std::vector<std::atomic<int>> added(kKeys);   // bumped before every add
  std::vector<std::atomic<int>> seen(kKeys);    // `added` observed when processing started
  std::atomic<int> overlaps{0};
  std::atomic<long> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        const int k = std::stoi(*key);
        if (in_flight[k].fetch_add(1) != 0) overlaps.fetch_add(1);
        seen[k].store(added[k].load());
        // Hold the key a little (not synchronisation: it widens the window an overlap would hit).
        std::this_thread::sleep_for(50us);
        in_flight[k].fetch_sub(1);
        processed.fetch_add(1);
        queue.done(*key);
      }
    });
  }
  std::vector<std::thread> adders;
  for (int a = 0; a < kAdders; ++a) {
    adders.emplace_back([&, a] {
      std::mt19937 rng(static_cast<unsigned>(a) + 1);
      const auto give_up = Clock::now() + 60s;
      while (processed.load() < kMinReconciles && Clock::now() < give_up) {
        const int k = static_cast<int>(rng() % kKeys);
        added[k].fetch_add(1);
        queue.add(std::to_string(k));
      }
    });
  }
  for (auto& t : adders) t.join();

  // Every add must be followed by a reconcile that started after it: wait until each key's last
  // processing saw its final add count (poll with a generous deadline).
  const auto deadline = Clock::now() + 60s;
  auto all_seen = [&] {
    for (int k = 0; k < kKeys; ++k) {
      if (seen[k].load() != added[k].load()) return false;
    }
    return queue.len() == 0 && queue.processing() == 0;
  };
  while (!all_seen() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  queue.shutdown();
  for (auto& t : workers) t.join();

  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_TRUE(all_seen()) << "an add was lost";
  EXPECT_GE(processed.load(), kMinReconciles);
  // Collapsing works: fewer reconciles than adds.
  long total_adds = 0;
  for (auto& n : added) total_adds += n.load();
  EXPECT_LT(processed.load(), total_adds);
}

TEST(WorkQueue, AddAfterDelaysTheKey) {
  q::WorkQueue queue;
  const auto start = Clock::now();
  queue.add_after("k", 200ms);
  EXPECT_EQ(queue.len(), 0u);  // not ready yet
  auto key = queue.get_for(30s);
  const auto waited = Clock::now() - start;
  ASSERT_EQ(key, "k");
  EXPECT_GE(waited, 200ms);  // timers never fire early; no tight upper bound on a loaded box
  EXPECT_LT(waited, 30s);
}

TEST(WorkQueue, AnEarlierAddAfterWinsOverALaterOne) {
  q::WorkQueue queue;
  const auto start = Clock::now();
  queue.add_after("k", 1000s);
  queue.add_after("k", 50ms);
  queue.add_after("k", 500s);  // a later time does not postpone it
  EXPECT_EQ(queue.get_for(30s), "k");
  EXPECT_GE(Clock::now() - start, 50ms);
  queue.done("k");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueue, DelayedKeyWakesAWorkerThatIsAlreadyWaiting) {
  q::WorkQueue queue;
  auto got = std::async(std::launch::async, [&] { return queue.get(); });
  // The worker is (or soon will be) blocked with nothing queued; a delayed add must wake it.
  queue.add_after("late", 30ms);
  ASSERT_EQ(got.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(got.get(), "late");
}

TEST(WorkQueue, RateLimitedAddsFollowTheBackoffAndForgetResetsIt) {
  q::WorkQueue queue({20ms, 10s});
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto start = Clock::now();
    queue.add_rate_limited("k");
    EXPECT_EQ(queue.len(), 0u);
    ASSERT_EQ(queue.get_for(30s), "k");
    EXPECT_GE(Clock::now() - start, 20ms * (1 << attempt)) << "attempt " << attempt;
    queue.done("k");
  }
  EXPECT_EQ(queue.num_requeues("k"), 3u);
  queue.forget("k");
  EXPECT_EQ(queue.num_requeues("k"), 0u);
}

TEST(WorkQueue, ShutdownWakesWaitingWorkers) {
  q::WorkQueue queue;
  auto got = std::async(std::launch::async, [&] { return queue.get(); });
  queue.shutdown();
  ASSERT_EQ(got.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(got.get(), std::nullopt);
  queue.add("x");  // ignored after shutdown
  EXPECT_EQ(queue.len(), 0u);
  EXPECT_TRUE(queue.shutting_down());
}

TEST(WorkQueue, ShutdownWithDrainWaitsForKeysInProgress) {
  q::WorkQueue queue;
  queue.add("busy");
  queue.add("pending");
  ASSERT_EQ(queue.get(), "busy");
  auto drained = std::async(std::launch::async, [&] { queue.shutdown_with_drain(); });
  // While "busy" is in progress the drain cannot finish (a negative check needs some wait).
  EXPECT_EQ(drained.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(queue.get_for(0ms), std::nullopt);  // pending keys are no longer handed out
  queue.done("busy");
  EXPECT_EQ(drained.wait_for(30s), std::future_status::ready);
}
