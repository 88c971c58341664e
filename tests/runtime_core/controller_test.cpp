#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "exposition_parser.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/controller/outcome.hpp"
#include "operator/runtime/metrics/exposition.hpp"

using namespace std::chrono_literals;
namespace c = redraft::runtime::controller;
namespace m = redraft::runtime::metrics;
using redraft::runtime::ApiError;
using redraft::testing::parse_exposition;
using redraft::testing::sample_value;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

namespace {

// Polls `condition` until it holds or a generous deadline passes.
template <class Fn>
bool eventually(Fn&& condition, std::chrono::seconds timeout = 30s) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

double metric(const m::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  return sample_value(parse_exposition(m::render_text(registry)), name, labels);
}

double reconciles(const m::Registry& registry, const std::string& controller,
                  const std::string& result) {
  return metric(registry, "controller_runtime_reconcile_total",
                {{"controller", controller}, {"result", result}});
}

double errors(const m::Registry& registry, const std::string& controller) {
  return metric(registry, "controller_runtime_reconcile_errors_total", {{"controller", controller}});
}

// Captures log lines for assertions; restores the previous default logger afterwards.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096)) {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const {
    std::string all;
    for (const auto& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

ApiError conflict() { return ApiError(409, "Conflict", "the object has been modified"); }

}  // namespace

// ---------------------------------------------------------------------------- decisions (pure)

TEST(Outcome, ClassifiesReconcileResults) {
  EXPECT_EQ(c::classify({}), c::Outcome::Success);
  EXPECT_EQ(c::classify({true, {}}), c::Outcome::Requeue);
  EXPECT_EQ(c::classify({false, 5s}), c::Outcome::RequeueAfter);
  EXPECT_EQ(c::classify({true, 5s}), c::Outcome::RequeueAfter);  // requeue_after wins
}

TEST(Outcome, DecidesLikeControllerRuntime) {
  auto d = c::decide(c::Outcome::Success, {}, 0, 5);
  EXPECT_EQ(d.action, c::QueueAction::Forget);
  EXPECT_EQ(d.result_label, "success");
  EXPECT_FALSE(d.is_error);

  d = c::decide(c::Outcome::RequeueAfter, 3s, 0, 5);
  EXPECT_EQ(d.action, c::QueueAction::ForgetAndAddAfter);
  EXPECT_EQ(d.delay, 3s);
  EXPECT_EQ(d.result_label, "requeue_after");

  d = c::decide(c::Outcome::Requeue, {}, 0, 5);
  EXPECT_EQ(d.action, c::QueueAction::AddRateLimited);
  EXPECT_EQ(d.result_label, "requeue");

  d = c::decide(c::Outcome::Error, {}, 0, 5);
  EXPECT_EQ(d.action, c::QueueAction::AddRateLimited);
  EXPECT_EQ(d.result_label, "error");
  EXPECT_TRUE(d.is_error);
}

TEST(Outcome, ConflictsRequeueAtOnceQuietlyThenBackOff) {
  for (std::size_t streak = 1; streak <= 5; ++streak) {
    const auto d = c::decide(c::Outcome::Conflict, {}, streak, 5);
    EXPECT_EQ(d.action, c::QueueAction::AddNow) << streak;
    EXPECT_FALSE(d.is_error);
    EXPECT_EQ(d.result_label, "requeue");
  }
  const auto d = c::decide(c::Outcome::Conflict, {}, 6, 5);
  EXPECT_EQ(d.action, c::QueueAction::AddRateLimited);
  EXPECT_FALSE(d.is_error);
}

// ---------------------------------------------------------------------------- controller loop

TEST(Controller, RejectsBadOptionsNamingTheField) {
  auto noop = [](const std::string&) { return c::Result{}; };
  try {
    c::Controller bad({.name = "", .workers = 1}, noop);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("name"));
  }
  try {
    c::Controller bad({.name = "x", .workers = 0}, noop);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("workers must be at least 1, got 0"));
  }
  EXPECT_THROW(c::Controller({.name = "x"}, nullptr), std::invalid_argument);
}

TEST(Controller, ReconcilesEnqueuedKeysAndCountsSuccess) {
  m::Registry registry;
  std::mutex mutex;
  std::multiset<std::string> seen;
  c::Controller controller({.name = "demo", .workers = 3, .registry = &registry},
                           [&](const std::string& key) {
                             std::lock_guard lock(mutex);
                             seen.insert(key);
                             return c::Result{};
                           });
  controller.start();
  for (int i = 0; i < 20; ++i) controller.enqueue("ns/obj-" + std::to_string(i), "test");
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "demo", "success") == 20; }));
  controller.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(errors(registry, "demo"), 0);
  EXPECT_EQ(metric(registry, "controller_runtime_reconcile_time_seconds_count",
                   {{"controller", "demo"}}), 20);
}

