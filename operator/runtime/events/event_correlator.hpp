// Decides what happens to each event before it reaches the API server (pure logic; the
// recorder does the I/O). Two rules, as client-go's EventCorrelator:
// - Aggregation: an event identical to one already emitted (same object, type, reason, message
//   and source) is not created again: the existing Event's count goes up and its lastTimestamp
//   moves (one Event with a growing count in `kubectl describe`).
// - Rate limit: a token bucket per (source, involved object) — by default a burst of 25 then
//   one event per 5 minutes — so a hot loop cannot flood the API server with events.
// Both caches are bounded (least recently used entries are forgotten).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "operator/runtime/events/k8s_time.hpp"
#include "operator/runtime/events/object_reference.hpp"

namespace redraft::runtime::events {

namespace event_type {
inline constexpr const char* kNormal = "Normal";
inline constexpr const char* kWarning = "Warning";
}  // namespace event_type

struct EventInput {
  ObjectReference regarding;
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
};

struct CorrelatorConfig {
  std::size_t max_entries = 4096;  // remembered distinct events / objects
  double refill_per_second = 1.0 / 300.0;
  double burst = 25;
};

enum class Emit {
  Create,  // a new Event object `name` with count 1
  Patch,   // bump the existing Event `name` to `count`, lastTimestamp = last
  Drop,    // rate-limited
};

struct Correlation {
  Emit emit = Emit::Drop;
  std::string name;  // Event object name (in the regarding object's namespace)
  std::int64_t count = 0;
  WallTime first{};
  WallTime last{};
};

// Identity of an event for aggregation (everything but the timestamps and resourceVersion).
std::string aggregation_key(const std::string& component, const EventInput& input);

// "<object name>.<hex nanoseconds>", the name client-go gives events.
std::string event_name(const std::string& object_name, WallTime t);

class EventCorrelator {
 public:
  EventCorrelator(std::string component, CorrelatorConfig config = {});

  // `now` is wall time for timestamps, `mono` the monotonic time for the rate limit.
  Correlation correlate(const EventInput& input, WallTime now,
                        std::chrono::steady_clock::time_point mono);

  // The Event named in a Patch decision no longer exists (expired or deleted): forget it so the
  // next repeat creates a fresh one, and return a Create decision carrying the count on.
  Correlation recreate(const EventInput& input, const Correlation& failed_patch);

  std::size_t remembered() const { return events_.size(); }

 private:
  struct EventEntry {
    std::string name;
    std::int64_t count = 0;
    WallTime first{};
    std::list<std::string>::iterator lru;
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled{};
    std::list<std::string>::iterator lru;
  };

  bool take_token(const std::string& object_key, std::chrono::steady_clock::time_point mono);
  template <class Map>
  void touch(Map& map, std::list<std::string>& order, typename Map::iterator it);
  std::string unique_name(const std::string& object_name, WallTime t);

  std::string component_;
  CorrelatorConfig config_;
  std::unordered_map<std::string, EventEntry> events_;
  std::list<std::string> events_order_;  // most recently used first
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> buckets_order_;
  std::string last_name_;
};

}  // namespace redraft::runtime::events
