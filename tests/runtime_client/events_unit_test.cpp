// Pure parts of the event recorder: timestamps, references, aggregation and rate limiting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "operator/runtime/events/event_correlator.hpp"
#include "operator/runtime/events/event_recorder.hpp"
#include "operator/runtime/events/k8s_time.hpp"
#include "operator/runtime/events/object_reference.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::events;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
WallTime at(std::int64_t unix_seconds, std::int64_t micros = 0) {
  return WallTime(std::chrono::seconds(unix_seconds)) + std::chrono::microseconds(micros);
}
ObjectReference workload_ref(const std::string& name = "wl") {
  return ObjectReference{"redraft.dev/v1alpha1", "Workload", "team", name, "uid-1", "7", {}};
}
EventInput input(const std::string& reason, const std::string& message,
                 const std::string& name = "wl") {
  return EventInput{workload_ref(name), "Warning", reason, message};
}
}  // namespace

TEST(K8sTime, FormatsUtcSecondsAndMicros) {
  EXPECT_EQ(format_time(at(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(at(1795262400, 999999)), "2026-11-21T12:00:00Z");
  EXPECT_EQ(format_micro_time(at(1795262400, 42)), "2026-11-21T12:00:00.000042Z");
}

TEST(K8sTime, ParsesWhatItFormatsAndOffsets) {
  const auto t = at(1795262400, 123456);
  EXPECT_EQ(parse_time(format_micro_time(t)), t);
  EXPECT_EQ(parse_time("2026-11-21T12:00:00Z"), at(1795262400));
  EXPECT_EQ(parse_time("2026-11-21T14:00:00+02:00"), at(1795262400));
  EXPECT_EQ(parse_time("2026-11-21T12:00:00.5Z"), at(1795262400, 500000));
  EXPECT_FALSE(parse_time("2026-11-21 12:00:00Z"));
  EXPECT_FALSE(parse_time("2026-02-30T12:00:00Z"));
  EXPECT_FALSE(parse_time("2026-11-21T12:00:00"));
  EXPECT_FALSE(parse_time("2026-11-21T12:00:00Zjunk"));
  EXPECT_FALSE(parse_time(""));
}

TEST(ObjectReferenceTest, FromJsonAndTypedObjects) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "p"}, {"namespace", "n"}, {"uid", "u"}, {"resourceVersion", "9"}}}};
  EXPECT_EQ(reference_to(pod), (ObjectReference{"v1", "Pod", "n", "p", "u", "9", {}}));
  redraft::api::Workload wl;
  wl.metadata.name = "wl";
  wl.metadata.namespace_ = "team";
  wl.metadata.uid = "uid-1";
  wl.metadata.resourceVersion = "7";
  EXPECT_EQ(reference_to(wl), workload_ref());
  EXPECT_EQ(to_json(workload_ref()),
            (json{{"apiVersion", "redraft.dev/v1alpha1"}, {"kind", "Workload"}, {"namespace", "team"},
                  {"name", "wl"}, {"uid", "uid-1"}, {"resourceVersion", "7"}}));
}

TEST(EventInputValidation, NamesTheBadField) {
  EXPECT_NO_THROW(make_event_input(workload_ref(), "Normal", "TaskCreated", "ok"));
  EXPECT_THAT([] { make_event_input(workload_ref(), "Error", "X", ""); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("\"Error\"")));
  EXPECT_THAT([] { make_event_input(workload_ref(), "Normal", "", ""); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("reason")));
  EXPECT_THAT([] { make_event_input(ObjectReference{}, "Normal", "R", ""); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("regarding.name")));
}

TEST(EventInputValidation, LongMessagesAreCutOnAUtf8Boundary) {
  std::string message(kMaxMessageBytes - 1, 'a');
  message += "\xC3\xA9\xC3\xA9";  // "éé": the cut falls inside the first é
  const auto in = make_event_input(workload_ref(), "Normal", "R", message);
  EXPECT_EQ(in.message, std::string(kMaxMessageBytes - 1, 'a'));
}

TEST(EventDocument, HasInvolvedObjectCountAndTimestamps) {
  const Correlation c{Emit::Create, "wl.abc", 1, at(100), at(100)};
  const json doc = event_document(input("TaskFailed", "boom"), c, "redraft-operator", "pod-1");
  EXPECT_EQ(doc["metadata"]["name"], "wl.abc");
  EXPECT_EQ(doc["metadata"]["namespace"], "team");
  EXPECT_EQ(doc["involvedObject"]["kind"], "Workload");
  EXPECT_EQ(doc["involvedObject"]["uid"], "uid-1");
  EXPECT_EQ(doc["involvedObject"]["apiVersion"], "redraft.dev/v1alpha1");
  EXPECT_EQ(doc["involvedObject"]["resourceVersion"], "7");
  EXPECT_EQ(doc["count"], 1);
  EXPECT_EQ(doc["firstTimestamp"], "1970-01-01T00:01:40Z");
  EXPECT_EQ(doc["type"], "Warning");
  EXPECT_EQ(doc["source"]["component"], "redraft-operator");
  EXPECT_EQ(doc["reportingInstance"], "pod-1");

  EventInput cluster = input("R", "m");
  cluster.regarding.namespace_.clear();
  EXPECT_EQ(event_document(cluster, c, "x", "y")["metadata"]["namespace"], "default");
}

