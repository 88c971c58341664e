#include "operator/runtime/leader/lease_record.hpp"

#include <nlohmann/json.hpp>

namespace redraft::runtime::leader {

namespace {
std::string str(const nlohmann::json& spec, const char* field) {
  const auto it = spec.find(field);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t num(const nlohmann::json& spec, const char* field) {
  const auto it = spec.find(field);
  return it != spec.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}
}  // namespace

LeaseRecord lease_record_from(const nlohmann::json& lease) {
  LeaseRecord out;
  if (!lease.is_object()) return out;
  const auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return out;
  out.holder_identity = str(*spec, "holderIdentity");
  out.lease_duration_seconds = num(*spec, "leaseDurationSeconds");
  out.acquire_time = str(*spec, "acquireTime");
  out.renew_time = str(*spec, "renewTime");
  out.lease_transitions = num(*spec, "leaseTransitions");
  return out;
}

void apply_lease_record(nlohmann::json& lease, const LeaseRecord& record) {
  auto& spec = lease["spec"];
  if (!spec.is_object()) spec = nlohmann::json::object();
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  if (!record.acquire_time.empty()) spec["acquireTime"] = record.acquire_time;
  if (!record.renew_time.empty()) spec["renewTime"] = record.renew_time;
  spec["leaseTransitions"] = record.lease_transitions;
}

}  // namespace redraft::runtime::leader
