// redraft-localnode against the devserver with the real kubectl: pods really run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <map>
#include <sstream>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>

#include "localnode_fixture.hpp"

namespace redraft::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A pod bound to the test node running `script` with sh -c in container "main". The script is
// subject to $(VAR) expansion like any command: "$$$$" reaches the shell as "$$".
std::string shell_pod(const std::string& name, const std::string& script, const std::string& extra_spec = "") {
  json pod{{"apiVersion", "v1"},
           {"kind", "Pod"},
           {"metadata", {{"name", name}}},
           {"spec",
            {{"nodeName", "local"},
             {"restartPolicy", "Never"},
             {"terminationGracePeriodSeconds", 1},
             {"containers", json::array({{{"name", "main"}, {"image", "busybox"},
                                          {"command", {"sh", "-c", script}}}})}}}};
  if (!extra_spec.empty()) pod["spec"].merge_patch(json::parse(extra_spec));
  return pod.dump();
}

// The waiting reason of `container` in `pod`, or "" (pod may be null).
std::string waiting_reason(const json& pod, const std::string& container) {
  const json state = container_state(pod, container);
  return state.is_object() && state.contains("waiting") ? state["waiting"].value("reason", "") : "";
}

std::vector<pid_t> pids_in(const std::string& log, const std::string& label) {
  std::vector<pid_t> out;
  std::regex re(label + "=([0-9]+)");
  for (std::sregex_iterator it(log.begin(), log.end(), re), end; it != end; ++it)
    out.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  return out;
}

std::string read_link(const std::string& path) {
  std::error_code ec;
  return fs::read_symlink(path, ec).string();
}

// Containers run in PID namespaces of their own: the pids they print are theirs. Translates them
// to host pids through the container's init (the child of the containerID's helper pid); empty
// when one cannot be found (yet).
std::vector<pid_t> host_pids(const json& pod, const std::vector<pid_t>& ns_pids) {
  if (pod.is_null()) return {};
  std::string id;
  for (const auto& c : pod["status"].value("containerStatuses", json::array()))
    if (c.value("name", "") == "main") id = c.value("containerID", "");
  if (!id.starts_with("localnode://")) return {};
  const std::string helper = id.substr(12, id.find('/', 12) - 12);
  std::string ns;
  std::map<pid_t, std::pair<std::string, pid_t>> procs;  // host pid -> (pid ns, innermost pid)
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    std::string line, ppid, nspid;
    while (std::getline(status, line)) {
      if (line.starts_with("PPid:")) ppid = line.substr(5);
      if (line.starts_with("NSpid:")) nspid = line.substr(6);
    }
    const std::string link = read_link(e.path() / "ns" / "pid");
    if (std::stol("0" + ppid.substr(ppid.find_first_not_of(" \t") == std::string::npos ? 0 : ppid.find_first_not_of(" \t"))) ==
        std::stol(helper))
      ns = link;
    std::istringstream fields(nspid);
    long inner = -1, f = 0;
    while (fields >> f) inner = f;
    procs[static_cast<pid_t>(std::stol(name))] = {link, static_cast<pid_t>(inner)};
  }
  if (ns.empty()) return {};
  std::vector<pid_t> out;
  for (pid_t want : ns_pids)
    for (const auto& [host, p] : procs)
      if (p.first == ns && p.second == want) out.push_back(host);
  if (out.size() != ns_pids.size()) return {};
  return out;
}

