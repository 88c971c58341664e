#include "builtin_printers.hpp"

namespace redraft::devserver {

using nlohmann::json;

namespace {

const json& field(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::string text(const json& obj, const char* key) {
  const json& v = field(obj, key);
  return v.is_string() ? v.get<std::string>() : "";
}

const json& array_at(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  const json& v = field(obj, key);
  return v.is_array() ? v : kEmpty;
}

// A terminated state's summary as kubectl prints it: its reason, else Signal:N / ExitCode:N.
std::string terminated_text(const json& terminated) {
  if (!text(terminated, "reason").empty()) return text(terminated, "reason");
  const long signal = field(terminated, "signal").is_number() ? field(terminated, "signal").get<long>() : 0;
  if (signal != 0) return "Signal:" + std::to_string(signal);
  const long code = field(terminated, "exitCode").is_number() ? field(terminated, "exitCode").get<long>() : 0;
  return "ExitCode:" + std::to_string(code);
}

}  // namespace

std::string pod_ready(const json& pod) {
  const json& spec = field(pod, "spec");
  const json& status = field(pod, "status");
  std::size_t ready = 0;
  for (const auto& cs : array_at(status, "containerStatuses"))
    if (field(cs, "ready").is_boolean() && field(cs, "ready").get<bool>()) ++ready;
  return std::to_string(ready) + "/" + std::to_string(array_at(spec, "containers").size());
}

long pod_restarts(const json& pod) {
  long n = 0;
  const json& status = field(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"})
    for (const auto& cs : array_at(status, list))
      if (field(cs, "restartCount").is_number()) n += field(cs, "restartCount").get<long>();
  return n;
}

std::string pod_status(const json& pod) {
  const json& status = field(pod, "status");
  std::string reason = text(status, "phase");
  if (!text(status, "reason").empty()) reason = text(status, "reason");

  bool initializing = false;
  const json& inits = array_at(status, "initContainerStatuses");
  const std::size_t init_count = array_at(field(pod, "spec"), "initContainers").size();
  for (std::size_t i = 0; i < inits.size(); ++i) {
    const json& state = field(inits[i], "state");
    const json& term = field(state, "terminated");
    if (term.is_object() && field(term, "exitCode").is_number() && field(term, "exitCode").get<long>() == 0)
      continue;  // this init container is done
    if (term.is_object()) {
      reason = "Init:" + terminated_text(term);
    } else if (const json& waiting = field(state, "waiting");
               waiting.is_object() && !text(waiting, "reason").empty() && text(waiting, "reason") != "PodInitializing") {
      reason = "Init:" + text(waiting, "reason");
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(std::max(init_count, inits.size()));
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    bool running = false;
    const json& containers = array_at(status, "containerStatuses");
    for (auto it = containers.rbegin(); it != containers.rend(); ++it) {
      const json& state = field(*it, "state");
      const json& waiting = field(state, "waiting");
      const json& term = field(state, "terminated");
      if (waiting.is_object() && !text(waiting, "reason").empty()) {
        reason = text(waiting, "reason");
      } else if (term.is_object()) {
        reason = terminated_text(term);
      } else if (field(state, "running").is_object() && field(*it, "ready").is_boolean() &&
                 field(*it, "ready").get<bool>()) {
        running = true;
      }
    }
    if (reason == "Completed" && running) reason = "Running";
  }
  if (field(field(pod, "metadata"), "deletionTimestamp").is_string())
    reason = text(status, "reason") == "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

std::string node_status(const json& node) {
  std::string out = "Unknown";
  for (const auto& c : array_at(field(node, "status"), "conditions"))
    if (text(c, "type") == "Ready") out = text(c, "status") == "True" ? "Ready" : "NotReady";
  const json& unschedulable = field(field(node, "spec"), "unschedulable");
  if (unschedulable.is_boolean() && unschedulable.get<bool>()) out += ",SchedulingDisabled";
  return out;
}

std::string node_roles(const json& node) {
  static const std::string kPrefix = "node-role.kubernetes.io/";
  std::string roles;
  const json& labels = field(field(node, "metadata"), "labels");
  if (labels.is_object())
    for (auto it = labels.begin(); it != labels.end(); ++it)
      if (it.key().starts_with(kPrefix) && it.key().size() > kPrefix.size())
        roles += (roles.empty() ? "" : ",") + it.key().substr(kPrefix.size());
  return roles.empty() ? "<none>" : roles;
}

std::string node_internal_ip(const json& node) {
  for (const auto& a : array_at(field(node, "status"), "addresses"))
    if (text(a, "type") == "InternalIP") return text(a, "address");
  return "<none>";
}

json computed_cell(const std::string& name, const json& object) {
  if (name == kPodReady) return pod_ready(object);
  if (name == kPodStatus) return pod_status(object);
  if (name == kPodRestarts) return pod_restarts(object);
  if (name == kNodeStatus) return node_status(object);
  if (name == kNodeRoles) return node_roles(object);
  if (name == kNodeInternalIp) return node_internal_ip(object);
  return nullptr;
}

}  // namespace redraft::devserver
