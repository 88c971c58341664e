// build_pod / build_input_configmap: golden documents plus the rules that must hold for any
// input (credentials only where they belong, security settings on every container).
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/build_pod.hpp"

namespace {

using nlohmann::json;
using namespace redraft;
using namespace redraft::controllers::agentictask;

const std::string kTestdata = std::string(REDRAFT_SOURCE_DIR) + "/tests/controllers/testdata/";

api::AgenticTask sample_task() {
  return api::decode<api::AgenticTask>(R"({
    "apiVersion": "redraft.dev/v1alpha1", "kind": "AgenticTask",
    "metadata": {"name": "wl-issue-7-code", "namespace": "team-a", "uid": "task-uid-1",
                 "resourceVersion": "42", "generation": 3,
                 "labels": {"redraft.dev/workload": "wl", "redraft.dev/item": "issue-7",
                            "redraft.dev/iteration": "0", "other": "kept-off-the-pod"}},
    "spec": {"kind": "code", "agentRef": {"name": "coder"},
             "repo": {"url": "https://git.example/repo.git",
                      "credentialsSecretRef": {"name": "git-token"}},
             "baseBranch": "main", "branch": "redraft/wl/issue-7",
             "issue": {"number": 7, "title": "Fix it"}, "timeoutSeconds": 900},
    "status": {"phase": "Running", "attempts": 1}
  })");
}

api::Agent sample_agent() {
  return api::decode<api::Agent>(R"({
    "apiVersion": "redraft.dev/v1alpha1", "kind": "Agent",
    "metadata": {"name": "coder", "namespace": "team-a", "uid": "agent-uid", "resourceVersion": "7"},
    "spec": {"role": "coder", "image": "ghcr.io/example/agent:1.2", "command": ["claude"],
             "env": [{"name": "MODEL", "value": "big"},
                     {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "llm", "key": "key"}}}],
             "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "500m"}},
             "timeoutSeconds": 1200}
  })");
}

PodBuildOptions options(int attempt = 1) {
  PodBuildOptions o;
  o.attempt = attempt;
  o.executor_image = "registry.example/redraft/executor:v1";
  return o;
}

// Compares with testdata/<name>; REDRAFT_UPDATE_GOLDEN=1 rewrites the file instead.
void expect_golden(const json& actual, const std::string& name) {
  const std::string path = kTestdata + name;
  if (std::getenv("REDRAFT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual.dump(2) << "\n";
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path;
  std::stringstream text;
  text << in.rdbuf();
  const json expected = json::parse(text.str());
  EXPECT_EQ(actual, expected) << "diff (expected → actual): " << json::diff(expected, actual).dump(1);
}

const json& container(const json& pod, const std::string& name) {
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod["spec"][list]) {
      if (c["name"] == name) return c;
    }
  }
  throw std::runtime_error("no container " + name);
}

std::set<std::string> mount_names(const json& c) {
  std::set<std::string> out;
  for (const auto& m : c["volumeMounts"]) out.insert(m["name"].get<std::string>());
  return out;
}

const std::vector<std::string> kAllContainers = {"install", "prepare", "agent", "publish"};

TEST(AgenticTaskBuildPod, GoldenWithCredentials) { expect_golden(build_pod(sample_task(), sample_agent(), options()), "agentictask_pod_credentials.json"); }

TEST(AgenticTaskBuildPod, GoldenWithoutCredentialsAttempt2WithServiceAccount) {
  auto task = sample_task();
  task.spec.repo.credentialsSecretRef = {};
  auto o = options(2);
  o.task_service_account = "redraft-task";
  expect_golden(build_pod(task, sample_agent(), o), "agentictask_pod_public_repo.json");
}

TEST(AgenticTaskBuildPod, GoldenInputConfigMap) {
  expect_golden(build_input_configmap(sample_task(), sample_agent(), options()), "agentictask_configmap.json");
}