TEST(EventCorrelatorTest, IdenticalRepeatsBecomePatchesWithGrowingCount) {
  EventCorrelator correlator("redraft-operator");
  const auto mono = std::chrono::steady_clock::time_point{};
  const auto first = correlator.correlate(input("TaskFailed", "boom"), at(100), mono);
  EXPECT_EQ(first.emit, Emit::Create);
  EXPECT_EQ(first.count, 1);
  EXPECT_THAT(first.name, testing::StartsWith("wl."));
  for (int i = 2; i <= 4; ++i) {
    const auto again = correlator.correlate(input("TaskFailed", "boom"), at(100 + i), mono);
    EXPECT_EQ(again.emit, Emit::Patch);
    EXPECT_EQ(again.name, first.name);
    EXPECT_EQ(again.count, i);
    EXPECT_EQ(again.first, at(100));
    EXPECT_EQ(again.last, at(100 + i));
  }
  // A different message, reason or object is a different event.
  EXPECT_EQ(correlator.correlate(input("TaskFailed", "other"), at(200), mono).emit, Emit::Create);
  EXPECT_EQ(correlator.correlate(input("NoProgress", "boom"), at(200), mono).emit, Emit::Create);
  EXPECT_EQ(correlator.correlate(input("TaskFailed", "boom", "wl2"), at(200), mono).emit,
            Emit::Create);
}

TEST(EventCorrelatorTest, EventsInTheSameTickGetDistinctNames) {
  EventCorrelator correlator("c");
  const auto mono = std::chrono::steady_clock::time_point{};
  const auto a = correlator.correlate(input("A", "m"), at(5), mono);
  const auto b = correlator.correlate(input("B", "m"), at(5), mono);
  EXPECT_NE(a.name, b.name);
}

TEST(EventCorrelatorTest, RateLimitsPerObjectWithBurstThenRefill) {
  CorrelatorConfig config;
  config.burst = 3;
  config.refill_per_second = 1.0 / 10.0;  // one token per 10 s
  EventCorrelator correlator("c", config);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(correlator.correlate(input("R", std::to_string(i)), at(1), t0).emit, Emit::Drop);
  }
  EXPECT_EQ(correlator.correlate(input("R", "x"), at(1), t0).emit, Emit::Drop);
  // Another object has its own bucket.
  EXPECT_EQ(correlator.correlate(input("R", "x", "other"), at(1), t0).emit, Emit::Create);
  EXPECT_EQ(correlator.correlate(input("R", "x"), at(1), t0 + 5s).emit, Emit::Drop);
  EXPECT_EQ(correlator.correlate(input("R", "x"), at(1), t0 + 11s).emit, Emit::Create);
}

TEST(EventCorrelatorTest, MemoryIsBoundedLeastRecentlyUsedFirst) {
  CorrelatorConfig config;
  config.max_entries = 2;
  EventCorrelator correlator("c", config);
  const auto mono = std::chrono::steady_clock::time_point{};
  correlator.correlate(input("A", "m"), at(1), mono);
  correlator.correlate(input("B", "m"), at(2), mono);
  correlator.correlate(input("A", "m"), at(3), mono);  // A is now most recent
  correlator.correlate(input("C", "m"), at(4), mono);  // evicts B
  EXPECT_EQ(correlator.remembered(), 2u);
  EXPECT_EQ(correlator.correlate(input("A", "m"), at(5), mono).emit, Emit::Patch);
  EXPECT_EQ(correlator.correlate(input("B", "m"), at(6), mono).emit, Emit::Create);
}

TEST(EventCorrelatorTest, RecreateAfterAVanishedEventKeepsTheCount) {
  EventCorrelator correlator("c");
  const auto mono = std::chrono::steady_clock::time_point{};
  const auto first = correlator.correlate(input("A", "m"), at(1), mono);
  const auto patch = correlator.correlate(input("A", "m"), at(2), mono);
  const auto again = correlator.recreate(input("A", "m"), patch);
  EXPECT_EQ(again.emit, Emit::Create);
  EXPECT_NE(again.name, first.name);
  EXPECT_EQ(again.count, 2);
  const auto next = correlator.correlate(input("A", "m"), at(3), mono);
  EXPECT_EQ(next.emit, Emit::Patch);
  EXPECT_EQ(next.name, again.name);
  EXPECT_EQ(next.count, 3);
}