TEST(Controller, ExceptionsAreCaughtLoggedWithTheKeyAndRetriedWithBackoff) {
  LogCapture logs;
  m::Registry registry;
  std::atomic<int> calls{0};
  c::Controller controller(
      {.name = "flaky", .workers = 2, .backoff = {1ms, 1s}, .registry = &registry},
      [&](const std::string& key) -> c::Result {
        const int n = ++calls;
        if (n == 1) throw std::runtime_error("boom on " + key);
        if (n == 2) throw 42;  // not even a std::exception
        if (n == 3) throw std::runtime_error("boom again");
        return {};
      });
  controller.start();
  controller.enqueue("ns/flaky", "test");
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "flaky", "success") == 1; }));
  controller.stop();
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(reconciles(registry, "flaky", "error"), 3);
  EXPECT_EQ(errors(registry, "flaky"), 3);
  EXPECT_EQ(controller.queue().num_requeues("ns/flaky"), 0u);  // forgotten after the success
  const auto text = logs.text();
  EXPECT_THAT(text, HasSubstr("controller flaky: reconcile of ns/flaky failed: boom on ns/flaky"));
  EXPECT_THAT(text, HasSubstr("reconcile of ns/flaky failed with a non-standard exception"));
}

TEST(Controller, ConflictsRequeueImmediatelyWithoutCountingAsErrors) {
  m::Registry registry;
  std::atomic<int> calls{0};
  // A huge backoff: if a conflict went through the rate limiter, the retry would never come.
  c::Controller controller(
      {.name = "conflicts", .workers = 1, .backoff = {1000s, 1000s}, .registry = &registry},
      [&](const std::string&) -> c::Result {
        if (++calls <= 3) throw conflict();
        return {};
      });
  controller.start();
  controller.enqueue("ns/x", "test");
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "conflicts", "success") == 1; }));
  controller.stop();
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(reconciles(registry, "conflicts", "requeue"), 3);
  EXPECT_EQ(reconciles(registry, "conflicts", "error"), 0);
  EXPECT_EQ(errors(registry, "conflicts"), 0);
}

TEST(Controller, EndlessConflictsFallBackToBackoff) {
  m::Registry registry;
  std::atomic<int> calls{0};
  c::Controller controller({.name = "stuck",
                            .workers = 1,
                            .backoff = {1000s, 1000s},
                            .registry = &registry,
                            .immediate_conflict_retries = 2},
                           [&](const std::string&) -> c::Result {
                             ++calls;
                             throw conflict();
                           });
  controller.start();
  controller.enqueue("ns/x", "test");
  ASSERT_TRUE(eventually([&] { return controller.queue().num_requeues("ns/x") == 1; }));
  // 1 first try + 2 immediate retries, then the key waits out its (huge) backoff.
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(errors(registry, "stuck"), 0);
  controller.stop();
}

TEST(Controller, RequeueAfterComesBackAfterTheDelay) {
  m::Registry registry;
  std::mutex mutex;
  std::vector<Clock::time_point> calls;
  c::Controller controller({.name = "later", .workers = 2, .registry = &registry},
                           [&](const std::string&) -> c::Result {
                             std::lock_guard lock(mutex);
                             calls.push_back(Clock::now());
                             if (calls.size() == 1) return {false, 150ms};
                             return {};
                           });
  controller.start();
  controller.enqueue("ns/later", "test");
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "later", "success") == 1; }));
  controller.stop();
  std::lock_guard lock(mutex);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1] - calls[0], 150ms);
  EXPECT_EQ(reconciles(registry, "later", "requeue_after"), 1);
  EXPECT_EQ(errors(registry, "later"), 0);
}

TEST(Controller, RequeueUsesTheBackoff) {
  m::Registry registry;
  std::atomic<int> calls{0};
  c::Controller controller({.name = "again", .workers = 1, .backoff = {1ms, 1s}, .registry = &registry},
                           [&](const std::string&) -> c::Result {
                             return {++calls < 3, {}};
                           });
  controller.start();
  controller.enqueue("ns/a", "test");
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "again", "success") == 1; }));
  controller.stop();
  EXPECT_EQ(reconciles(registry, "again", "requeue"), 2);
  EXPECT_EQ(metric(registry, "workqueue_retries_total", {{"name", "again"}}), 2);
}

