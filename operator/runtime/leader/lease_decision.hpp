// The leader-election decision, as a pure function (client-go's tryAcquireOrRenew logic).
//
// Expiry is judged on the LOCAL monotonic clock: a lease counts as held while the record we
// observed has not changed for less than its leaseDurationSeconds. Comparing the holder's
// renewTime with our wall clock would make the election depend on clock skew between nodes.
//
// When a change is seen, the renewal happened after the server answered our previous read, so
// after we SENT that read, and before we RECEIVED this one. client-go dates it at the read that
// saw it (the latest possible moment), so a successor takes over up to one retry period later
// than needed. We date it at the previous read's send time (the earliest possible moment), but
// never earlier than max_read_gap() before the response that showed it — so the dating is at
// most max_read_gap() early, however slow the reads were. That is safe because a leader stops
// leading at its renew deadline whatever its requests are doing, and validate() keeps
// renew_deadline + max_read_gap() below lease_duration.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "operator/runtime/events/k8s_time.hpp"
#include "operator/runtime/leader/lease_record.hpp"

namespace redraft::runtime::leader {

using SteadyTime = std::chrono::steady_clock::time_point;

struct ElectionTiming {
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// Followers add up to this much random delay to each retry, so competing candidates do not hit
// the server in lockstep.
inline constexpr std::chrono::milliseconds kRetryJitter{200};

// How far back from the response that shows a change we may date the change: an on-schedule
// follower sends its reads a retry period plus jitter apart, and a read takes some time; a
// quarter of a retry period is allowed for that. A slower read (a stalled or starved follower)
// only makes the dating later than necessary, never earlier than this window.
inline std::chrono::milliseconds max_read_gap(const ElectionTiming& timing) {
  const auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(timing.retry_period);
  return retry + kRetryJitter + retry / 4;
}

// What an elector remembers about the lease between attempts.
struct Observation {
  std::optional<LeaseRecord> record;  // nullopt before the first read
  SteadyTime observed_at{};           // earliest moment `record` can have been written
  SteadyTime read_at{};               // when we sent our latest read of it
};

// Folds a read (sent at `sent`, answered at `received`) into the observation: observed_at moves
// only when the record changed — to the previous read's send time, but no earlier than
// `max_gap` before `received`; on a first read to `received` — so a holder that stops renewing
// ages out even though we keep reading its record.
Observation observe(const Observation& previous, const LeaseRecord& current, SteadyTime sent,
                    SteadyTime received, std::chrono::milliseconds max_gap);

enum class Action {
  Acquire,  // take the lease (free, released, or expired): write `record`
  Renew,    // we hold it: write `record` with a fresh renewTime
  Wait,     // someone else holds a live lease
};

struct Decision {
  Action action = Action::Wait;
  LeaseRecord record;  // what to write for Acquire/Renew
};

// `current` is the lease as just read (nullopt when it does not exist: Acquire by creating it).
Decision decide(const std::optional<LeaseRecord>& current, const Observation& observation,
                SteadyTime now, WallTime wall_now, const std::string& identity,
                const ElectionTiming& timing);

// The record to write when giving the lease up on a clean shutdown: nobody holds it, and the
// 1 s duration makes electors that ignore an empty holder still take over almost at once.
LeaseRecord released_record(const LeaseRecord& held, WallTime wall_now);

bool lease_expired(const Observation& observation, SteadyTime now, const ElectionTiming& timing);

// When the observed lease runs out (time_point::min() when nothing was observed).
SteadyTime lease_expiry(const Observation& observation, const ElectionTiming& timing);

struct NextAttempt {
  SteadyTime at;
  bool step_down = false;  // at `at`, stop leading instead of attempting
};

// When to try next, after an attempt that ended at `now`.
// - A leader retries every retry period until its renew deadline (last_renew + renew_deadline),
//   where it steps down. (The elector also steps down at the deadline while an attempt is still
//   running: see LeaderElector::run.)
// - A follower retries every retry period (+jitter), or exactly when the holder's lease runs out
//   if that comes sooner, so a dead leader is replaced when its lease ends, not up to a retry
//   period later.
NextAttempt next_attempt(bool leading, SteadyTime now, SteadyTime last_renew,
                         const Observation& observation, const ElectionTiming& timing,
                         std::chrono::milliseconds jitter);

}  // namespace redraft::runtime::leader
