#include "hack/localnode/node_agent.hpp"

#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "hack/localnode/sandbox.hpp"
#include "operator/runtime/events/k8s_time.hpp"

namespace redraft::localnode {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string now_text() { return runtime::format_time(std::chrono::system_clock::now()); }

nlohmann::json capacity() {
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGE_SIZE);
  const long long kib = pages > 0 && page_size > 0 ? static_cast<long long>(pages) * page_size / 1024 : 0;
  return {{"cpu", std::to_string(cpus > 0 ? cpus : 1)},
          {"memory", std::to_string(kib) + "Ki"},
          {"pods", "110"}};
}

std::string machine() {
  utsname u{};
  if (::uname(&u) != 0) return "amd64";
  const std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

std::string key(const nlohmann::json& pod) {
  return pod.value("/metadata/namespace"_json_pointer, "") + "/" +
         pod.value("/metadata/name"_json_pointer, "");
}

}  // namespace

nlohmann::json node_conditions(bool ready, const std::string& now) {
  auto cond = [&](const char* type, bool status, const char* reason, const char* message) {
    return nlohmann::json{{"type", type},         {"status", status ? "True" : "False"},
                          {"reason", reason},     {"message", message},
                          {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  };
  return nlohmann::json::array(
      {cond("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
       cond("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
       cond("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
       ready ? cond("Ready", true, "KubeletReady", "redraft-localnode is posting ready status")
             : cond("Ready", false, "KubeletNotReady", "redraft-localnode stopped")});
}

nlohmann::json node_object(const std::string& name, std::uint16_t kubelet_port, bool ready,
                           const std::string& now) {
  const std::string arch = machine();
  nlohmann::json cap = capacity();
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"kubernetes.io/hostname", name},
              {"kubernetes.io/os", "linux"},
              {"kubernetes.io/arch", arch},
              {"type", "redraft-localnode"}}}}},
          {"spec", nlohmann::json::object()},
          {"status",
           {{"capacity", cap},
            {"allocatable", cap},
            {"conditions", node_conditions(ready, now)},
            {"addresses", nlohmann::json::array({{{"type", "InternalIP"}, {"address", kNodeIP}},
                                                 {{"type", "Hostname"}, {"address", name}}})},
            {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", kubelet_port}}}}},
            {"nodeInfo",
             {{"architecture", arch},
              {"operatingSystem", "linux"},
              {"kubeletVersion", "v1.30.0-redraft-localnode"},
              {"kubeProxyVersion", ""},
              {"containerRuntimeVersion", "redraft-localnode://0.1"},
              {"osImage", "redraft-localnode"},
              {"kernelVersion", ""},
              {"machineID", ""},
              {"systemUUID", ""},
              {"bootID", ""}}}}}};
}

bool is_terminal(const nlohmann::json& pod) {
  const std::string phase = pod.value("/status/phase"_json_pointer, "");
  return phase == "Succeeded" || phase == "Failed";
}

bool is_deleting(const nlohmann::json& pod) {
  const auto& md = pod["metadata"];
  return md.contains("deletionTimestamp") && !md["deletionTimestamp"].is_null();
}

bool started_before(const nlohmann::json& pod) {
  const auto& status = pod.value("status", nlohmann::json::object());
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& c : status.value(list, nlohmann::json::array())) {
      const auto& state = c.value("state", nlohmann::json::object());
      if (state.contains("running") || state.contains("terminated")) return true;
    }
  }
  return false;
}

NodeAgent::NodeAgent(runtime::Client& client, NodeContext context, std::uint16_t kubelet_port,
                     bool bind_unscheduled, std::chrono::seconds heartbeat)
    : client_(client),
      ctx_(std::move(context)),
      kubelet_port_(kubelet_port),
      bind_unscheduled_(bind_unscheduled),
      heartbeat_(heartbeat) {}

NodeAgent::~NodeAgent() { stop(); }