TEST(AgenticTaskBuildPod, CredentialsOnlyInPrepareAndPublish) {
  json pod = build_pod(sample_task(), sample_agent(), options());
  EXPECT_TRUE(mount_names(container(pod, "prepare")).count("git-credentials"));
  EXPECT_TRUE(mount_names(container(pod, "publish")).count("git-credentials"));
  EXPECT_FALSE(mount_names(container(pod, "agent")).count("git-credentials"));
  EXPECT_FALSE(mount_names(container(pod, "install")).count("git-credentials"));
  const std::string agent_cmd = container(pod, "agent")["command"].dump();
  EXPECT_EQ(agent_cmd.find("git-credentials"), std::string::npos) << agent_cmd;
  for (const char* c : {"prepare", "publish"}) {
    const auto cmd = container(pod, c)["command"];
    EXPECT_EQ(cmd[cmd.size() - 2], "--git-credentials-dir") << c;
    EXPECT_EQ(cmd[cmd.size() - 1], "/redraft/git-credentials") << c;
  }
  // The Secret volume: the referenced Secret, owner-read only.
  bool found = false;
  for (const auto& v : pod["spec"]["volumes"]) {
    if (v["name"] != "git-credentials") continue;
    found = true;
    EXPECT_EQ(v["secret"]["secretName"], "git-token");
    EXPECT_EQ(v["secret"]["defaultMode"], 0400);
  }
  EXPECT_TRUE(found);
  // The credentials mount is read-only wherever it appears.
  for (const auto& name : kAllContainers) {
    for (const auto& m : container(pod, name)["volumeMounts"]) {
      if (m["name"] == "git-credentials") {
        EXPECT_EQ(m.value("readOnly", false), true) << name;
      }
    }
  }
}

TEST(AgenticTaskBuildPod, NoSecretMeansNoCredentialsVolumeOrFlag) {
  auto task = sample_task();
  task.spec.repo.credentialsSecretRef = {};
  json pod = build_pod(task, sample_agent(), options());
  EXPECT_EQ(pod.dump().find("git-credentials"), std::string::npos);
}

TEST(AgenticTaskBuildPod, EveryContainerIsLockedDown) {
  json pod = build_pod(sample_task(), sample_agent(), options());
  const json& spec = pod["spec"];
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["enableServiceLinks"], false);
  EXPECT_EQ(spec["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(spec["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(spec["securityContext"]["runAsGroup"], 65532);
  EXPECT_EQ(spec["securityContext"]["fsGroup"], 65532);
  EXPECT_EQ(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_FALSE(spec.contains("serviceAccountName"));
  for (const auto& name : kAllContainers) {
    const json& c = container(pod, name);
    EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false) << name;
    EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"})) << name;
    EXPECT_EQ(c["terminationMessagePolicy"], "FallbackToLogsOnError") << name;
    const bool executor_image = name != "agent";
    EXPECT_EQ(c["securityContext"].value("readOnlyRootFilesystem", false), executor_image) << name;
    EXPECT_EQ(c["image"], executor_image ? "registry.example/redraft/executor:v1" : "ghcr.io/example/agent:1.2")
        << name;
  }
  // Order matters: init containers run one after another.
  ASSERT_EQ(spec["initContainers"].size(), 3u);
  EXPECT_EQ(spec["initContainers"][0]["name"], "install");
  EXPECT_EQ(spec["initContainers"][1]["name"], "prepare");
  EXPECT_EQ(spec["initContainers"][2]["name"], "agent");
  ASSERT_EQ(spec["containers"].size(), 1u);
  EXPECT_EQ(container(pod, "publish")["command"][11], "/dev/termination-log");
}

TEST(AgenticTaskBuildPod, AgentEnvAndResourcesGoToTheAgentContainerOnly) {
  auto agent = sample_agent();
  json pod = build_pod(sample_task(), agent, options());
  const json& a = container(pod, "agent");
  EXPECT_EQ(a["resources"]["limits"]["memory"], "4Gi");
  EXPECT_EQ(a["workingDir"], "/workspace");
  EXPECT_NE(a["env"].dump().find(R"({"name":"MODEL","value":"big"})"), std::string::npos) << a["env"].dump();
  EXPECT_NE(a["env"].dump().find("secretKeyRef"), std::string::npos);
  for (const char* name : {"install", "prepare", "publish"}) {
    const json& c = container(pod, name);
    EXPECT_FALSE(c.contains("resources")) << name;
    EXPECT_EQ(c["env"], json::parse(R"([{"name":"HOME","value":"/redraft/state"},{"name":"TMPDIR","value":"/redraft/state"}])"))
        << name;
  }
  // An Agent that sets HOME itself keeps its value (no duplicate entry).
  agent.spec.env.push_back(api::EnvVar{"HOME", api::Text("/home/agent"), std::nullopt});
  json pod2 = build_pod(sample_task(), agent, options());
  int homes = 0;
  for (const auto& e : container(pod2, "agent")["env"]) {
    if (e["name"] == "HOME") {
      ++homes;
      EXPECT_EQ(e["value"], "/home/agent");
    }
  }
  EXPECT_EQ(homes, 1);
}

TEST(AgenticTaskBuildPod, ActiveDeadlineFromTaskThenAgentThenDefaultPlusMargin) {
  auto task = sample_task();
  auto agent = sample_agent();
  EXPECT_EQ(active_deadline_seconds(task, agent), 900 + 600);
  task.spec.timeoutSeconds.reset();
  EXPECT_EQ(active_deadline_seconds(task, agent), 1200 + 600);
  agent.spec.timeoutSeconds.reset();
  EXPECT_EQ(active_deadline_seconds(task, agent), 1800 + 600);
  EXPECT_EQ(build_pod(task, agent, options())["spec"]["activeDeadlineSeconds"], 2400);
}

TEST(AgenticTaskBuildPod, NamesLabelsAndOwner) {
  auto task = sample_task();
  json pod = build_pod(task, sample_agent(), options(3));
  EXPECT_EQ(pod["metadata"]["name"], "wl-issue-7-code-3");
  EXPECT_EQ(pod["metadata"]["namespace"], "team-a");
  const json& labels = pod["metadata"]["labels"];
  EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "redraft-operator");
  EXPECT_EQ(labels["app.kubernetes.io/name"], "redraft-task");
  EXPECT_EQ(labels["redraft.dev/task"], "wl-issue-7-code");
  EXPECT_EQ(labels["redraft.dev/attempt"], "3");
  EXPECT_EQ(labels["redraft.dev/workload"], "wl");
  EXPECT_FALSE(labels.contains("other"));
  EXPECT_FALSE(labels.contains("redraft.dev/fork-of"));
  const json& owner = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "AgenticTask");
  EXPECT_EQ(owner["apiVersion"], "redraft.dev/v1alpha1");
  EXPECT_EQ(owner["uid"], "task-uid-1");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  // The input volume is this attempt's ConfigMap.
  EXPECT_EQ(pod["spec"]["volumes"][3]["configMap"]["name"], "wl-issue-7-code-3");

  task.spec.forkOf = api::LocalObjectReference{"wl-issue-7-code"};
  EXPECT_EQ(build_pod(task, sample_agent(), options())["metadata"]["labels"]["redraft.dev/fork-of"], "wl-issue-7-code");
  EXPECT_EQ(build_input_configmap(task, sample_agent(), options())["metadata"]["labels"]["redraft.dev/fork-of"],
            "wl-issue-7-code");
}