TEST_F(LocalNodeTest, RegistersTheNodeWithLeaseAndKubeletPortAndGoesNotReadyOnExit) {
  json node_obj = server.request("GET", "/api/v1/nodes/local").json();
  std::map<std::string, std::string> conds;
  for (const auto& c : node_obj["status"]["conditions"]) conds[c["type"]] = c["status"];
  EXPECT_EQ(conds["Ready"], "True");
  EXPECT_EQ(node_obj["status"]["addresses"][0]["address"], "127.0.0.1");
  const int port = node_obj["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"];
  EXPECT_GT(port, 0);
  json lease = server.request("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/local").json();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "local");
  const std::string first_renew = lease["spec"]["renewTime"];
  EXPECT_TRUE(eventually([&] {
    auto l = server.request("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/local").json();
    return l["spec"]["renewTime"] != first_renew;
  }, 20s)) << "the lease is renewed every heartbeat";
  auto r = run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "http://127.0.0.1:" + std::to_string(port) + "/containerLogs/default/nope/c"});
  EXPECT_EQ(r.output, "404");

  // Stopping the node stops what it runs.
  apply(shell_pod("running", "echo pid=$$$$; sleep 300"));
  std::vector<pid_t> pids;
  ASSERT_TRUE(eventually([&] { return !(pids = pids_in(node_log("running", "main"), "pid")).empty(); }, 30s));
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("running"), pids).empty(); }, 30s));
  pids = host_pids(pod("running"), pids);
  EXPECT_EQ(node->stop(SIGTERM), 0);
  EXPECT_FALSE(process_alive(pids[0]));
  node.reset();
  node_obj = server.request("GET", "/api/v1/nodes/local").json();
  bool not_ready = false;
  for (const auto& c : node_obj["status"]["conditions"])
    if (c["type"] == "Ready") not_ready = c["status"] == "False";
  EXPECT_TRUE(not_ready) << "a Ready condition with status False: " << node_obj["status"].dump();
  EXPECT_FALSE(node_obj["status"]["capacity"].value("cpu", "").empty()) << node_obj["status"].dump();
  EXPECT_FALSE(node_obj["status"]["capacity"].value("memory", "").empty());
  EXPECT_EQ(node_obj["status"]["capacity"].value("pods", ""), "110");
}

TEST_F(LocalNodeTest, StoppingTheNodeMidGracePeriodKillsAtOnce) {
  apply(shell_pod("stubborn", "trap '' TERM; echo pid=$$$$; while true; do sleep 1; done",
                  R"J({"terminationGracePeriodSeconds": 300})J"));
  std::vector<pid_t> pids;
  ASSERT_TRUE(eventually([&] { return !(pids = pids_in(node_log("stubborn", "main"), "pid")).empty(); }, 30s));
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("stubborn"), pids).empty(); }, 30s));
  pids = host_pids(pod("stubborn"), pids);
  auto r = kubectl({"delete", "pod", "stubborn", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // In the 300 s grace period now (SIGTERM ignored); the node must not wait it out.
  ASSERT_TRUE(eventually([&] { return node->stderr_text().find("stubborn") != std::string::npos; }, 10s));
  std::this_thread::sleep_for(1s);  // let the worker enter its grace period (not an assertion)
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(node->stop(SIGTERM, 60s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_FALSE(process_alive(pids[0]));
}

TEST_F(LocalNodeTest, InitContainersRunInOrderThenTheContainers) {
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ordered"},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "volumes": [{"name": "work", "emptyDir": {}}],
      "initContainers": [
        {"name": "one", "image": "busybox", "command": ["sh", "-c", "sleep 0.3; echo one >> /workspace/order"],
         "volumeMounts": [{"name": "work", "mountPath": "/workspace"}]},
        {"name": "two", "image": "busybox", "command": ["sh", "-c", "echo two >> /workspace/order"],
         "volumeMounts": [{"name": "work", "mountPath": "/workspace"}]}],
      "containers": [
        {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo main >> /workspace/order; cat /workspace/order"],
         "volumeMounts": [{"name": "work", "mountPath": "/workspace"}]}]}})J");
  json p = wait_phase("ordered", "Succeeded");
  EXPECT_EQ(node_log("ordered", "main"), "one\ntwo\nmain\n");
  EXPECT_EQ(container_state(p, "one", true)["terminated"]["reason"], "Completed");
  EXPECT_EQ(container_state(p, "two", true)["terminated"]["exitCode"], 0);
  EXPECT_EQ(container_state(p, "main")["terminated"]["reason"], "Completed");
  EXPECT_FALSE(container_state(p, "main")["terminated"].value("startedAt", "").empty());
  EXPECT_FALSE(container_state(p, "main")["terminated"].value("finishedAt", "").empty());
  EXPECT_EQ(p["status"]["podIP"], "127.0.0.1");
  EXPECT_EQ(p["status"]["hostIP"], "127.0.0.1");
  EXPECT_FALSE(p["status"].value("startTime", "").empty());
  std::map<std::string, json> conds;
  for (const auto& c : p["status"]["conditions"]) conds[c["type"]] = c;
  EXPECT_EQ(conds["Initialized"]["status"], "True");
  EXPECT_EQ(conds["Ready"]["status"], "False");
  EXPECT_EQ(conds["Ready"]["reason"], "PodCompleted");
  // Nothing was created in the host's root for the mount path.
  EXPECT_FALSE(fs::exists("/workspace"));
}