void NodeAgent::register_node() {
  const nlohmann::json node = node_object(ctx_.node_name, kubelet_port_, true, now_text());
  nlohmann::json current;
  try {
    current = client_.create(kNodes, "", node);
    spdlog::info("node {}: registered", ctx_.node_name);
  } catch (const runtime::ApiError& e) {
    if (e.code() != 409) throw;
    current = client_.patch(kNodes, "", ctx_.node_name, runtime::PatchType::Merge,
                            {{"metadata", {{"labels", node["metadata"]["labels"]}}}});
    spdlog::info("node {}: already registered, taking it over", ctx_.node_name);
  }
  node_uid_ = current.value("/metadata/uid"_json_pointer, "");
  // A kube-apiserver ignores status on create: set it through the status subresource.
  client_.patch(kNodes, "", ctx_.node_name, runtime::PatchType::Merge, {{"status", node["status"]}},
                /*status=*/true);
}

void NodeAgent::renew_lease() {
  const std::string now = runtime::format_micro_time(std::chrono::system_clock::now());
  try {
    client_.patch(runtime::resources::kLeases, kNodeLeaseNamespace, ctx_.node_name,
                  runtime::PatchType::Merge,
                  {{"spec", {{"holderIdentity", ctx_.node_name}, {"renewTime", now}}}});
  } catch (const runtime::ApiError& e) {
    if (e.code() != 404) throw;
    nlohmann::json lease{
        {"metadata",
         {{"name", ctx_.node_name},
          {"namespace", kNodeLeaseNamespace},
          {"ownerReferences", nlohmann::json::array({{{"apiVersion", "v1"},
                                                      {"kind", "Node"},
                                                      {"name", ctx_.node_name},
                                                      {"uid", node_uid_}}})}}},
        {"spec", {{"holderIdentity", ctx_.node_name}, {"leaseDurationSeconds", 40}, {"renewTime", now}}}};
    if (node_uid_.empty()) lease["metadata"].erase("ownerReferences");
    client_.create(runtime::resources::kLeases, kNodeLeaseNamespace, lease);
  }
}

