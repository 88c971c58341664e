#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exposition_parser.hpp"
#include "operator/runtime/metrics/exposition.hpp"
#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"
#include "operator/runtime/queue/work_queue.hpp"

namespace m = redraft::runtime::metrics;
using redraft::testing::parse_exposition;
using redraft::testing::sample_value;
using ::testing::HasSubstr;

namespace {

template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace

// --- the strict parser itself must reject broken documents, or the other tests prove nothing.
TEST(ExpositionParser, RejectsMalformedDocuments) {
  const std::vector<std::string> bad = {
      "x 1\n",                                                   // no HELP/TYPE
      "# HELP x h\nx 1\n",                                       // no TYPE
      "# TYPE x counter\n# HELP x h\nx 1\n",                     // TYPE before HELP
      "# HELP x h\n# TYPE x counter\nx{a=\"b} 1\n",              // unterminated label value
      "# HELP x h\n# TYPE x counter\nx{a=\"\\t\"} 1\n",          // invalid escape
      "# HELP x h\n# TYPE x counter\nx 1\nx 2\n",                // duplicate series
      "# HELP x h\n# TYPE x counter\nx -1\n",                    // negative counter
      "# HELP x h\n# TYPE x counter\nx abc\n",                   // bad value
      "# HELP x h\n# TYPE x counter\ny 1\n",                     // sample outside family
      "# HELP x h\n# TYPE x gauge\nx 1",                         // no trailing newline
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n",                                    // not cumulative
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  // count
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",  // no _sum
  };
  for (const auto& doc : bad) {
    EXPECT_THROW(parse_exposition(doc), std::runtime_error) << doc;
  }
  EXPECT_NO_THROW(parse_exposition("# HELP x h\n# TYPE x gauge\nx{a=\"q\\\"\\\\\\n\"} -1.5e-3\n"));
}

TEST(Exposition, EscapesHelpAndLabelValues) {
  EXPECT_EQ(m::escape_help("a\\b\nc\"d"), "a\\\\b\\nc\"d");
  EXPECT_EQ(m::escape_label_value("a\\b\nc\"d"), "a\\\\b\\nc\\\"d");
}

TEST(Exposition, FormatsValues) {
  EXPECT_EQ(m::format_value(1), "1");
  EXPECT_EQ(m::format_value(0.25), "0.25");
  EXPECT_EQ(m::format_value(-3), "-3");
  EXPECT_EQ(m::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(m::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(m::format_value(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(m::format_value(0.1 + 0.2)), 0.1 + 0.2);  // round-trips exactly
}

TEST(Exposition, RendersAllTypesAsValidText) {
  m::Registry registry;
  registry.counter("requests_total", "Requests.\nSecond line with \\ backslash", {"path", "code"})
      .with({"/a\"b\\c\nd", "200"})
      .inc(3);
  registry.gauge("temperature", "Current temperature").with({}).set(-1.5);
  auto& h = registry.histogram("latency_seconds", "Latency", {"op"}, {0.1, 0.5, 1});
  h.with({"get"}).observe(0.1);   // exactly on a bound: counts in le="0.1"
  h.with({"get"}).observe(0.3);
  h.with({"get"}).observe(7);     // only in +Inf
  h.with({"put"});                // a series with no observations is still complete

  const std::string text = m::render_text(registry);
  const auto families = parse_exposition(text);  // throws on any format violation

  ASSERT_TRUE(families.contains("requests_total"));
  EXPECT_EQ(families.at("requests_total").type, "counter");
  EXPECT_EQ(families.at("requests_total").help, "Requests.\nSecond line with \\ backslash");
  EXPECT_EQ(sample_value(families, "requests_total", {{"path", "/a\"b\\c\nd"}, {"code", "200"}}), 3);
  EXPECT_EQ(sample_value(families, "temperature", {}), -1.5);
  EXPECT_EQ(families.at("latency_seconds").type, "histogram");
  EXPECT_EQ(sample_value(families, "latency_seconds_bucket", {{"op", "get"}, {"le", "0.1"}}), 1);
  EXPECT_EQ(sample_value(families, "latency_seconds_bucket", {{"op", "get"}, {"le", "0.5"}}), 2);
  EXPECT_EQ(sample_value(families, "latency_seconds_bucket", {{"op", "get"}, {"le", "1"}}), 2);
  EXPECT_EQ(sample_value(families, "latency_seconds_bucket", {{"op", "get"}, {"le", "+Inf"}}), 3);
  EXPECT_DOUBLE_EQ(sample_value(families, "latency_seconds_sum", {{"op", "get"}}), 7.4);
  EXPECT_EQ(sample_value(families, "latency_seconds_count", {{"op", "get"}}), 3);
  EXPECT_EQ(sample_value(families, "latency_seconds_count", {{"op", "put"}}), 0);
  EXPECT_THAT(text, HasSubstr("# TYPE latency_seconds histogram\n"));
}

TEST(Registry, CounterRejectsNegativeIncrements) {
  m::Registry registry;
  auto& c = registry.counter("c_total", "c").with({});
  c.inc();
  c.inc(2.5);
  EXPECT_EQ(c.value(), 3.5);
  EXPECT_THROW(c.inc(-1), std::invalid_argument);
  EXPECT_THROW(c.inc(std::nan("")), std::invalid_argument);
  EXPECT_EQ(c.value(), 3.5);
}

TEST(Registry, GaugeMovesBothWays) {
  m::Registry registry;
  auto& g = registry.gauge("g", "g", {"k"}).with({"v"});
  g.set(10);
  g.inc(2);
  g.dec(5);
  EXPECT_EQ(g.value(), 7);
}

TEST(Registry, InvalidNamesAndLabelsAreRejectedByName) {
  m::Registry registry;
  EXPECT_THAT(error_of([&] { registry.counter("1bad", "h"); }), HasSubstr("\"1bad\""));
  EXPECT_THAT(error_of([&] { registry.counter("bad-name", "h"); }), HasSubstr("\"bad-name\""));
  EXPECT_THAT(error_of([&] { registry.counter("ok", "h", {"__reserved"}); }), HasSubstr("__reserved"));
  EXPECT_THAT(error_of([&] { registry.counter("ok2", "h", {"a", "a"}); }), HasSubstr("duplicate"));
  EXPECT_THAT(error_of([&] { registry.histogram("h", "h", {"le"}, {1}); }), HasSubstr("\"le\""));
  EXPECT_THAT(error_of([&] { registry.histogram("h2", "h", {}, {2, 1}); }),
              HasSubstr("strictly increasing"));
  auto& family = registry.counter("good_total", "h", {"a", "b"});
  EXPECT_THAT(error_of([&] { family.with({"only-one"}); }),
              HasSubstr("good_total expects 2 label values, got 1"));
  EXPECT_TRUE(m::is_valid_metric_name("ns:sub_name_1"));
  EXPECT_FALSE(m::is_valid_label_name("with:colon"));
}

TEST(Registry, RegistrationIsIdempotentAndShapeChecked) {
  m::Registry registry;
  auto& a = registry.counter("x_total", "x", {"k"});
  auto& b = registry.counter("x_total", "x", {"k"});
  EXPECT_EQ(&a, &b);
  a.with({"1"}).inc();
  EXPECT_EQ(b.with({"1"}).value(), 1);
  EXPECT_THAT(error_of([&] { registry.gauge("x_total", "x", {"k"}); }), HasSubstr("x_total"));
  EXPECT_THROW(registry.counter("x_total", "x", {"other"}), std::invalid_argument);
  registry.histogram("h", "h", {}, {1, 2});
  EXPECT_THROW(registry.histogram("h", "h", {}, {1, 3}), std::invalid_argument);
}

TEST(Registry, ConcurrentUpdatesAreNotLost) {
  m::Registry registry;
  auto& c = registry.counter("c_total", "c", {"t"});
  auto& h = registry.histogram("h", "h", {}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.with({"x"}).inc();
        h.with({}).observe(i % 2 ? 0.25 : 0.75);
      }
    });
  }
  // Scrape while writers run: every snapshot must stay internally consistent.
  for (int i = 0; i < 20; ++i) {
    EXPECT_NO_THROW(parse_exposition(m::render_text(registry)));
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.with({"x"}).value(), 40000);
  const auto snap = h.with({}).snapshot();
  EXPECT_EQ(snap.count, 40000u);
  EXPECT_EQ(snap.cumulative_counts.front(), 20000u);
}

TEST(RuntimeMetrics, ReconcileSeriesUseControllerRuntimeNames) {
  m::Registry registry;
  m::ReconcileMetrics r(registry, "workload");
  r.result(m::reconcile_result::kSuccess);
  r.result(m::reconcile_result::kError);
  r.error();
  r.duration(0.02);
  const auto families = parse_exposition(m::render_text(registry));
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_total",
                         {{"controller", "workload"}, {"result", "success"}}), 1);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_total",
                         {{"controller", "workload"}, {"result", "requeue_after"}}), 0);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_errors_total",
                         {{"controller", "workload"}}), 1);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_time_seconds_count",
                         {{"controller", "workload"}}), 1);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_time_seconds_bucket",
                         {{"controller", "workload"}, {"le", "0.025"}}), 1);
}

