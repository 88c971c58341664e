#include "operator/runtime/leader/lease_decision.hpp"

#include <algorithm>

namespace redraft::runtime::leader {

Observation observe(const Observation& previous, const LeaseRecord& current, SteadyTime sent,
                    SteadyTime received, std::chrono::milliseconds max_gap) {
  if (previous.record && *previous.record == current) {
    Observation unchanged = previous;
    unchanged.read_at = sent;
    return unchanged;
  }
  if (!previous.record) return Observation{current, received, sent};
  return Observation{current, std::max(previous.read_at, received - max_gap), sent};
}

SteadyTime lease_expiry(const Observation& observation, const ElectionTiming& timing) {
  if (!observation.record) return SteadyTime::min();
  // The holder's declared duration wins (it is the promise the holder made); fall back to ours
  // when a foreign writer left it unset.
  const auto duration = observation.record->lease_duration_seconds > 0
                            ? std::chrono::seconds(observation.record->lease_duration_seconds)
                            : timing.lease_duration;
  return observation.observed_at + duration;
}

bool lease_expired(const Observation& observation, SteadyTime now, const ElectionTiming& timing) {
  return lease_expiry(observation, timing) <= now;
}

NextAttempt next_attempt(bool leading, SteadyTime now, SteadyTime last_renew,
                         const Observation& observation, const ElectionTiming& timing,
                         std::chrono::milliseconds jitter) {
  if (leading) {
    const SteadyTime deadline = last_renew + timing.renew_deadline;
    const SteadyTime at = now + timing.retry_period;
    if (at >= deadline) return {std::max(now, deadline), true};
    return {at, false};
  }
  SteadyTime at = now + timing.retry_period + jitter;
  const bool held_by_other = observation.record && !observation.record->holder_identity.empty();
  if (held_by_other) {
    const SteadyTime expiry = lease_expiry(observation, timing);
    if (expiry > now && expiry < at) at = expiry;
  }
  return {at, false};
}

Decision decide(const std::optional<LeaseRecord>& current, const Observation& observation,
                SteadyTime now, WallTime wall_now, const std::string& identity,
                const ElectionTiming& timing) {
  const std::string stamp = format_micro_time(wall_now);
  LeaseRecord mine;
  mine.holder_identity = identity;
  mine.lease_duration_seconds = timing.lease_duration.count();
  mine.renew_time = stamp;

  if (!current) {
    mine.acquire_time = stamp;
    return {Action::Acquire, mine};
  }
  if (current->holder_identity == identity) {
    mine.acquire_time = current->acquire_time.empty() ? stamp : current->acquire_time;
    mine.lease_transitions = current->lease_transitions;
    return {Action::Renew, mine};
  }
  if (!current->holder_identity.empty() && !lease_expired(observation, now, timing)) {
    return {Action::Wait, {}};
  }
  mine.acquire_time = stamp;
  mine.lease_transitions = current->lease_transitions + 1;
  return {Action::Acquire, mine};
}

LeaseRecord released_record(const LeaseRecord& held, WallTime wall_now) {
  LeaseRecord out = held;
  out.holder_identity.clear();
  out.lease_duration_seconds = 1;
  out.renew_time = format_micro_time(wall_now);
  return out;
}

}  // namespace redraft::runtime::leader