TEST_F(LocalNodeTest, AFailingInitContainerFailsThePodAndNothingAfterItRuns) {
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "badinit"},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "initContainers": [
        {"name": "fails", "image": "busybox", "command": ["sh", "-c", "echo failing; exit 7"]},
        {"name": "never", "image": "busybox", "command": ["sh", "-c", "echo ran"]}],
      "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo ran"]}]}})J");
  json p = wait_phase("badinit", "Failed");
  EXPECT_EQ(container_state(p, "fails", true)["terminated"]["exitCode"], 7);
  EXPECT_EQ(container_state(p, "fails", true)["terminated"]["reason"], "Error");
  EXPECT_TRUE(container_state(p, "never", true).contains("waiting")) << p["status"].dump();
  EXPECT_TRUE(container_state(p, "main").contains("waiting")) << p["status"].dump();
  EXPECT_EQ(node_log("badinit", "never"), "");
  EXPECT_EQ(node_log("badinit", "main"), "");
}

TEST_F(LocalNodeTest, ExitCodesAndTerminationMessages) {
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "msgs"},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "containers": [
        {"name": "ok", "image": "busybox", "command": ["sh", "-c", "printf 'all good' > /dev/termination-log"]},
        {"name": "code", "image": "busybox", "command": ["sh", "-c", "exit 3"]},
        {"name": "long", "image": "busybox",
         "command": ["sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x > /dev/termination-log"]},
        {"name": "custom", "image": "busybox", "terminationMessagePath": "/var/msg/here",
         "command": ["sh", "-c", "echo custom > /var/msg/here"]},
        {"name": "fallback", "image": "busybox", "terminationMessagePolicy": "FallbackToLogsOnError",
         "command": ["sh", "-c", "i=0; while [ $i -lt 100 ]; do echo line $i; i=$((i+1)); done; exit 1"]},
        {"name": "fallbackok", "image": "busybox", "terminationMessagePolicy": "FallbackToLogsOnError",
         "command": ["sh", "-c", "echo only-log"]},
        {"name": "filewins", "image": "busybox", "terminationMessagePolicy": "FallbackToLogsOnError",
         "command": ["sh", "-c", "echo log; echo from-file > /dev/termination-log; exit 2"]},
        {"name": "missing", "image": "busybox", "command": ["no-such-binary-xyz"]}]}})J");
  json p = wait_phase("msgs", "Failed");
  auto term = [&](const std::string& c) { return container_state(p, c)["terminated"]; };
  EXPECT_EQ(term("ok")["exitCode"], 0);
  EXPECT_EQ(term("ok")["message"], "all good");
  EXPECT_EQ(term("code")["exitCode"], 3);
  EXPECT_EQ(term("code")["reason"], "Error");
  EXPECT_EQ(term("long")["message"].get<std::string>(), std::string(4096, 'x'));
  EXPECT_EQ(term("custom")["message"], "custom\n");
  const std::string fallback = term("fallback")["message"];
  EXPECT_TRUE(fallback.starts_with("line 20\n")) << fallback.substr(0, 40);
  EXPECT_TRUE(fallback.ends_with("line 99\n"));
  EXPECT_FALSE(term("fallbackok").contains("message"));
  EXPECT_EQ(term("filewins")["message"], "from-file\n");
  EXPECT_EQ(term("missing")["exitCode"], 128);
  EXPECT_EQ(term("missing")["reason"], "StartError");
  EXPECT_THAT(term("missing")["message"].get<std::string>(), HasSubstr("executable file not found"));
  EXPECT_FALSE(fs::exists("/var/msg"));
}

