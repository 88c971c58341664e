// The node: registers Node NAME (Ready, capacity, kubelet endpoint port), renews its Lease in
// kube-node-lease, watches the pods bound to it (fieldSelector spec.nodeName=NAME) and runs each
// in a PodWorker; with --bind-unscheduled also watches Pending pods without a node
// (spec.nodeName=) and binds them through pods/binding. On stop: every container is killed and
// the Node is marked NotReady.
//
// A pod bound here that is not terminal, has no worker, and shows a started container is a pod
// whose processes died with a previous run of the node: it is failed with reason NodeRestarted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hack/localnode/options.hpp"
#include "hack/localnode/pod_worker.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"

namespace redraft::localnode {

inline const runtime::ResourceType kNodes{"", "v1", "nodes", "Node", false};
inline constexpr const char* kNodeLeaseNamespace = "kube-node-lease";

// The Node object this node registers (pure).
nlohmann::json node_object(const std::string& name, std::uint16_t kubelet_port, bool ready,
                           const std::string& now);
// The Node's status conditions (pure).
nlohmann::json node_conditions(bool ready, const std::string& now);

// Whether a pod the node has no worker for was started by an earlier run of the node (pure).
bool started_before(const nlohmann::json& pod);
bool is_terminal(const nlohmann::json& pod);
bool is_deleting(const nlohmann::json& pod);

class NodeAgent {
 public:
  NodeAgent(runtime::Client& client, NodeContext context, std::uint16_t kubelet_port,
            bool bind_unscheduled, std::chrono::seconds heartbeat);
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  // Registers the node and starts watching; returns once the pod caches are synced.
  // Throws when registration fails.
  void start();
  // Kills all containers, marks the node NotReady. Idempotent.
  void stop();

 private:
  void register_node();
  void renew_lease();
  void heartbeat_loop();
  void on_pod(const nlohmann::json& pod);
  void on_pod_deleted(const nlohmann::json& pod);
  void on_unbound(const nlohmann::json& pod);
  void mark_node_restarted(const nlohmann::json& pod);
  // After a restart: SIGKILLs what a previous run left of the pod's unfinished containers, only
  // where the containerID's pid/start time/boot id still match (a reused pid is left alone).
  void kill_verified_leftovers(const nlohmann::json& pod, const std::string& container,
                               const std::string& container_id);
  void kill_pod_leftovers(const nlohmann::json& pod);
  void delete_now(const nlohmann::json& pod);

  runtime::Client& client_;
  NodeContext ctx_;
  std::uint16_t kubelet_port_;
  bool bind_unscheduled_;
  std::chrono::seconds heartbeat_;
  std::string node_uid_;

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<PodWorker>> workers_;  // by pod uid
  std::vector<std::unique_ptr<PodWorker>> graveyard_;  // pods gone, threads still ending
  std::unique_ptr<runtime::cache::Informer<nlohmann::json>> pods_, unbound_;

  std::mutex hb_mu_;
  std::condition_variable hb_cv_;
  std::atomic<bool> stopping_{false};
  std::thread heartbeat_thread_;
  std::atomic<bool> started_{false};
};

}  // namespace redraft::localnode
