#include "operator/runtime/events/event_correlator.hpp"

#include <algorithm>
#include <cstdio>

namespace redraft::runtime::events {

namespace {
// Joins fields with a separator that cannot be confused with their content.
std::string join(std::initializer_list<const std::string*> parts) {
  std::string out;
  for (const auto* part : parts) {
    out += *part;
    out += '\x1f';
  }
  return out;
}

std::string object_key(const std::string& component, const ObjectReference& ref) {
  return join({&component, &ref.api_version, &ref.kind, &ref.namespace_, &ref.name, &ref.uid,
               &ref.field_path});
}
}  // namespace

std::string aggregation_key(const std::string& component, const EventInput& input) {
  return object_key(component, input.regarding) +
         join({&input.type, &input.reason, &input.message});
}

std::string event_name(const std::string& object_name, WallTime t) {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  return object_name + "." + hex;
}

EventCorrelator::EventCorrelator(std::string component, CorrelatorConfig config)
    : component_(std::move(component)), config_(config) {
  config_.max_entries = std::max<std::size_t>(config_.max_entries, 1);
}

template <class Map>
void EventCorrelator::touch(Map& map, std::list<std::string>& order, typename Map::iterator it) {
  order.splice(order.begin(), order, it->second.lru);
  while (map.size() > config_.max_entries) {
    map.erase(order.back());
    order.pop_back();
  }
}

bool EventCorrelator::take_token(const std::string& key,
                                 std::chrono::steady_clock::time_point mono) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    buckets_order_.push_front(key);
    it = buckets_.emplace(key, Bucket{config_.burst, mono, buckets_order_.begin()}).first;
  } else {
    const double elapsed = std::chrono::duration<double>(mono - it->second.refilled).count();
    it->second.tokens = std::min(config_.burst,
                                 it->second.tokens + std::max(elapsed, 0.0) * config_.refill_per_second);
    it->second.refilled = mono;
  }
  const bool allowed = it->second.tokens >= 1.0;
  if (allowed) it->second.tokens -= 1.0;
  touch(buckets_, buckets_order_, it);
  return allowed;
}

std::string EventCorrelator::unique_name(const std::string& object_name, WallTime t) {
  // Two events in the same clock tick (coarse clocks) would otherwise get the same name.
  std::string name = event_name(object_name, t);
  while (name == last_name_) {
    t += std::chrono::nanoseconds(1);
    name = event_name(object_name, t);
  }
  last_name_ = name;
  return name;
}

Correlation EventCorrelator::correlate(const EventInput& input, WallTime now,
                                       std::chrono::steady_clock::time_point mono) {
  if (!take_token(object_key(component_, input.regarding), mono)) {
    return Correlation{Emit::Drop, {}, 0, {}, {}};
  }
  const std::string key = aggregation_key(component_, input);
  auto it = events_.find(key);
  if (it != events_.end()) {
    ++it->second.count;
    Correlation out{Emit::Patch, it->second.name, it->second.count, it->second.first, now};
    touch(events_, events_order_, it);
    return out;
  }
  events_order_.push_front(key);
  EventEntry entry{unique_name(input.regarding.name, now), 1, now, events_order_.begin()};
  it = events_.emplace(key, std::move(entry)).first;
  Correlation out{Emit::Create, it->second.name, 1, now, now};
  touch(events_, events_order_, it);
  return out;
}

Correlation EventCorrelator::recreate(const EventInput& input, const Correlation& failed_patch) {
  const std::string key = aggregation_key(component_, input);
  Correlation out = failed_patch;
  out.emit = Emit::Create;
  out.name = unique_name(input.regarding.name, failed_patch.last);
  if (auto it = events_.find(key); it != events_.end()) it->second.name = out.name;
  return out;
}

}  // namespace redraft::runtime::events