void NodeAgent::heartbeat_loop() {
  int beats = 0;
  for (;;) {
    {
      std::unique_lock lock(hb_mu_);
      if (hb_cv_.wait_for(lock, heartbeat_, [&] { return stopping_.load(); })) return;
    }
    try {
      renew_lease();
      if (++beats % 6 == 0) {
        client_.patch(kNodes, "", ctx_.node_name, runtime::PatchType::Merge,
                      {{"status", {{"conditions", node_conditions(true, now_text())}}}}, true);
      }
    } catch (const std::exception& e) {
      spdlog::warn("node {}: heartbeat failed: {}", ctx_.node_name, e.what());
    }
    // Join the workers of pods that are gone.
    std::vector<std::unique_ptr<PodWorker>> done;
    {
      std::lock_guard lock(mu_);
      for (auto it = graveyard_.begin(); it != graveyard_.end();) {
        if ((*it)->finished()) {
          done.push_back(std::move(*it));
          it = graveyard_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
}

void NodeAgent::start() {
  register_node();
  renew_lease();
  runtime::cache::InformerOptions options;
  options.type = runtime::resources::kPods;
  options.field_selector = "spec.nodeName=" + ctx_.node_name;
  pods_ = std::make_unique<runtime::cache::Informer<nlohmann::json>>(client_, options);
  pods_->add_handlers({.on_add = [this](const auto& p) { on_pod(*p); },
                       .on_update = [this](const auto&, const auto& p) { on_pod(*p); },
                       .on_delete = [this](const auto& p) { on_pod_deleted(*p); }});
  pods_->start();
  if (bind_unscheduled_) {
    runtime::cache::InformerOptions unbound;
    unbound.type = runtime::resources::kPods;
    unbound.field_selector = "spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed";
    unbound_ = std::make_unique<runtime::cache::Informer<nlohmann::json>>(client_, unbound);
    unbound_->add_handlers({.on_add = [this](const auto& p) { on_unbound(*p); },
                            .on_update = [this](const auto&, const auto& p) { on_unbound(*p); },
                            .on_delete = nullptr});
    unbound_->start();
  }
  if (!pods_->wait_for_sync(60s) || (unbound_ && !unbound_->wait_for_sync(60s)))
    throw std::runtime_error("the pod watch did not sync within 60s");
  heartbeat_thread_ = std::thread([this] { heartbeat_loop(); });
  started_ = true;
}

void NodeAgent::on_pod(const nlohmann::json& pod) {
  const std::string uid = pod.value("/metadata/uid"_json_pointer, "");
  std::lock_guard lock(mu_);
  if (stopping_) return;
  auto it = workers_.find(uid);
  if (it != workers_.end()) {
    it->second->observe(pod);
    if (it->second->finished() && is_deleting(pod)) delete_now(pod);
    return;
  }
  if (is_deleting(pod)) {
    // Deleted while this node was down: what the previous run left must die before the pod goes.
    kill_pod_leftovers(pod);
    delete_now(pod);
    return;
  }
  if (is_terminal(pod)) return;
  if (started_before(pod)) {
    mark_node_restarted(pod);
    return;
  }
  spdlog::info("pod {}: starting", key(pod));
  auto worker = std::make_unique<PodWorker>(ctx_, pod);
  worker->start();
  workers_.emplace(uid, std::move(worker));
}

void NodeAgent::on_pod_deleted(const nlohmann::json& pod) {
  const std::string uid = pod.value("/metadata/uid"_json_pointer, "");
  std::lock_guard lock(mu_);
  auto it = workers_.find(uid);
  if (it == workers_.end()) {
    // A pod this run of the node never ran (finished before a restart): only its files remain.
    std::error_code ec;
    fs::remove_all(ctx_.root / "pods" / pod_dir_name(pod), ec);
    return;
  }
  if (it->second->finished()) {
    std::error_code ec;
    fs::remove_all(ctx_.root / "pods" / pod_dir_name(pod), ec);
  } else {
    it->second->pod_removed();
  }
  graveyard_.push_back(std::move(it->second));
  workers_.erase(it);
}

void NodeAgent::delete_now(const nlohmann::json& pod) {
  runtime::DeleteOptions options;
  options.grace_period_seconds = 0;
  options.precondition_uid = pod.value("/metadata/uid"_json_pointer, "");
  try {
    client_.remove(runtime::resources::kPods, pod["metadata"].value("namespace", ""),
                   pod["metadata"].value("name", ""), options);
  } catch (const runtime::ApiError& e) {
    if (e.code() != 404 && e.code() != 409) spdlog::warn("pod {}: delete failed: {}", key(pod), e.what());
  }
  std::error_code ec;
  fs::remove_all(ctx_.root / "pods" / pod_dir_name(pod), ec);
}

void NodeAgent::kill_verified_leftovers(const nlohmann::json& pod, const std::string& container,
                                        const std::string& container_id) {
  if (container_id.empty()) return;
  const auto identity = parse_container_id(container_id);
  if (!identity) {
    spdlog::warn("pod {}: container {}: containerID {} cannot be verified; not signalling anything", key(pod),
                 container, container_id);
    return;
  }
  const std::string skipped = kill_leftovers(*identity);
  if (!skipped.empty())
    spdlog::warn("pod {}: container {}: not killing pid {}: {}", key(pod), container, identity->pid, skipped);
}

void NodeAgent::kill_pod_leftovers(const nlohmann::json& pod) {
  const auto status = pod.value("status", nlohmann::json::object());
  for (const char* list : {"initContainerStatuses", "containerStatuses"})
    for (const auto& c : status.value(list, nlohmann::json::array()))
      if (!c.value("state", nlohmann::json::object()).contains("terminated"))
        kill_verified_leftovers(pod, c.value("name", ""), c.value("containerID", ""));
}

void NodeAgent::mark_node_restarted(const nlohmann::json& pod) {
  spdlog::info("pod {}: was running before the node restarted; failing it", key(pod));
  nlohmann::json status = pod.value("status", nlohmann::json::object());
  const std::string now = now_text();
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    if (!status.contains(list)) continue;
    for (auto& c : status[list]) {
      auto& state = c["state"];
      if (state.contains("terminated")) continue;
      // Whatever the previous run left of this container (children of a killed leader).
      const std::string id = c.value("containerID", "");
      kill_verified_leftovers(pod, c.value("name", ""), id);
      const std::string started = state.contains("running") ? state["running"].value("startedAt", now) : now;
      state = {{"terminated",
                {{"exitCode", 137},
                 {"reason", "ContainerStatusUnknown"},
                 {"message", "The container could not be located when the pod was terminated"},
                 {"startedAt", started},
                 {"finishedAt", now}}}};
      c["ready"] = false;
      c["started"] = false;
    }
  }
  status["phase"] = "Failed";
  status["reason"] = "NodeRestarted";
  status["message"] = "The node " + ctx_.node_name + " restarted while the pod was running; its processes are gone";
  if (status.contains("conditions")) {
    for (auto& cond : status["conditions"]) {
      const std::string type = cond.value("type", "");
      if ((type == "Ready" || type == "ContainersReady") && cond.value("status", "") != "False") {
        cond["status"] = "False";
        cond["reason"] = "PodCompleted";
        cond["lastTransitionTime"] = now;
      }
    }
  }
  try {
    client_.patch(runtime::resources::kPods, pod["metadata"].value("namespace", ""),
                  pod["metadata"].value("name", ""), runtime::PatchType::Merge, {{"status", status}}, true);
  } catch (const std::exception& e) {
    spdlog::warn("pod {}: could not mark it NodeRestarted: {}", key(pod), e.what());
  }
}

void NodeAgent::on_unbound(const nlohmann::json& pod) {
  if (stopping_ || is_deleting(pod) || is_terminal(pod)) return;
  if (!pod.value("/spec/nodeName"_json_pointer, "").empty()) return;
  const std::string ns = pod["metadata"].value("namespace", ""), name = pod["metadata"].value("name", "");
  nlohmann::json binding{{"apiVersion", "v1"},
                         {"kind", "Binding"},
                         {"metadata", {{"name", name}, {"namespace", ns}}},
                         {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", ctx_.node_name}}}};
  runtime::HttpRequest request;
  request.method = "POST";
  request.target = runtime::resource_path(runtime::resources::kPods, ns, name, "binding");
  request.headers["Content-Type"] = "application/json";
  request.body = binding.dump();
  try {
    client_.request(request);
    spdlog::info("pod {}/{}: bound to {}", ns, name, ctx_.node_name);
  } catch (const runtime::ApiError& e) {
    if (e.code() != 409 && e.code() != 404) spdlog::warn("pod {}/{}: binding failed: {}", ns, name, e.what());
  } catch (const std::exception& e) {
    spdlog::warn("pod {}/{}: binding failed: {}", ns, name, e.what());
  }
}

void NodeAgent::stop() {
  {
    std::lock_guard lock(mu_);
    std::lock_guard hb(hb_mu_);
    if (stopping_.exchange(true)) return;
  }
  hb_cv_.notify_all();
  if (unbound_) unbound_->stop();
  if (pods_) pods_->stop();
  std::map<std::string, std::unique_ptr<PodWorker>> workers;
  std::vector<std::unique_ptr<PodWorker>> graveyard;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
    graveyard.swap(graveyard_);
  }
  for (auto& [uid, w] : workers) w->shutdown();
  for (auto& w : graveyard) w->shutdown();
  workers.clear();  // joins
  graveyard.clear();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (!started_) return;
  try {
    client_.patch(kNodes, "", ctx_.node_name, runtime::PatchType::Merge,
                  {{"status", {{"conditions", node_conditions(false, now_text())}}}}, true);
    spdlog::info("node {}: marked NotReady", ctx_.node_name);
  } catch (const std::exception& e) {
    spdlog::warn("node {}: could not mark it NotReady: {}", ctx_.node_name, e.what());
  }
}

}  // namespace redraft::localnode