TEST_F(LocalNodeTest, EnvValueFromFieldRefsAndVariableExpansion) {
  ASSERT_EQ(kubectl({"create", "secret", "generic", "creds", "--from-literal=token=s3cret"}).exit_code, 0);
  ASSERT_EQ(kubectl({"create", "configmap", "settings", "--from-literal=mode=fast"}).exit_code, 0);
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "envs", "labels": {"team": "blue"}},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "containers": [{"name": "main", "image": "busybox",
        "env": [
          {"name": "GREETING", "value": "hi"},
          {"name": "COMBINED", "value": "$(GREETING)-there-$$(GREETING)"},
          {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
          {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
          {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
          {"name": "POD_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
          {"name": "POD_UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
          {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
          {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "command": ["sh", "-c"],
        "args": ["echo arg=$(GREETING) combined=$COMBINED token=$TOKEN mode=$MODE name=$POD_NAME ns=$POD_NS uid=$POD_UID team=$TEAM ip=$POD_IP; echo literal='$$(GREETING)'"]},
        {"name": "tool", "image": "example.com/tools:1", "command": ["hello-tool", "$(X)"],
         "env": [{"name": "X", "value": "arg1"}]}]}})J");
  json p = wait_phase("envs", "Succeeded");
  const std::string uid = p["metadata"]["uid"];
  EXPECT_EQ(node_log("envs", "main"),
            "arg=hi combined=hi-there-$(GREETING) token=s3cret mode=fast name=envs ns=default uid=" + uid +
                " team=blue ip=127.0.0.1\nliteral=$(GREETING)\n");
  EXPECT_EQ(node_log("envs", "tool"), "tool-ran arg1\n");  // --image-path puts the tool on PATH
  // The launch spec (which carries the environment, Secret values included) does not stay behind.
  for (const auto& e : fs::recursive_directory_iterator(root))
    EXPECT_NE(e.path().filename(), "launch.json") << e.path();
}

TEST_F(LocalNodeTest, AMissingSecretKeepsThePodPendingUntilItExists) {
  apply(shell_pod("waits", "cat /creds/key", R"J({"volumes": [{"name": "c", "secret": {"secretName": "late"}}],
      "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "cat /creds/key"],
                      "volumeMounts": [{"name": "c", "mountPath": "/creds"}]}]})J"));
  json p = wait_pod("waits", [](const json& p) {
    return waiting_reason(p, "main") == "CreateContainerConfigError";
  });
  EXPECT_EQ(p["status"]["phase"], "Pending");
  EXPECT_THAT(container_state(p, "main")["waiting"].value("message", ""), HasSubstr("secret \"late\" not found"));
  ASSERT_EQ(kubectl({"create", "secret", "generic", "late", "--from-literal=key=arrived"}).exit_code, 0);
  wait_phase("waits", "Succeeded");
  EXPECT_EQ(node_log("waits", "main"), "arrived");
}

TEST_F(LocalNodeTest, APendingPodWaitingForItsConfigCanBeDeleted) {
  apply(shell_pod("stuck", "true", R"J({"containers": [{"name": "main", "image": "busybox", "command": ["true"],
      "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "k"}}}]}]})J"));
  json p = wait_pod("stuck", [](const json& p) {
    return waiting_reason(p, "main") == "CreateContainerConfigError";
  });
  EXPECT_THAT(container_state(p, "main")["waiting"].value("message", ""), HasSubstr("configmap \"absent\" not found"));
  ASSERT_EQ(kubectl({"delete", "pod", "stuck", "--wait=false"}).exit_code, 0);
  EXPECT_TRUE(wait_pod("stuck", [](const json& p) { return p.is_null(); }, 30s).is_null());
}

TEST_F(LocalNodeTest, VolumesAppearAtTheirMountPathsWithModesAndReadOnly) {
  ASSERT_EQ(kubectl({"create", "secret", "generic", "sec", "--from-literal=password=pw", "--from-literal=user=u"}).exit_code, 0);
  ASSERT_EQ(kubectl({"create", "configmap", "cfg", "--from-literal=a=alpha", "--from-literal=b=beta"}).exit_code, 0);
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vols"},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "volumes": [
        {"name": "shared", "emptyDir": {}},
        {"name": "sec", "secret": {"secretName": "sec"}},
        {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 288, "items": [{"key": "a", "path": "dir/first"}, {"key": "b", "path": "second", "mode": 384}]}},
        {"name": "claim", "persistentVolumeClaim": {"claimName": "data"}}],
      "initContainers": [{"name": "writer", "image": "busybox",
        "command": ["sh", "-c", "echo shared-content > /shared/file; echo kept > /claim/kept"],
        "volumeMounts": [{"name": "shared", "mountPath": "/shared"}, {"name": "claim", "mountPath": "/claim"}]}],
      "containers": [{"name": "main", "image": "busybox",
        "command": ["sh", "-c", "cat /redraft/in/file; stat -c '%a %n' /redraft/sec/password /etc/app/dir/first /etc/app/second; cat /redraft/sec/user /etc/app/dir/first; echo; touch /redraft/in/new && echo writable || echo readonly-shared; touch /redraft/sec/new 2>/dev/null || echo readonly-secret; touch /etc/app/new 2>/dev/null || echo readonly-cm; echo x > /dev/termination-log && echo devlog-ok; ls /dev/null >/dev/null && echo dev-ok"],
        "volumeMounts": [{"name": "shared", "mountPath": "/redraft/in", "readOnly": true},
                         {"name": "sec", "mountPath": "/redraft/sec"},
                         {"name": "cfg", "mountPath": "/etc/app"}]}]}})J");
  wait_phase("vols", "Succeeded");
  const std::string log = node_log("vols", "main");
  EXPECT_THAT(log, HasSubstr("shared-content\n"));
  EXPECT_THAT(log, HasSubstr("400 /redraft/sec/password\n"));  // secret default mode
  EXPECT_THAT(log, HasSubstr("440 /etc/app/dir/first\n"));     // defaultMode 0440
  EXPECT_THAT(log, HasSubstr("600 /etc/app/second\n"));        // item mode
  EXPECT_THAT(log, HasSubstr("ualpha\n"));
  EXPECT_THAT(log, HasSubstr("readonly-shared\n"));
  EXPECT_THAT(log, HasSubstr("readonly-secret\n"));
  EXPECT_THAT(log, HasSubstr("readonly-cm\n"));
  EXPECT_THAT(log, HasSubstr("devlog-ok\n"));
  EXPECT_THAT(log, HasSubstr("dev-ok\n"));
  EXPECT_FALSE(fs::exists("/redraft"));
  EXPECT_FALSE(fs::exists("/etc/app"));
  EXPECT_FALSE(fs::exists("/dev/termination-log"));
  // Once the pod is terminal, the Secret's and ConfigMap's projected files are gone from the node.
  const fs::path volumes = root / "pods" / ("default_vols_" + pod("vols")["metadata"].value("uid", "")) / "volumes";
  EXPECT_TRUE(fs::exists(volumes / "shared")) << volumes;
  EXPECT_TRUE(eventually([&] { return !fs::exists(volumes / "sec") && !fs::exists(volumes / "cfg"); }, 10s));

  // The claim outlives the pod: another pod sees what the first one wrote.
  apply(shell_pod("claim2", "cat /data/kept", R"J({"volumes": [{"name": "claim", "persistentVolumeClaim": {"claimName": "data"}}],
      "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "cat /data/kept"],
                      "volumeMounts": [{"name": "claim", "mountPath": "/data"}]}]})J"));
  wait_phase("claim2", "Succeeded");
  EXPECT_EQ(node_log("claim2", "main"), "kept\n");
}

