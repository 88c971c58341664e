// Runs one pod bound to this node, like the kubelet's pod worker, on its own thread:
// volumes and configuration (retrying while a Secret/ConfigMap is missing), init containers one
// after another, then the containers together; status patched at every step; the pod's
// activeDeadlineSeconds and its deletion (SIGTERM, grace period, SIGKILL, then DELETE with
// gracePeriodSeconds 0 and a uid precondition) handled while it runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hack/localnode/pod_env.hpp"
#include "hack/localnode/pod_status.hpp"
#include "hack/localnode/pod_volumes.hpp"
#include "operator/runtime/client/client.hpp"

namespace redraft::localnode {

inline constexpr const char* kNodeIP = "127.0.0.1";

struct NodeContext {
  runtime::Client& client;
  std::string node_name;
  std::filesystem::path root;      // --root
  std::filesystem::path self_exe;  // for --run-container
  std::map<std::string, std::string> image_paths;
  std::string host_path;  // the node's PATH
  std::chrono::seconds config_retry{3};
};

class PodWorker {
 public:
  PodWorker(NodeContext& ctx, nlohmann::json pod);
  ~PodWorker();  // shutdown() + join
  PodWorker(const PodWorker&) = delete;
  PodWorker& operator=(const PodWorker&) = delete;

  void start();
  // The latest state of the pod from the watch (deletionTimestamp, ...).
  void observe(const nlohmann::json& pod);
  // The pod object is gone (deleted with grace 0 by someone else): kill its processes.
  void pod_removed();
  // The node is stopping: kill every process at once, write nothing more.
  void shutdown();
  bool finished() const { return finished_; }

 private:
  struct Prepared {
    std::vector<VolumePlan> volumes;
    std::vector<std::pair<VolumePlan, std::vector<ProjectedFile>>> projections;
    struct Container {
      EnvList env;
      std::vector<std::string> argv;
      std::vector<MountPlan> mounts;
    };
    std::vector<Container> init, main;
  };
  struct Running {
    ContainerRun* run = nullptr;
    const nlohmann::json* spec = nullptr;
    pid_t pid = -1;
  };
  enum class Outcome { Finished, Stop };

  void run();
  Prepared prepare(const nlohmann::json& pod);
  std::optional<std::map<std::string, std::string>> fetch(const std::string& kind, const std::string& name);
  void write_volumes(const Prepared& prepared);
  void reset_waiting();  // containers waiting as before any start
  // The pid, or -1 when it could not start (the run is then terminated with StartError).
  pid_t start_container(ContainerRun& run, const nlohmann::json& spec, const Prepared::Container& prepared);
  // Waits for `running` to exit; handles deadline, deletion and shutdown meanwhile.
  Outcome wait_for(std::vector<Running> running);
  void record_exit(Running& r, int exit_code, const std::string& reason_override);
  void terminate(std::vector<Running>& running, std::chrono::seconds grace, const std::string& reason);
  void fail_pod(const std::string& reason, const std::string& message);
  void finish_deletion();
  // Checks done at every wait: true when the worker must stop (deletion/deadline handled).
  bool interrupted(std::vector<Running>* running);
  void push_status();
  void wait_signal(std::chrono::milliseconds d);
  std::chrono::seconds grace_period() const;
  std::string container_dir(const std::string& name) const;

  NodeContext& ctx_;
  nlohmann::json pod_;  // the spec as first seen (spec is immutable)
  std::string ns_, name_, uid_;
  std::filesystem::path dir_;
  PodRun run_;
  nlohmann::json last_conditions_ = nlohmann::json::array();
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool deletion_requested_ = false;
  std::optional<std::chrono::seconds> deletion_grace_;
  bool removed_ = false;
  std::atomic<bool> shutdown_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace redraft::localnode
