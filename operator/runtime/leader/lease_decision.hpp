// The leader-election decision, as a pure function (client-go's tryAcquireOrRenew logic).
//
// Expiry is judged on the LOCAL monotonic clock: a lease counts as held while the record we
// observed has not changed for less than its leaseDurationSeconds. Comparing the holder's
// renewTime with our wall clock would make the election depend on clock skew between nodes.
//
// When a change is seen, the renewal happened some time since our previous read. client-go
// dates it at the read that saw it (the latest possible moment), so a successor takes over up
// to one retry period later than needed. We date it at the previous read (the earliest possible
// moment), but never earlier than max_read_gap() before the read that saw it, so a stalled
// reader cannot make a fresh renewal look old. That is at most max_read_gap() early, and it
// stays safe because a leader that cannot renew stops leading at renew_deadline, which
// validate() keeps below lease_duration - max_read_gap().
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
// the server in lockstep. Their reads are therefore at most retry_period + kRetryJitter apart.
inline constexpr std::chrono::milliseconds kRetryJitter{200};

// The longest gap between two reads of an on-schedule follower.
inline std::chrono::milliseconds max_read_gap(const ElectionTiming& timing) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(timing.retry_period) + kRetryJitter;
}

// What an elector remembers about the lease between attempts.
struct Observation {
  std::optional<LeaseRecord> record;  // nullopt before the first read
  SteadyTime observed_at{};           // earliest moment `record` can have been written
  SteadyTime read_at{};               // when we last read it
};

// Folds a read made at `now` into the observation: observed_at moves only when the record
// changed (to the previous read, at most `max_gap` before now; to `now` on a first read), so a
// holder that stops renewing ages out even though we keep reading its record.
Observation observe(const Observation& previous, const LeaseRecord& current, SteadyTime now,
                    std::chrono::milliseconds max_gap);

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

// The longest one acquire/renew attempt can take (a GET and an update, each allowed a connect
// and a request timeout of half a retry period; the elector configures its client so).
std::chrono::milliseconds attempt_budget(const ElectionTiming& timing);

struct NextAttempt {
  SteadyTime at;
  bool step_down = false;  // at `at`, stop leading instead of attempting
};

// When to try next, after an attempt that ended at `now`.
// - A leader retries every retry period, but never starts an attempt that could still be running
//   at its renew deadline (last_renew + renew_deadline): it then waits for the deadline and steps
//   down, so it has stopped leading before anyone can take the lease over.
// - A follower retries every retry period (+jitter), or exactly when the holder's lease runs out
//   if that comes sooner, so a dead leader is replaced when its lease ends, not up to a retry
//   period later.
NextAttempt next_attempt(bool leading, SteadyTime now, SteadyTime last_renew,
                         const Observation& observation, const ElectionTiming& timing,
                         std::chrono::milliseconds jitter);

}  // namespace redraft::runtime::leader
