// The leader-election decision, as a pure function (client-go's tryAcquireOrRenew logic).
//
// Expiry is judged on the LOCAL monotonic clock: a lease counts as held while the record we
// observed has not changed for less than its leaseDurationSeconds. Comparing the holder's
// renewTime with our wall clock would make the election depend on clock skew between nodes.
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

// What an elector remembers about the lease between attempts.
struct Observation {
  std::optional<LeaseRecord> record;  // nullopt before the first read
  SteadyTime observed_at{};           // when `record` was last seen to change
};

// Folds a fresh read into the observation: observed_at moves only when the record changed, so
// a holder that stops renewing ages out even though we keep reading its record.
Observation observe(const Observation& previous, const LeaseRecord& current, SteadyTime now);

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

}  // namespace redraft::runtime::leader
