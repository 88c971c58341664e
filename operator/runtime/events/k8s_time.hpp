// Kubernetes timestamp formats: metav1.Time ("2026-01-02T15:04:05Z") and metav1.MicroTime
// ("2026-01-02T15:04:05.000000Z"), always UTC. Used by Events and Leases.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::runtime {

using WallTime = std::chrono::system_clock::time_point;

std::string format_time(WallTime t);        // seconds precision
std::string format_micro_time(WallTime t);  // microseconds precision

// Parses both formats (any number of fractional digits, 'Z' or a numeric offset).
// Returns nullopt for anything else, never throws.
std::optional<WallTime> parse_time(std::string_view text);

}  // namespace redraft::runtime