TEST_F(LocalNodeTest, KubectlLogsReadsTheContainersOutput) {
  apply(R"J({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talky"},
    "spec": {"nodeName": "local", "restartPolicy": "Never",
      "initContainers": [{"name": "setup", "image": "busybox", "command": ["sh", "-c", "echo from-init"]}],
      "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo one; echo two >&2; echo three"]}]}})J");
  wait_phase("talky", "Succeeded");
  auto r = kubectl({"logs", "talky", "-c", "main"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "one\ntwo\nthree\n");
  r = kubectl({"logs", "talky", "-c", "setup"});
  EXPECT_EQ(r.output, "from-init\n");
  r = kubectl({"logs", "talky", "-c", "main", "--tail=1"});
  EXPECT_EQ(r.output, "three\n");
  r = kubectl({"logs", "talky", "-c", "nope"});
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(LocalNodeTest, ActiveDeadlineKillsThePodWithDeadlineExceeded) {
  apply(shell_pod("slow", "echo pid=$$$$; sleep 300", R"J({"activeDeadlineSeconds": 2})J"));
  std::vector<pid_t> pids;
  ASSERT_TRUE(eventually([&] { return !(pids = pids_in(node_log("slow", "main"), "pid")).empty(); }, 30s));
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("slow"), pids).empty(); }, 30s));
  pids = host_pids(pod("slow"), pids);
  json p = wait_phase("slow", "Failed", 60s);
  EXPECT_EQ(p["status"]["reason"], "DeadlineExceeded");
  EXPECT_EQ(container_state(p, "main")["terminated"]["reason"], "DeadlineExceeded");
  EXPECT_TRUE(eventually([&] { return !process_alive(pids[0]); }, 10s));
}

