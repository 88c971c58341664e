#include "pod_rules.hpp"

#include "encoding.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace redraft::devserver {

using nlohmann::json;

namespace {

std::string str_at(const json& obj, const char* a, const char* b) {
  auto x = obj.find(a);
  if (x == obj.end() || !x->is_object()) return "";
  auto y = x->find(b);
  return y != x->end() && y->is_string() ? y->get<std::string>() : "";
}

std::optional<long> long_at(const json& obj, const char* a, const char* b) {
  auto x = obj.find(a);
  if (x == obj.end() || !x->is_object()) return std::nullopt;
  auto y = x->find(b);
  if (y == x->end() || !y->is_number()) return std::nullopt;
  return y->get<long>();
}

// Binding failures kube-apiserver reports as Conflict on the "pods/binding" resource.
ApiError binding_conflict(const std::string& pod, const std::string& why) {
  return conflict("", "pods/binding", pod, why);
}

void set_pod_scheduled(json& pod, const std::string& now) {
  json& conditions = pod["status"]["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  for (auto& c : conditions)
    if (c.is_object() && c.value("type", "") == "PodScheduled") {
      if (c.value("status", "") != "True") {
        c["status"] = "True";
        c["lastTransitionTime"] = now;
      }
      c.erase("reason");
      c.erase("message");
      return;
    }
  conditions.push_back({{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                        {"lastTransitionTime", now}});
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string binding_pod_name(const json& binding, const std::string& url_name) {
  const std::string named = binding.is_object() ? str_at(binding, "metadata", "name") : "";
  if (!url_name.empty() && !named.empty() && named != url_name)
    throw bad_request("name in URL does not match name in Binding object");
  const std::string pod = url_name.empty() ? named : url_name;
  if (pod.empty())
    throw invalid("", "Binding", "", {{"FieldValueRequired", "Required value: name or generateName is required",
                                       "metadata.name"}});
  return pod;
}

json bind_pod(const json& pod, const json& binding, const std::string& url_name,
              const std::string& now) {
  if (!binding.is_object()) throw bad_request("the request body must be a JSON object");
  const std::string name = binding_pod_name(binding, url_name);
  if (binding.contains("kind") && binding["kind"] != "Binding")
    throw bad_request("the kind of the object (" + binding["kind"].dump() +
                      ") does not match the resource (Binding)");
  const std::string target_kind = str_at(binding, "target", "kind");
  const std::string node = str_at(binding, "target", "name");
  if (!target_kind.empty() && target_kind != "Node")
    throw invalid("", "Binding", name,
                  {{"FieldValueNotSupported",
                    "Unsupported value: \"" + target_kind + "\": supported values: \"Node\", \"<empty>\"",
                    "target.kind"}});
  if (node.empty()) throw invalid("", "Binding", name, {{"FieldValueRequired", "Required value", "target.name"}});

  const std::string want_uid = str_at(binding, "metadata", "uid");
  const std::string uid = str_at(pod, "metadata", "uid");
  if (!want_uid.empty() && want_uid != uid)
    throw conflict("", "pods", name,
                   "Precondition failed: UID in precondition: " + want_uid + ", UID in object meta: " + uid);
  if (pod["metadata"].contains("deletionTimestamp"))
    throw binding_conflict(name, "pod " + name + " is being deleted, cannot be assigned to a host");
  const std::string bound = str_at(pod, "spec", "nodeName");
  if (!bound.empty())
    throw binding_conflict(name, "pod " + name + " is already assigned to node \"" + bound + "\"");

  json out = pod;
  out["spec"]["nodeName"] = node;
  if (auto ann = binding["metadata"].find("annotations"); binding.contains("metadata") &&
                                                         ann != binding["metadata"].end() && ann->is_object())
    for (auto it = ann->begin(); it != ann->end(); ++it) out["metadata"]["annotations"][it.key()] = *it;
  set_pod_scheduled(out, now);
  return out;
}

long pod_grace_period(const json& pod, std::optional<long> requested) {
  long period = kDefaultPodGracePeriodSeconds;
  if (requested) period = *requested;
  else if (auto spec = long_at(pod, "spec", "terminationGracePeriodSeconds")) period = *spec;
  if (str_at(pod, "spec", "nodeName").empty()) period = 0;  // never ran anywhere
  const std::string phase = str_at(pod, "status", "phase");
  if (phase == "Succeeded" || phase == "Failed") period = 0;  // nothing left to stop
  if (period < 0) period = 1;
  return period;
}

GracefulDeletion decide_graceful_deletion(const json& object, long grace_for_new,
                                          std::optional<long> requested,
                                          std::chrono::system_clock::time_point now) {
  GracefulDeletion d;
  d.object = object;
  json& md = d.object["metadata"];
  if (md.contains("deletionTimestamp")) {
    const std::optional<long> current = long_at(object, "metadata", "deletionGracePeriodSeconds");
    if (!current || *current == 0) return d;  // grace already over: proceed
    if (!requested || *requested >= *current) {
      d.action = GracefulDeletion::Action::kPending;  // only a shorter grace period may be given
      return d;
    }
    const long shorter = std::max(0L, *requested);
    auto since = parse_rfc3339(md["deletionTimestamp"].get<std::string>()).value_or(now);
    md["deletionTimestamp"] = rfc3339(since - std::chrono::seconds(*current) + std::chrono::seconds(shorter));
    md["deletionGracePeriodSeconds"] = shorter;
    d.action = shorter == 0 ? GracefulDeletion::Action::kProceed : GracefulDeletion::Action::kMark;
    return d;
  }
  if (grace_for_new <= 0) return d;
  // As kube-apiserver does: the timestamp is when the grace period ends.
  md["deletionTimestamp"] = rfc3339(now + std::chrono::seconds(grace_for_new));
  md["deletionGracePeriodSeconds"] = grace_for_new;
  d.action = GracefulDeletion::Action::kMark;
  return d;
}

}  // namespace redraft::devserver
