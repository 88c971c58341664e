// Pure parts of leader election: the Lease record codec and the acquire/renew/wait decision.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "operator/runtime/leader/leader_elector.hpp"
#include "operator/runtime/leader/lease_decision.hpp"
#include "operator/runtime/leader/lease_record.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::leader;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
const SteadyTime t0 = SteadyTime{} + 1000s;
const WallTime wall0 = WallTime(std::chrono::seconds(1795262400));
LeaseRecord held_by(const std::string& who, std::int64_t transitions = 0) {
  return LeaseRecord{who, 15, "2026-11-21T12:00:00.000000Z", "2026-11-21T12:00:00.000000Z",
                     transitions};
}
}  // namespace

TEST(LeaseRecordTest, RoundTripsThroughTheLeaseSpec) {
  json lease = {{"metadata", {{"name", "l"}}}, {"spec", {{"preferredHolder", "x"}}}};
  const LeaseRecord r = held_by("a", 3);
  apply_lease_record(lease, r);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["spec"]["preferredHolder"], "x");  // foreign fields survive
  EXPECT_EQ(lease_record_from(lease), r);
  EXPECT_EQ(lease_record_from(json{{"spec", {{"holderIdentity", 5}}}}), LeaseRecord{});
  EXPECT_EQ(lease_record_from(json("garbage")), LeaseRecord{});
}

TEST(LeaseDecision, MissingLeaseIsAcquiredByCreating) {
  const auto d = decide(std::nullopt, {}, t0, wall0, "me", {});
  EXPECT_EQ(d.action, Action::Acquire);
  EXPECT_EQ(d.record.holder_identity, "me");
  EXPECT_EQ(d.record.lease_duration_seconds, 15);
  EXPECT_EQ(d.record.acquire_time, "2026-11-21T12:00:00.000000Z");
  EXPECT_EQ(d.record.lease_transitions, 0);
}

TEST(LeaseDecision, OwnLeaseIsRenewedKeepingAcquireTimeAndTransitions) {
  LeaseRecord mine = held_by("me", 4);
  mine.acquire_time = "2026-11-21T11:00:00.000000Z";
  const Observation obs = observe({}, mine, t0, t0, 2700ms);
  const auto d = decide(mine, obs, t0 + 2s, wall0 + 2s, "me", {});
  EXPECT_EQ(d.action, Action::Renew);
  EXPECT_EQ(d.record.acquire_time, "2026-11-21T11:00:00.000000Z");
  EXPECT_EQ(d.record.renew_time, "2026-11-21T12:00:02.000000Z");
  EXPECT_EQ(d.record.lease_transitions, 4);
}

TEST(LeaseDecision, LiveForeignLeaseMeansWaitUntilItStopsChangingForItsDuration) {
  Observation obs = observe({}, held_by("other"), t0, t0, 2700ms);
  EXPECT_EQ(obs.observed_at, t0) << "a first read dates the record at the read";
  EXPECT_EQ(decide(held_by("other"), obs, t0 + 14s, wall0, "me", {}).action, Action::Wait);
  // Reads every 2 s; the holder renews between our reads at t0+8s and t0+10s: the renewal is
  // dated at the earlier read, the earliest moment it can have happened.
  obs = observe(obs, held_by("other"), t0 + 8s, t0 + 8s, 2700ms);
  EXPECT_EQ(obs.observed_at, t0);
  LeaseRecord renewed = held_by("other");
  renewed.renew_time = "2026-11-21T12:00:09.000000Z";
  obs = observe(obs, renewed, t0 + 10s, t0 + 10s, 2700ms);
  EXPECT_EQ(obs.observed_at, t0 + 8s);
  EXPECT_EQ(decide(renewed, obs, t0 + 22s, wall0, "me", {}).action, Action::Wait);
  // Unchanged reads do not refresh the observation.
  obs = observe(obs, renewed, t0 + 20s, t0 + 20s, 2700ms);
  EXPECT_EQ(obs.observed_at, t0 + 8s);
  EXPECT_EQ(lease_expiry(obs, {}), t0 + 23s);
  const auto d = decide(renewed, obs, t0 + 23s, wall0, "me", {});
  EXPECT_EQ(d.action, Action::Acquire);
  EXPECT_EQ(d.record.holder_identity, "me");
  EXPECT_EQ(d.record.lease_transitions, 1);
}

TEST(LeaseDecision, AChangeIsNeverDatedMoreThanTheReadGapBeforeTheResponseThatShowedIt) {
  // Our previous read was sent 9 s ago (a stalled process), or this read took 4 s to answer:
  // either way the change may have happened a moment before the response, so it is dated one
  // read gap (2.7 s) before the response, not back at the previous read.
  Observation obs = observe({}, held_by("other"), t0, t0, 2700ms);
  LeaseRecord renewed = held_by("other");
  renewed.renew_time = "2026-11-21T12:00:09.000000Z";
  Observation stalled = observe(obs, renewed, t0 + 9s, t0 + 9s, 2700ms);
  EXPECT_EQ(stalled.observed_at, t0 + 6300ms);
  EXPECT_EQ(stalled.read_at, t0 + 9s);
  obs = observe(obs, held_by("other"), t0 + 2s, t0 + 2100ms, 2700ms);
  EXPECT_EQ(obs.read_at, t0 + 2s) << "the send time is what bounds the next change";
  Observation slow = observe(obs, renewed, t0 + 4s, t0 + 8s, 2700ms);
  EXPECT_EQ(slow.observed_at, t0 + 5300ms);
  // A prompt read: the previous read's send time, the earliest the change can have happened.
  Observation prompt = observe(obs, renewed, t0 + 4s, t0 + 4050ms, 2700ms);
  EXPECT_EQ(prompt.observed_at, t0 + 2s);
  // A first read is dated at its response (we cannot know how old the record is).
  EXPECT_EQ(observe({}, renewed, t0, t0 + 1s, 2700ms).observed_at, t0 + 1s);
}