TEST(Controller, NeverReconcilesOneKeyConcurrently) {
  std::mutex mutex;
  std::set<std::string> in_flight;
  std::atomic<int> overlaps{0};
  std::atomic<int> calls{0};
  c::Controller controller({.name = "overlap", .workers = 6},
                           [&](const std::string& key) -> c::Result {
                             {
                               std::lock_guard lock(mutex);
                               if (!in_flight.insert(key).second) ++overlaps;
                             }
                             std::this_thread::sleep_for(100us);  // widens an overlap window
                             {
                               std::lock_guard lock(mutex);
                               in_flight.erase(key);
                             }
                             ++calls;
                             return {};
                           });
  controller.start();
  const auto give_up = Clock::now() + 60s;
  for (int i = 0; calls.load() < 1500 && Clock::now() < give_up; ++i) {
    controller.enqueue("ns/k" + std::to_string(i % 5), "test");
  }
  controller.stop();
  EXPECT_GE(calls.load(), 1500);
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(Controller, StopDrainsRunningReconcilesAndDropsQueuedKeys) {
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  std::atomic<int> finished{0};
  std::atomic<int> started{0};
  c::Controller controller({.name = "drain", .workers = 1}, [&](const std::string&) -> c::Result {
    if (++started == 1) {
      entered.set_value();
      release_future.wait();
    }
    ++finished;
    return {};
  });
  controller.start();
  controller.enqueue("ns/slow", "test");
  ASSERT_EQ(entered.get_future().wait_for(30s), std::future_status::ready);
  controller.enqueue("ns/queued", "test");  // waits behind the single worker
  auto stopped = std::async(std::launch::async, [&] { controller.stop(); });
  EXPECT_EQ(stopped.wait_for(100ms), std::future_status::timeout);  // still draining
  release.set_value();
  ASSERT_EQ(stopped.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(finished.load(), 1);  // the running one finished; the queued one never started
  EXPECT_EQ(started.load(), 1);
}

TEST(Controller, LogsTheReasonsAKeyWasQueuedFor) {
  LogCapture logs;
  std::atomic<int> calls{0};
  c::Controller controller({.name = "why", .workers = 1}, [&](const std::string&) -> c::Result {
    ++calls;
    return {};
  });
  controller.enqueue("ns/a", "watch Modified");
  controller.enqueue("ns/a", "owned Pod changed");
  controller.enqueue("ns/a", "watch Modified");  // duplicates are listed once
  controller.start();
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  controller.stop();
  EXPECT_THAT(logs.text(),
              HasSubstr("controller why: reconciling ns/a (reasons: watch Modified, owned Pod changed)"));
}

TEST(Controller, ReportsActiveAndMaximumWorkers) {
  m::Registry registry;
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  std::atomic<bool> first{true};
  c::Controller controller({.name = "gauges", .workers = 3, .registry = &registry},
                           [&](const std::string&) -> c::Result {
                             if (first.exchange(false)) {
                               entered.set_value();
                               release_future.wait();
                             }
                             return {};
                           });
  EXPECT_EQ(metric(registry, "controller_runtime_max_concurrent_reconciles",
                   {{"controller", "gauges"}}), 3);
  controller.start();
  controller.enqueue("ns/a", "test");
  ASSERT_EQ(entered.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(metric(registry, "controller_runtime_active_workers", {{"controller", "gauges"}}), 1);
  release.set_value();
  ASSERT_TRUE(eventually([&] { return reconciles(registry, "gauges", "success") == 1; }));
  EXPECT_EQ(metric(registry, "controller_runtime_active_workers", {{"controller", "gauges"}}), 0);
  controller.stop();
}

TEST(Controller, EmptyKeysAreIgnoredWithAWarning) {
  LogCapture logs;
  std::atomic<int> calls{0};
  c::Controller controller({.name = "empty", .workers = 1}, [&](const std::string&) -> c::Result {
    ++calls;
    return {};
  });
  controller.enqueue("", "bad watch event");
  controller.enqueue_after("", 1ms, "bad watch event");
  EXPECT_EQ(controller.queue().len(), 0u);
  EXPECT_THAT(logs.text(), HasSubstr("ignoring an empty key (reason: bad watch event)"));
}