TEST(RuntimeMetrics, RestClientObserverCountsByCodeMethodHost) {
  m::Registry registry;
  auto observe = m::rest_client_observer(registry);
  observe("GET", "127.0.0.1:6443", 200, 0.01);
  observe("GET", "127.0.0.1:6443", 200, 0.02);
  observe("PUT", "127.0.0.1:6443", 409, 0.01);
  observe("GET", "127.0.0.1:6443", 0, 1.5);  // no HTTP answer at all
  const auto families = parse_exposition(m::render_text(registry));
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "200"}, {"method", "GET"}, {"host", "127.0.0.1:6443"}}), 2);
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "409"}, {"method", "PUT"}, {"host", "127.0.0.1:6443"}}), 1);
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "<error>"}, {"method", "GET"}, {"host", "127.0.0.1:6443"}}), 1);
  EXPECT_EQ(sample_value(families, "rest_client_request_duration_seconds_count",
                         {{"verb", "GET"}, {"host", "127.0.0.1:6443"}}), 3);
}

TEST(RuntimeMetrics, CacheGaugeIsSetByItsOwner) {
  m::Registry registry;
  m::cache_objects_gauge(registry, "agentictasks.redraft.dev").set(42);
  const auto families = parse_exposition(m::render_text(registry));
  EXPECT_EQ(sample_value(families, "redraft_cache_objects", {{"resource", "agentictasks.redraft.dev"}}),
            42);
}