TEST(LeaseDecision, ReadGapCoversRetryJitterAndAQuarterRetryOfLatency) {
  EXPECT_EQ(max_read_gap({}), 2700ms);
}

TEST(LeaseSchedule, FollowerWakesWhenTheHoldersLeaseRunsOut) {
  Observation obs = observe({}, held_by("other"), t0, t0, 2700ms);  // expires at t0+15s
  // Far from expiry: the next retry tick (+jitter).
  NextAttempt next = next_attempt(false, t0 + 1s, {}, obs, {}, 150ms);
  EXPECT_EQ(next.at, t0 + 3s + 150ms);
  EXPECT_FALSE(next.step_down);
  // Expiry before the next tick: wake exactly at expiry.
  next = next_attempt(false, t0 + 14s, {}, obs, {}, 150ms);
  EXPECT_EQ(next.at, t0 + 15s);
  // An expired lease we failed to take (e.g. a conflict): back to the retry tick, no busy loop.
  next = next_attempt(false, t0 + 16s, {}, obs, {}, 0ms);
  EXPECT_EQ(next.at, t0 + 18s);
  // A released lease: the retry tick (the attempt itself takes it).
  const Observation released = observe({}, released_record(held_by("other"), wall0), t0, t0, 2700ms);
  EXPECT_EQ(next_attempt(false, t0, {}, released, {}, 0ms).at, t0 + 2s);
}

TEST(LeaseSchedule, LeaderRetriesUntilItsRenewDeadlineThenStepsDown) {
  const Observation none;
  const SteadyTime renewed = t0;
  // Just renewed: next renewal one retry period later.
  NextAttempt next = next_attempt(true, t0 + 100ms, renewed, none, {}, 0ms);
  EXPECT_EQ(next.at, t0 + 2100ms);
  EXPECT_FALSE(next.step_down);
  // Failed attempts: retry every period while that is before the deadline (t0+10s).
  next = next_attempt(true, t0 + 7900ms, renewed, none, {}, 0ms);
  EXPECT_EQ(next.at, t0 + 9900ms);
  EXPECT_FALSE(next.step_down);
  // The next retry would be at or after the deadline: step down at the deadline instead.
  next = next_attempt(true, t0 + 8s, renewed, none, {}, 0ms);
  EXPECT_EQ(next.at, t0 + 10s);
  EXPECT_TRUE(next.step_down);
  // An attempt that ended past the deadline: step down now.
  next = next_attempt(true, t0 + 11s, renewed, none, {}, 0ms);
  EXPECT_EQ(next.at, t0 + 11s);
  EXPECT_TRUE(next.step_down);
}

TEST(LeaseDecision, ReleasedLeaseIsTakenImmediately) {
  const LeaseRecord released = released_record(held_by("other", 2), wall0);
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
  EXPECT_EQ(released.lease_transitions, 2);
  const Observation obs = observe({}, released, t0, t0, 2700ms);
  const auto d = decide(released, obs, t0, wall0, "me", {});
  EXPECT_EQ(d.action, Action::Acquire);
  EXPECT_EQ(d.record.lease_transitions, 3);
}

TEST(LeaseDecision, HolderDurationWinsOverOurs) {
  LeaseRecord short_lease = held_by("other");
  short_lease.lease_duration_seconds = 3;
  const Observation obs = observe({}, short_lease, t0, t0, 2700ms);
  EXPECT_EQ(decide(short_lease, obs, t0 + 2s, wall0, "me", {}).action, Action::Wait);
  EXPECT_EQ(decide(short_lease, obs, t0 + 3s, wall0, "me", {}).action, Action::Acquire);
}

TEST(LeaderElectorOptionsTest, ValidationNamesTheField) {
  LeaderElectorOptions ok{"ns", "lease", "me", {}, true, {}};
  EXPECT_NO_THROW(validate(ok));
  auto bad = ok;
  bad.identity.clear();
  EXPECT_THAT([&] { validate(bad); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("identity")));
  bad = ok;
  bad.timing.renew_deadline = 20s;
  EXPECT_THAT([&] { validate(bad); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("lease duration (15s)")));
  bad = ok;
  bad.timing.retry_period = 10s;
  EXPECT_THAT([&] { validate(bad); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("renew deadline (10s)")));
  bad = ok;
  bad.timing.lease_duration = 12s;  // a follower may date a renewal one read gap (2.7 s) early
  EXPECT_THAT([&] { validate(bad); },
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("lease duration (12s)")));
  EXPECT_NE(default_identity(), default_identity());
}