TEST_F(LocalNodeTest, DeletingARunningPodKillsItsWholeProcessTree) {
  // A background child, a grandchild in a session of its own, and a parent ignoring SIGTERM.
  apply(shell_pod("victim",
                  "trap '' TERM; sleep 300 & echo child=$!; setsid sh -c 'echo escaped=$$$$; sleep 300' & "
                  "echo pid=$$$$; while true; do sleep 1; done",
                  R"J({"terminationGracePeriodSeconds": 2})J"));
  std::vector<pid_t> pids;
  ASSERT_TRUE(eventually([&] {
    const std::string log = node_log("victim", "main");
    pids.clear();
    for (const char* label : {"pid", "child", "escaped"})
      for (pid_t p : pids_in(log, label)) pids.push_back(p);
    return pids.size() == 3;
  }, 30s)) << node_log("victim", "main");
  wait_phase("victim", "Running");
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("victim"), pids).empty(); }, 30s));
  pids = host_pids(pod("victim"), pids);
  for (pid_t p : pids) EXPECT_TRUE(process_alive(p)) << p;

  auto r = kubectl({"delete", "pod", "victim", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Removed by the node once the processes are gone (devserver graceful deletion).
  json gone = wait_pod("victim", [](const json& p) { return p.is_null(); }, 60s);
  EXPECT_TRUE(gone.is_null()) << gone.dump();
  for (pid_t p : pids) EXPECT_TRUE(eventually([&] { return !process_alive(p); }, 10s)) << p;
}

// Pids of live processes whose command line contains `marker`.
std::vector<pid_t> processes_with_argv(const std::string& marker) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (cmdline.find(marker) != std::string::npos && process_alive(pid)) out.push_back(pid);
  }
  return out;
}