TEST(RuntimeMetrics, WorkqueueObserverFeedsWorkqueueSeries) {
  m::Registry registry;
  redraft::runtime::queue::WorkQueue queue({}, m::workqueue_observer(registry, "tasks"));
  queue.add("a");
  queue.add("b");
  queue.add("a");  // collapses: not a new add
  auto key = queue.get();
  ASSERT_TRUE(key);
  queue.done(*key);
  queue.add_rate_limited("c");
  const auto families = parse_exposition(m::render_text(registry));
  EXPECT_EQ(sample_value(families, "workqueue_adds_total", {{"name", "tasks"}}), 2);
  EXPECT_EQ(sample_value(families, "workqueue_depth", {{"name", "tasks"}}), 1);
  EXPECT_EQ(sample_value(families, "workqueue_retries_total", {{"name", "tasks"}}), 1);
  EXPECT_EQ(sample_value(families, "workqueue_queue_duration_seconds_count", {{"name", "tasks"}}), 1);
  EXPECT_EQ(sample_value(families, "workqueue_work_duration_seconds_count", {{"name", "tasks"}}), 1);
}

// The operator runs one controller of a kind per watched namespace under one name: their queue
// depths must add up, and an emptied queue must not wipe out the other's depth.
TEST(RuntimeMetrics, QueuesSharingANameAddUpTheirDepths) {
  m::Registry registry;
  redraft::runtime::queue::WorkQueue first({}, m::workqueue_observer(registry, "workload"));
  redraft::runtime::queue::WorkQueue second({}, m::workqueue_observer(registry, "workload"));
  first.add("ns-a/x");
  first.add("ns-a/y");
  second.add("ns-b/z");
  auto depth = [&] {
    return sample_value(parse_exposition(m::render_text(registry)), "workqueue_depth",
                        {{"name", "workload"}});
  };
  EXPECT_EQ(depth(), 3);
  auto key = second.get();
  ASSERT_TRUE(key);
  second.done(*key);
  EXPECT_EQ(depth(), 2);
}