TEST(AgenticTaskBuildPod, LongNamesAreCutDeterministicallyAndStayDistinct) {
  const std::string long_a(250, 'a');
  const std::string long_b = std::string(249, 'a') + "b";
  const std::string a1 = pod_name(long_a, 1);
  EXPECT_LE(a1.size(), 253u);
  EXPECT_EQ(a1, pod_name(long_a, 1));
  EXPECT_NE(a1, pod_name(long_b, 1));
  EXPECT_NE(a1, pod_name(long_a, 2));
  EXPECT_TRUE(a1.ends_with("-1"));
  EXPECT_LE(pod_name(long_a, 12).size(), 253u);
  EXPECT_EQ(pod_name(std::string(251, 'x'), 1), std::string(251, 'x') + "-1");  // exactly 253
  // A cut that would end on '-' or '.' drops it.
  const std::string dashes = std::string(230, 'a') + std::string(30, '-');
  const std::string cut = pod_name(dashes, 1);
  EXPECT_EQ(cut.find("--"), std::string::npos) << cut;
  // Label values are made safe (long task names).
  api::AgenticTask task = sample_task();
  task.metadata.name = long_a;
  auto labels = pod_labels(task, 1);
  EXPECT_LE(labels.at("redraft.dev/task").size(), 63u);
}

TEST(AgenticTaskBuildPod, ConfigMapCarriesTheEffectiveTaskAndTheAgent) {
  auto task = sample_task();
  task.spec.reviseFromBranch = "redraft/wl/issue-6";
  task.spec.expectedRemoteSha = "0123456789012345678901234567890123456789";
  json cm = build_input_configmap(task, sample_agent(), options(2));
  EXPECT_EQ(cm["metadata"]["name"], "wl-issue-7-code-2");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], "task-uid-1");
  auto decoded = api::decode<api::AgenticTask>(cm["data"]["task.json"].get<std::string>());
  EXPECT_EQ(decoded.spec, task.spec);
  EXPECT_EQ(decoded.status, api::AgenticTaskStatus{});
  EXPECT_EQ(decoded.metadata.name, "wl-issue-7-code");
  EXPECT_EQ(decoded.metadata.labels.at("redraft.dev/workload"), "wl");
  auto agent = api::decode<api::Agent>(cm["data"]["agent.json"].get<std::string>());
  EXPECT_EQ(agent.spec, sample_agent().spec);
}

}  // namespace
