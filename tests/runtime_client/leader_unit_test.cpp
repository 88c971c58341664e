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
  const Observation obs = observe({}, mine, t0);
  const auto d = decide(mine, obs, t0 + 2s, wall0 + 2s, "me", {});
  EXPECT_EQ(d.action, Action::Renew);
  EXPECT_EQ(d.record.acquire_time, "2026-11-21T11:00:00.000000Z");
  EXPECT_EQ(d.record.renew_time, "2026-11-21T12:00:02.000000Z");
  EXPECT_EQ(d.record.lease_transitions, 4);
}

TEST(LeaseDecision, LiveForeignLeaseMeansWaitUntilItStopsChangingForItsDuration) {
  Observation obs = observe({}, held_by("other"), t0);
  EXPECT_EQ(decide(held_by("other"), obs, t0 + 14s, wall0, "me", {}).action, Action::Wait);
  // The holder renews at t0+10s: the clock restarts from when WE saw the change.
  LeaseRecord renewed = held_by("other");
  renewed.renew_time = "2026-11-21T12:00:10.000000Z";
  obs = observe(obs, renewed, t0 + 10s);
  EXPECT_EQ(obs.observed_at, t0 + 10s);
  EXPECT_EQ(decide(renewed, obs, t0 + 20s, wall0, "me", {}).action, Action::Wait);
  // Unchanged reads do not refresh the observation.
  obs = observe(obs, renewed, t0 + 20s);
  EXPECT_EQ(obs.observed_at, t0 + 10s);
  const auto d = decide(renewed, obs, t0 + 25s, wall0, "me", {});
  EXPECT_EQ(d.action, Action::Acquire);
  EXPECT_EQ(d.record.holder_identity, "me");
  EXPECT_EQ(d.record.lease_transitions, 1);
}

TEST(LeaseDecision, ReleasedLeaseIsTakenImmediately) {
  const LeaseRecord released = released_record(held_by("other", 2), wall0);
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
  EXPECT_EQ(released.lease_transitions, 2);
  const Observation obs = observe({}, released, t0);
  const auto d = decide(released, obs, t0, wall0, "me", {});
  EXPECT_EQ(d.action, Action::Acquire);
  EXPECT_EQ(d.record.lease_transitions, 3);
}

TEST(LeaseDecision, HolderDurationWinsOverOurs) {
  LeaseRecord short_lease = held_by("other");
  short_lease.lease_duration_seconds = 3;
  const Observation obs = observe({}, short_lease, t0);
  EXPECT_EQ(decide(short_lease, obs, t0 + 2s, wall0, "me", {}).action, Action::Wait);
  EXPECT_EQ(decide(short_lease, obs, t0 + 3s, wall0, "me", {}).action, Action::Acquire);
}

TEST(LeaderElectorOptionsTest, ValidationNamesTheField) {
  LeaderElectorOptions ok{"ns", "lease", "me", {}, true};
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
              testing::ThrowsMessage<std::invalid_argument>(testing::HasSubstr("renew deadline")));
  EXPECT_NE(default_identity(), default_identity());
}