TEST_F(LocalNodeTest, ADoubleForkedDaemonDoesNotOutliveItsPod) {
  // Fork twice + setsid: reparented away from the container, in a session of its own. The
  // fractional sleep is the marker that finds it on the host.
  const std::string marker = "sleep 299.7" + std::to_string(::getpid() % 1000);
  apply(shell_pod("daemon", "(setsid sh -c '" + marker + "' &) ; echo ps=$$(ps -o pid= 2>/dev/null | wc -l); sleep 300"));
  ASSERT_TRUE(eventually([&] { return !processes_with_argv(marker).empty(); }, 30s)) << node_log("daemon", "main");
  wait_phase("daemon", "Running");
  auto r = kubectl({"delete", "pod", "daemon", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json gone = wait_pod("daemon", [](const json& p) { return p.is_null(); }, 60s);
  EXPECT_TRUE(gone.is_null()) << gone.dump();
  EXPECT_TRUE(eventually([&] { return processes_with_argv(marker).empty(); }, 10s))
      << "the daemon outlived its pod: " << processes_with_argv(marker).size();
}

TEST_F(LocalNodeTest, TheContainerSeesItsOwnPidNamespace) {
  apply(shell_pod("pidns", "echo self=$$(readlink /proc/self); echo procs=$$(ls -d /proc/[0-9]* | wc -l)"));
  wait_phase("pidns", "Succeeded");
  const std::string log = node_log("pidns", "main");
  // Pid 1 is the container's init, the shell is 2, `readlink` 3 or so; the host has many more.
  const auto procs = pids_in(log, "procs");
  ASSERT_EQ(procs.size(), 1u) << log;
  EXPECT_LE(procs[0], 5) << log;
  const auto self = pids_in(log, "self");
  ASSERT_EQ(self.size(), 1u) << log;
  EXPECT_LE(self[0], 10) << log;
}

TEST_F(LocalNodeTest, ANodeRestartFailsThePodsItWasRunning) {
  apply(shell_pod("orphan", "sleep 300 & echo child=$!; echo pid=$$$$; wait"));
  std::vector<pid_t> pids;
  ASSERT_TRUE(eventually([&] {
    const std::string log = node_log("orphan", "main");
    pids = pids_in(log, "child");
    for (pid_t p : pids_in(log, "pid")) pids.push_back(p);
    return pids.size() == 2;
  }, 30s));
  wait_phase("orphan", "Running");
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("orphan"), pids).empty(); }, 30s));
  pids = host_pids(pod("orphan"), pids);
  node->stop(SIGKILL);  // a crash: nothing is cleaned up by the node itself
  start_node();
  json p = wait_phase("orphan", "Failed");
  EXPECT_EQ(p["status"]["reason"], "NodeRestarted");
  EXPECT_EQ(container_state(p, "main")["terminated"]["exitCode"], 137);
  for (pid_t pid : pids) EXPECT_TRUE(eventually([&] { return !process_alive(pid); }, 10s)) << pid;
}

