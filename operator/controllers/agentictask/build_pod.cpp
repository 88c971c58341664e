#include "operator/controllers/agentictask/build_pod.hpp"

#include <cstdio>

#include "api/codec.hpp"
#include "operator/controllers/common/labels.hpp"

namespace redraft::controllers::agentictask {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxObjectName = 253;

// Mount points (the executor's command line names them; DESIGN.md §1).
constexpr const char* kWorkspaceDir = "/workspace";
constexpr const char* kStateDir = "/redraft/state";
constexpr const char* kBinDir = "/redraft/bin";
constexpr const char* kInputDir = "/redraft/input";
constexpr const char* kCredentialsDir = "/redraft/git-credentials";
constexpr const char* kInstalledExecutor = "/redraft/bin/redraft-executor";

// Volume names.
constexpr const char* kWorkspaceVolume = "workspace";
constexpr const char* kStateVolume = "state";
constexpr const char* kBinVolume = "redraft-bin";
constexpr const char* kInputVolume = "input";
constexpr const char* kCredentialsVolume = "git-credentials";

json mount(const char* volume, const char* path, bool read_only = false) {
  json m = {{"name", volume}, {"mountPath", path}};
  if (read_only) m["readOnly"] = true;
  return m;
}

json container_security(bool read_only_root) {
  json s = {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", json::array({"ALL"})}}}};
  if (read_only_root) s["readOnlyRootFilesystem"] = true;
  return s;
}

// The executor's HOME and TMPDIR: the root filesystem is read-only, the state volume is not.
json executor_env() {
  return json::array({{{"name", "HOME"}, {"value", kStateDir}}, {{"name", "TMPDIR"}, {"value", kStateDir}}});
}

std::string secret_name(const api::AgenticTask& task) { return task.spec.repo.credentialsSecretRef.name.str(); }

// The phase command line shared by prepare, agent and publish.
json phase_command(const char* phase, const char* result_file, bool with_credentials) {
  json c = json::array({kInstalledExecutor, phase, "--task-file", std::string(kInputDir) + "/task.json",
                        "--agent-file", std::string(kInputDir) + "/agent.json", "--workspace", kWorkspaceDir,
                        "--state-dir", kStateDir, "--result-file", result_file});
  if (with_credentials) {
    c.push_back("--git-credentials-dir");
    c.push_back(kCredentialsDir);
  }
  return c;
}

json base_container(const char* name, const std::string& image, json command, bool read_only_root) {
  return {{"name", name},
          {"image", image},
          {"command", std::move(command)},
          {"securityContext", container_security(read_only_root)},
          {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

// Phase containers see the workspace, the state, the installed executor and the input; prepare
// and publish also the credentials.
json phase_mounts(bool with_credentials) {
  json m = json::array({mount(kWorkspaceVolume, kWorkspaceDir), mount(kStateVolume, kStateDir),
                        mount(kBinVolume, kBinDir, true), mount(kInputVolume, kInputDir, true)});
  if (with_credentials) m.push_back(mount(kCredentialsVolume, kCredentialsDir, true));
  return m;
}

// The agent's env: HOME/TMPDIR on the writable state volume unless the Agent sets them, then
// the Agent's own variables (valueFrom included: the kubelet resolves them).
json agent_env(const api::Agent& agent) {
  json env = json::array();
  for (const char* name : {"HOME", "TMPDIR"}) {
    bool declared = false;
    for (const auto& e : agent.spec.env) declared = declared || e.name == name;
    if (!declared) env.push_back({{"name", name}, {"value", kStateDir}});
  }
  for (const auto& e : agent.spec.env) env.push_back(json(e));
  return env;
}

json metadata_for(const api::AgenticTask& task, int attempt) {
  json labels = json::object();
  for (const auto& [k, v] : pod_labels(task, attempt)) labels[k.str()] = v.str();
  return {{"name", pod_name(task.metadata.name.view(), attempt)},
          {"namespace", task.metadata.namespace_.str()},
          {"labels", std::move(labels)},
          {"ownerReferences", json::array({task_owner_reference(task)})}};
}

}  // namespace

std::string pod_name(std::string_view task_name, int attempt) {
  const std::string suffix = "-" + std::to_string(attempt);
  return bounded_object_name(task_name, kMaxObjectName - suffix.size()) + suffix;
}

api::StringMap pod_labels(const api::AgenticTask& task, int attempt) {
  api::StringMap labels;
  for (const char* key : {api::kLabelWorkload, api::kLabelItem, api::kLabelIteration}) {
    if (auto it = task.metadata.labels.find(std::string_view(key)); it != task.metadata.labels.end()) {
      labels[key] = safe_label_value(it->second.view());
    }
  }
  if (task.spec.forkOf && !task.spec.forkOf->name.empty()) {
    labels[api::kLabelForkOf] = safe_label_value(task.spec.forkOf->name.view());
  }
  labels[kLabelManagedBy] = kManagedByValue;
  labels[kLabelAppName] = kAppNameValue;
  labels[kLabelTask] = safe_label_value(task.metadata.name.view());
  labels[kLabelAttempt] = std::to_string(attempt);
  return labels;
}

json task_owner_reference(const api::AgenticTask& task) {
  return {{"apiVersion", api::kApiVersion}, {"kind", "AgenticTask"},
          {"name", task.metadata.name.str()}, {"uid", task.metadata.uid.str()},
          {"controller", true},                {"blockOwnerDeletion", true}};
}

std::int64_t active_deadline_seconds(const api::AgenticTask& task, const api::Agent& agent) {
  std::int64_t timeout = kDefaultTaskTimeoutSeconds;
  if (task.spec.timeoutSeconds && *task.spec.timeoutSeconds > 0) {
    timeout = *task.spec.timeoutSeconds;
  } else if (agent.spec.timeoutSeconds && *agent.spec.timeoutSeconds > 0) {
    timeout = *agent.spec.timeoutSeconds;
  }
  return timeout + kPodDeadlineMarginSeconds;
}

json build_input_configmap(const api::AgenticTask& effective_task, const api::Agent& agent,
                           const PodBuildOptions& options) {
  api::AgenticTask task = effective_task;
  task.status = {};
  task.metadata.resourceVersion.clear();
  api::Agent agent_doc = agent;
  agent_doc.status = {};
  agent_doc.metadata.resourceVersion.clear();
  const auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata_for(effective_task, options.attempt)}};
  cm["data"] = {{"task.json", dump(json(task))}, {"agent.json", dump(json(agent_doc))}};
  return cm;
}

json build_pod(const api::AgenticTask& task, const api::Agent& agent, const PodBuildOptions& options) {
  const std::string secret = secret_name(task);
  const bool creds = !secret.empty();
  const std::string& exe_image = options.executor_image;

  json install = base_container(kInstallContainer, exe_image,
                                json::array({"redraft-executor", "install", "--to", kBinDir}), true);
  install["env"] = executor_env();
  install["volumeMounts"] = json::array({mount(kBinVolume, kBinDir)});

  json prepare = base_container(kPrepareContainer, exe_image,
                                phase_command("prepare", "/redraft/state/prepare-result.json", creds), true);
  prepare["env"] = executor_env();
  prepare["volumeMounts"] = phase_mounts(creds);

  // The agent runs from the Agent's image, which may need a writable root (caches, tools):
  // no readOnlyRootFilesystem, and never the credentials.
  json agent_c = base_container(kAgentContainer, agent.spec.image.str(),
                                phase_command("agent", "/redraft/state/agent-phase-result.json", false), false);
  agent_c["workingDir"] = kWorkspaceDir;
  agent_c["env"] = agent_env(agent);
  if (agent.spec.resources) agent_c["resources"] = json(*agent.spec.resources);
  agent_c["volumeMounts"] = phase_mounts(false);

  json publish = base_container(kPublishContainer, exe_image,
                                phase_command("publish", "/dev/termination-log", creds), true);
  publish["env"] = executor_env();
  publish["volumeMounts"] = phase_mounts(creds);

  json volumes = json::array({{{"name", kWorkspaceVolume}, {"emptyDir", json::object()}},
                              {{"name", kStateVolume}, {"emptyDir", json::object()}},
                              {{"name", kBinVolume}, {"emptyDir", json::object()}},
                              {{"name", kInputVolume},
                               {"configMap", {{"name", pod_name(task.metadata.name.view(), options.attempt)}}}}});
  if (creds) {
    volumes.push_back({{"name", kCredentialsVolume}, {"secret", {{"secretName", secret}, {"defaultMode", 0400}}}});
  }

  json spec = {{"restartPolicy", "Never"},
               {"automountServiceAccountToken", false},
               {"enableServiceLinks", false},
               {"activeDeadlineSeconds", active_deadline_seconds(task, agent)},
               {"securityContext",
                {{"runAsNonRoot", true},
                 {"runAsUser", kRunAsId},
                 {"runAsGroup", kRunAsId},
                 {"fsGroup", kRunAsId},
                 {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
               {"initContainers", json::array({std::move(install), std::move(prepare), std::move(agent_c)})},
               {"containers", json::array({std::move(publish)})},
               {"volumes", std::move(volumes)}};
  if (!options.task_service_account.empty()) spec["serviceAccountName"] = options.task_service_account;

  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata_for(task, options.attempt)},
          {"spec", std::move(spec)}};
}

}  // namespace redraft::controllers::agentictask
