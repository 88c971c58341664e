// What the node reports about a pod (pure): container statuses, phase, conditions, and the
// termination message rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace redraft::localnode {

inline constexpr std::size_t kMaxTerminationMessage = 4096;
inline constexpr std::size_t kFallbackLogLines = 80;
inline constexpr std::size_t kFallbackLogBytes = 2048;

struct ContainerRun {
  enum class State { Waiting, Running, Terminated };
  std::string name, image;
  State state = State::Waiting;
  std::string reason;   // waiting: PodInitializing/ContainerCreating/CreateContainerConfigError;
                        // terminated: Completed/Error/DeadlineExceeded/StartError/...
  std::string message;  // waiting message, or the termination message
  int exit_code = 0;
  std::string started_at, finished_at;
  std::string container_id;  // "localnode://<pid>" once started
};

struct PodRun {
  std::string reason, message;  // pod-level (DeadlineExceeded, NodeRestarted)
  bool failed_by_node = false;  // deadline / restart: the phase is Failed whatever containers did
  std::string start_time;
  std::vector<ContainerRun> init, main;
};

// Pending → Running → Succeeded/Failed as the kubelet derives it under restartPolicy Never.
std::string pod_phase(const PodRun& run);

// status.containerStatuses[i] / initContainerStatuses[i].
nlohmann::json container_status(const ContainerRun& c, bool is_init);

// The whole pod status. `previous` (the current status.conditions) keeps lastTransitionTime of
// conditions whose status did not change; `now` dates the others.
nlohmann::json pod_status(const PodRun& run, const nlohmann::json& previous_conditions,
                          const std::string& host_ip, const std::string& pod_ip,
                          const std::string& now);

// The terminated reason for an exit code: Completed (0) or Error.
std::string exit_reason(int exit_code);

// The message the kubelet reports: the file's content (at most 4096 bytes), or under
// FallbackToLogsOnError — when that is empty and the container failed — the log's tail.
std::string termination_message(std::string_view file_content, std::string_view policy,
                                int exit_code, std::string_view log);

// The last `max_lines` lines of `log`, at most `max_bytes` bytes (cut at the front).
std::string log_tail(std::string_view log, std::size_t max_lines, std::size_t max_bytes);

}  // namespace redraft::localnode