// A test-owned `sleep` standing for an unrelated process that got a container's pid after reuse.
struct UnrelatedProcess {
  pid_t pid = -1;
  UnrelatedProcess() {
    pid = ::fork();
    if (pid == 0) {
      ::setsid();
      ::execlp("sleep", "sleep", "300", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~UnrelatedProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

TEST_F(LocalNodeTest, ARestartedNodeDoesNotKillAReusedPid) {
  apply(shell_pod("reused", "echo pid=$$$$; sleep 300"));
  json p = wait_phase("reused", "Running");
  const std::string id = p["status"]["containerStatuses"][0].value("containerID", "");
  ASSERT_TRUE(id.starts_with("localnode://")) << id;
  node->stop(SIGKILL);
  // The container's pid now names an unrelated process (same boot, other start time).
  UnrelatedProcess stranger;
  ASSERT_GT(stranger.pid, 0);
  ASSERT_TRUE(eventually([&] { return process_alive(stranger.pid); }, 10s));
  const std::string rest = id.substr(std::string("localnode://").size());
  const std::string forged = "localnode://" + std::to_string(stranger.pid) + rest.substr(rest.find('/'));
  json statuses = p["status"]["containerStatuses"];
  statuses[0]["containerID"] = forged;
  auto r = server.request("PATCH", "/api/v1/namespaces/default/pods/reused/status",
                          json{{"status", {{"containerStatuses", statuses}}}}.dump(),
                          "application/merge-patch+json");
  ASSERT_LT(r.status, 300) << r.body;
  start_node();
  p = wait_phase("reused", "Failed");
  EXPECT_EQ(p["status"]["reason"], "NodeRestarted");
  EXPECT_TRUE(process_alive(stranger.pid)) << "a reused pid was killed";
  EXPECT_TRUE(eventually([&] { return node->stderr_text().find("another process") != std::string::npos; }, 10s))
      << node->stderr_text();
}

TEST_F(LocalNodeTest, APodDeletedWhileTheNodeWasDownHasItsLeftoversKilled) {
  apply(shell_pod("gone", "sleep 300 & echo child=$!; echo pid=$$$$; wait"));
  std::vector<pid_t> children;
  ASSERT_TRUE(eventually([&] { return !(children = pids_in(node_log("gone", "main"), "child")).empty(); }, 30s));
  wait_phase("gone", "Running");
  ASSERT_TRUE(eventually([&] { return !host_pids(pod("gone"), children).empty(); }, 30s));
  children = host_pids(pod("gone"), children);
  // A crash. The container's PID namespace dies with the node (PDEATHSIG on its init); without
  // one, the child would be left behind and only the restarted node could kill it.
  node->stop(SIGKILL);
  auto r = kubectl({"delete", "pod", "gone", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  start_node();
  json gone = wait_pod("gone", [](const json& p) { return p.is_null(); }, 60s);
  EXPECT_TRUE(gone.is_null()) << gone.dump();
  EXPECT_TRUE(eventually([&] { return !process_alive(children[0]); }, 10s)) << children[0];
}

TEST_F(LocalNodeTest, TenPodsAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i)
    apply(shell_pod("many-" + std::to_string(i), "sleep 8; echo done-" + std::to_string(i)));
  for (int i = 0; i < 10; ++i) {
    wait_phase("many-" + std::to_string(i), "Succeeded", 120s);
    EXPECT_EQ(node_log("many-" + std::to_string(i), "main"), "done-" + std::to_string(i) + "\n");
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "10 pods of 8 s each done in " << seconds << " s\n";
  EXPECT_LT(seconds, 60);
  // They ran concurrently: some instant lies inside every pod's running interval (each sleeps
  // 8 s, so sequential runs could not all overlap). RFC 3339 seconds compare as text.
  std::string latest_start, earliest_finish = "~";
  for (int i = 0; i < 10; ++i) {
    const json t = container_state(pod("many-" + std::to_string(i)), "main")["terminated"];
    latest_start = std::max(latest_start, t.value("startedAt", ""));
    earliest_finish = std::min(earliest_finish, t.value("finishedAt", ""));
  }
  EXPECT_LE(latest_start, earliest_finish) << "the pods did not run at the same time";
}

TEST_F(LocalNodeTest, BindsUnscheduledPodsToItself) {
  json pod = json::parse(shell_pod("floating", "echo bound"));
  pod["spec"].erase("nodeName");
  apply(pod.dump());
  json p = wait_phase("floating", "Succeeded");
  EXPECT_EQ(p["spec"]["nodeName"], "local");
  EXPECT_EQ(node_log("floating", "main"), "bound\n");
}

}  // namespace
}  // namespace redraft::testing
