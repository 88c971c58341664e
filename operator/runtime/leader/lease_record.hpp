// The leader-election record kept in a coordination.k8s.io/v1 Lease's spec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace redraft::runtime::leader {

struct LeaseRecord {
  std::string holder_identity;  // "" = nobody (released)
  std::int64_t lease_duration_seconds = 0;
  std::string acquire_time;  // MicroTime text, kept verbatim
  std::string renew_time;    // MicroTime text, kept verbatim
  std::int64_t lease_transitions = 0;
  bool operator==(const LeaseRecord&) const = default;
};

// Reads spec.{holderIdentity,leaseDurationSeconds,acquireTime,renewTime,leaseTransitions} of a
// Lease object; missing or mistyped fields read as empty/zero (a foreign writer must not crash
// the elector).
LeaseRecord lease_record_from(const nlohmann::json& lease);

// Writes the record into `lease`'s spec (other spec fields are kept).
void apply_lease_record(nlohmann::json& lease, const LeaseRecord& record);

}  // namespace redraft::runtime::leader
