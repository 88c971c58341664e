#include "hack/localnode/pod_status.hpp"

namespace redraft::localnode {
namespace {

bool all_of(const std::vector<ContainerRun>& cs, bool (*pred)(const ContainerRun&)) {
  for (const auto& c : cs)
    if (!pred(c)) return false;
  return true;
}
bool terminated_ok(const ContainerRun& c) {
  return c.state == ContainerRun::State::Terminated && c.exit_code == 0;
}
bool terminated(const ContainerRun& c) { return c.state == ContainerRun::State::Terminated; }
bool running(const ContainerRun& c) { return c.state == ContainerRun::State::Running; }

nlohmann::json condition(const std::string& type, bool ok, const std::string& reason,
                         const std::string& message, const nlohmann::json& previous,
                         const std::string& now) {
  const std::string status = ok ? "True" : "False";
  std::string since = now;
  for (const auto& p : previous) {
    if (p.value("type", "") == type && p.value("status", "") == status)
      since = p.value("lastTransitionTime", now);
  }
  nlohmann::json c{{"type", type}, {"status", status}, {"lastProbeTime", nullptr},
                   {"lastTransitionTime", since}};
  if (!ok && !reason.empty()) c["reason"] = reason;
  if (!ok && !message.empty()) c["message"] = message;
  return c;
}

std::string names_not(const std::vector<ContainerRun>& cs, bool (*pred)(const ContainerRun&)) {
  std::string out;
  for (const auto& c : cs) {
    if (pred(c)) continue;
    if (!out.empty()) out += " ";
    out += c.name;
  }
  return "[" + out + "]";
}

}  // namespace

std::string exit_reason(int exit_code) { return exit_code == 0 ? "Completed" : "Error"; }

std::string pod_phase(const PodRun& run) {
  if (run.failed_by_node) return "Failed";
  for (const auto& c : run.init)
    if (terminated(c) && c.exit_code != 0) return "Failed";
  if (!run.main.empty() && all_of(run.main, terminated))
    return all_of(run.main, terminated_ok) ? "Succeeded" : "Failed";
  for (const auto& c : run.main)
    if (c.state != ContainerRun::State::Waiting) return "Running";
  return "Pending";
}

nlohmann::json container_status(const ContainerRun& c, bool is_init) {
  nlohmann::json s{{"name", c.name},
                   {"image", c.image},
                   {"imageID", ""},
                   {"restartCount", 0},
                   {"ready", !is_init && c.state == ContainerRun::State::Running},
                   {"started", c.state == ContainerRun::State::Running},
                   {"lastState", nlohmann::json::object()}};
  if (!c.container_id.empty()) s["containerID"] = c.container_id;
  switch (c.state) {
    case ContainerRun::State::Waiting: {
      nlohmann::json w{{"reason", c.reason}};
      if (!c.message.empty()) w["message"] = c.message;
      s["state"] = {{"waiting", w}};
      break;
    }
    case ContainerRun::State::Running:
      s["state"] = {{"running", {{"startedAt", c.started_at}}}};
      break;
    case ContainerRun::State::Terminated: {
      nlohmann::json t{{"exitCode", c.exit_code}, {"reason", c.reason},
                       {"finishedAt", c.finished_at}};
      t["startedAt"] = c.started_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.started_at);
      if (!c.message.empty()) t["message"] = c.message;
      if (!c.container_id.empty()) t["containerID"] = c.container_id;
      s["state"] = {{"terminated", t}};
      break;
    }
  }
  return s;
}

nlohmann::json pod_status(const PodRun& run, const nlohmann::json& previous_conditions,
                          const std::string& host_ip, const std::string& pod_ip,
                          const std::string& now) {
  const std::string phase = pod_phase(run);
  const bool terminal = phase == "Succeeded" || phase == "Failed";
  const bool initialized = all_of(run.init, terminated_ok);
  const bool ready = !terminal && !run.main.empty() && all_of(run.main, running);
  const std::string not_ready_reason = terminal ? "PodCompleted" : "ContainersNotReady";
  const std::string not_ready_message =
      terminal ? "" : "containers with unready status: " + names_not(run.main, running);

  nlohmann::json status{{"phase", phase}, {"hostIP", host_ip},
                        {"hostIPs", nlohmann::json::array({{{"ip", host_ip}}})},
                        {"podIP", pod_ip}, {"podIPs", nlohmann::json::array({{{"ip", pod_ip}}})},
                        {"qosClass", "BestEffort"}};
  if (!run.start_time.empty()) status["startTime"] = run.start_time;
  if (!run.reason.empty()) status["reason"] = run.reason;
  if (!run.message.empty()) status["message"] = run.message;
  nlohmann::json conditions = nlohmann::json::array();
  conditions.push_back(condition("PodScheduled", true, "", "", previous_conditions, now));
  conditions.push_back(condition(
      "Initialized", initialized, terminal ? "PodCompleted" : "ContainersNotInitialized",
      "containers with incomplete status: " + names_not(run.init, terminated_ok),
      previous_conditions, now));
  conditions.push_back(
      condition("ContainersReady", ready, not_ready_reason, not_ready_message, previous_conditions, now));
  conditions.push_back(condition("Ready", ready, not_ready_reason, not_ready_message, previous_conditions, now));
  status["conditions"] = std::move(conditions);
  nlohmann::json inits = nlohmann::json::array(), mains = nlohmann::json::array();
  for (const auto& c : run.init) inits.push_back(container_status(c, true));
  for (const auto& c : run.main) mains.push_back(container_status(c, false));
  if (!run.init.empty()) status["initContainerStatuses"] = std::move(inits);
  status["containerStatuses"] = std::move(mains);
  return status;
}

std::string log_tail(std::string_view log, std::size_t max_lines, std::size_t max_bytes) {
  const std::size_t end = log.size();
  std::size_t start = 0;
  // A trailing newline ends the last line; it does not start another one.
  std::size_t pos = end > 0 && log[end - 1] == '\n' ? end - 1 : end;
  std::size_t lines = 0;
  while (pos > 0 && max_lines > 0) {
    const std::size_t nl = log.rfind('\n', pos - 1);
    if (nl == std::string_view::npos) break;
    if (++lines == max_lines) {
      start = nl + 1;
      break;
    }
    pos = nl;
  }
  if (end - start > max_bytes) start = end - max_bytes;
  return std::string(log.substr(start));
}

std::string termination_message(std::string_view file_content, std::string_view policy,
                                int exit_code, std::string_view log) {
  std::string message(file_content.substr(0, std::min(file_content.size(), kMaxTerminationMessage)));
  if (message.empty() && policy == "FallbackToLogsOnError" && exit_code != 0)
    message = log_tail(log, kFallbackLogLines, kFallbackLogBytes);
  return message;
}

}  // namespace redraft::localnode
