// Pure parts of redraft-localnode: flags, env and $(VAR) rules, volume projections and mounts,
// status/phase and termination messages, the log endpoint's answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "hack/localnode/log_server.hpp"
#include "hack/localnode/options.hpp"
#include "hack/localnode/pod_env.hpp"
#include "hack/localnode/pod_status.hpp"
#include "hack/localnode/pod_volumes.hpp"
#include "hack/localnode/sandbox.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::localnode {
namespace {

using nlohmann::json;

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ContainerId, CarriesPidStartTimeAndBootIdAndRejectsWhatCannotBeVerified) {
  const ProcessIdentity id{4242, 987654, "0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"};
  EXPECT_EQ(container_id_of(id), "localnode://4242/987654/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab");
  auto back = parse_container_id(container_id_of(id));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->start_time, 987654u);
  EXPECT_EQ(back->boot_id, id.boot_id);
  for (const char* bad : {"localnode://4242", "localnode://4242/", "localnode://4242/12", "localnode://4242/12/",
                          "docker://4242/12/b", "localnode://x/12/b", "localnode://1/12/b", "localnode://0/12/b",
                          "localnode://-5/12/b", "localnode://4242/1x/b", "localnode://4242/12/b/c", ""})
    EXPECT_FALSE(parse_container_id(bad).has_value()) << bad;
}

TEST(ContainerId, ARecordedIdentityMatchesOnlyTheSameProcess) {
  auto self = identity_of(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->boot_id, current_boot_id());
  EXPECT_FALSE(self->boot_id.empty());
  EXPECT_GT(self->start_time, 0u);
  // A different start time (a reused pid) or another boot: nothing is signalled (we survive).
  ProcessIdentity other = *self;
  other.start_time += 1;
  EXPECT_THAT(kill_leftovers(other), ::testing::HasSubstr("another process"));
  other = *self;
  other.boot_id = "not-this-boot";
  EXPECT_THAT(kill_leftovers(other), ::testing::HasSubstr("another boot"));
}

TEST(Options, ParsesEveryFlag) {
  auto o = parse_options({"--kubeconfig", "/k", "--name=n1", "--root", "/r", "--bind-unscheduled",
                          "--image-path", "img:1=/bin/x", "--image-path=other=/y", "-v", "2",
                          "--heartbeat-seconds", "2", "--config-retry-seconds=1"});
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.name, "n1");
  EXPECT_EQ(o.root, "/r");
  EXPECT_TRUE(o.bind_unscheduled);
  EXPECT_EQ(o.image_paths.at("img:1"), "/bin/x");
  EXPECT_EQ(o.image_paths.at("other"), "/y");
  EXPECT_EQ(o.verbosity, 2);
  EXPECT_EQ(o.heartbeat_seconds, 2);
  EXPECT_EQ(o.config_retry_seconds, 1);
  EXPECT_EQ(parse_options({"--kubeconfig", "/k"}).name, "local");
}

TEST(Options, BadInputNamesTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{}, "--kubeconfig is required"},
      {{"--kubeconfig"}, "--kubeconfig: missing value"},
      {{"--kubeconfig", "/k", "--image-path", "noequals"}, "--image-path: expected IMAGE=DIR"},
      {{"--kubeconfig", "/k", "--image-path", "=dir"}, "--image-path: expected IMAGE=DIR"},
      {{"--kubeconfig", "/k", "--heartbeat-seconds", "0"}, "--heartbeat-seconds: expected a positive integer"},
      {{"--kubeconfig", "/k", "--nope"}, "unknown flag \"--nope\""},
      {{"--kubeconfig", "/k", "--name", ""}, "--name: empty node name"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(what_of([&] { parse_options(c.args); }), ::testing::HasSubstr(c.message));
  }
}

TEST(Env, ExpandReferencesFollowsKubernetesRules) {
  std::map<std::string, std::string> vars{{"A", "x"}, {"EMPTY", ""}};
  auto find = [&](const std::string& n) -> const std::string* {
    auto it = vars.find(n);
    return it == vars.end() ? nullptr : &it->second;
  };
  struct Case {
    std::string in, out;
  } cases[] = {
      {"$(A)", "x"},          {"a$(A)b$(A)", "axbx"}, {"$(MISSING)", "$(MISSING)"},
      {"$$(A)", "$(A)"},      {"$$", "$"},            {"$", "$"},
      {"$(A", "$(A"},         {"cost $5", "cost $5"}, {"$(EMPTY)-", "-"},
      {"no refs", "no refs"},
  };
  for (const auto& c : cases) EXPECT_EQ(expand_references(c.in, find), c.out) << c.in;
}

json test_pod() {
  return json::parse(R"J({
    "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "demo"},
                 "annotations": {"note": "n"}},
    "spec": {"nodeName": "local", "serviceAccountName": "sa"},
    "status": {"podIP": "127.0.0.1", "hostIP": "127.0.0.1"}})J");
}

ObjectLookup test_lookup() {
  return [](const std::string& kind, const std::string& name)
             -> std::optional<std::map<std::string, std::string>> {
    if (kind == "Secret" && name == "s") return std::map<std::string, std::string>{{"pw", "hunter2"}};
    if (kind == "ConfigMap" && name == "c")
      return std::map<std::string, std::string>{{"greeting", "hello"}, {"other", "o"}};
    return std::nullopt;
  };
}

TEST(Env, ResolvesValuesValueFromAndExpansion) {
  json container = json::parse(R"J({"name": "c", "env": [
      {"name": "A", "value": "a"},
      {"name": "B", "value": "$(A)-$(PATH)-$(LATER)"},
      {"name": "LATER", "value": "l"},
      {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "pw"}}},
      {"name": "G", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "greeting"}}},
      {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "nokey", "optional": true}}},
      {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
      {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
      {"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
      {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
      {"name": "NOTE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['note']"}}},
      {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
      {"name": "PATH", "value": "/mine:$(PATH)"}],
    "envFrom": [{"prefix": "CM_", "configMapRef": {"name": "c"}}]})J");
  EnvList env = resolve_env(test_pod(), container, {{"PATH", "/bin"}, {"HOME", "/root"}}, test_lookup());
  std::map<std::string, std::string> m(env.begin(), env.end());
  EXPECT_EQ(m["B"], "a-/bin-$(LATER)");  // only earlier variables expand
  EXPECT_EQ(m["PW"], "hunter2");
  EXPECT_EQ(m["G"], "hello");
  EXPECT_FALSE(m.contains("OPT"));
  EXPECT_EQ(m["NAME"], "p");
  EXPECT_EQ(m["NS"], "ns");
  EXPECT_EQ(m["UID"], "u-1");
  EXPECT_EQ(m["APP"], "demo");
  EXPECT_EQ(m["NOTE"], "n");
  EXPECT_EQ(m["IP"], "127.0.0.1");
  EXPECT_EQ(m["PATH"], "/mine:/bin");
  EXPECT_EQ(m["CM_greeting"], "hello");
  EXPECT_EQ(env.front().first, "PATH");  // a redefinition keeps the position

  auto argv = resolve_argv(json::parse(R"J({"command": ["echo", "$(A)"], "args": ["$$(A)", "$(NAME)"]})J"), env);
  EXPECT_EQ(argv, (std::vector<std::string>{"echo", "a", "$(A)", "p"}));
}

TEST(Env, MissingObjectsAndKeysAreConfigErrorsNamingThem) {
  struct Case {
    std::string env;
    std::string message;
  } cases[] = {
      {R"J({"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}})J", "secret \"nope\" not found"},
      {R"J({"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}})J", "configmap \"nope\" not found"},
      {R"J({"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}})J", "couldn't find key k in Secret ns/s"},
      {R"J({"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "spec.bogus"}}})J", "unsupported fieldPath \"spec.bogus\""},
  };
  for (const auto& c : cases) {
    json container{{"name", "c"}, {"env", json::array({json::parse(c.env)})}};
    std::string message;
    try {
      resolve_env(test_pod(), container, {}, test_lookup());
    } catch (const ConfigError& e) {
      message = e.what();
    }
    EXPECT_THAT(message, ::testing::HasSubstr(c.message)) << c.env;
  }
  json optional_secret = json::parse(
      R"J({"name": "c", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": true}}}]})J");
  EXPECT_TRUE(resolve_env(test_pod(), optional_secret, {}, test_lookup()).empty());
  EXPECT_THAT(what_of([] { resolve_argv(json{{"name", "c"}}, {}); }), ::testing::HasSubstr("no command"));
}

TEST(Volumes, ProjectionsHonourItemsAndModes) {
  std::map<std::string, std::string> data{{"a", "1"}, {"b", "2"}};
  auto all = project_volume("Secret", json{{"secretName", "s"}}, data, "ns");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].mode, 0400u);  // secrets default to 0400
  auto cm = project_volume("ConfigMap", json{{"name", "c"}}, data, "ns");
  EXPECT_EQ(cm[0].mode, 0644u);
  auto items = project_volume(
      "ConfigMap",
      json::parse(R"J({"name": "c", "defaultMode": 288, "items": [{"key": "b", "path": "d/x"}, {"key": "a", "path": "y", "mode": 384}]})J"),
      data, "ns");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].path, "d/x");
  EXPECT_EQ(items[0].content, "2");
  EXPECT_EQ(items[0].mode, 0440u);
  EXPECT_EQ(items[1].mode, 0600u);
  EXPECT_TRUE(project_volume("Secret", json{{"secretName", "s"}, {"optional", true}}, std::nullopt, "ns").empty());
  EXPECT_THAT(what_of([] { project_volume("Secret", json{{"secretName", "gone"}}, std::nullopt, "ns"); }),
              ::testing::HasSubstr("secret \"gone\" not found"));
  EXPECT_THAT(what_of([&] {
                project_volume("ConfigMap", json::parse(R"J({"name": "c", "items": [{"key": "zz", "path": "p"}]})J"),
                               data, "ns");
              }),
              ::testing::HasSubstr("couldn't find key zz in ConfigMap ns/c"));
  EXPECT_THAT(what_of([&] {
                project_volume("ConfigMap", json::parse(R"J({"name": "c", "items": [{"key": "a", "path": "../p"}]})J"),
                               data, "ns");
              }),
              ::testing::HasSubstr("must be relative"));
}

TEST(Volumes, MountsResolveAgainstThePodsVolumes) {
  json pod = json::parse(R"J({"metadata": {"name": "p", "namespace": "ns", "uid": "u"}, "spec": {"volumes": [
      {"name": "w", "emptyDir": {}}, {"name": "s", "secret": {"secretName": "x"}},
      {"name": "pvc", "persistentVolumeClaim": {"claimName": "data"}}]}})J");
  auto volumes = plan_volumes(pod, "/root/pods/ns_p_u", "/root");
  ASSERT_EQ(volumes.size(), 3u);
  EXPECT_EQ(volumes[0].host_dir, "/root/pods/ns_p_u/volumes/w");
  EXPECT_EQ(volumes[2].host_dir, "/root/claims/ns/data");
  auto mounts = plan_mounts(json::parse(R"J({"name": "c", "volumeMounts": [
      {"name": "w", "mountPath": "/workspace", "subPath": "sub"},
      {"name": "s", "mountPath": "/secret"},
      {"name": "w", "mountPath": "/ro", "readOnly": true}]})J"),
                            volumes);
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].source, "/root/pods/ns_p_u/volumes/w/sub");
  EXPECT_FALSE(mounts[0].read_only);
  EXPECT_TRUE(mounts[1].read_only);  // secret volumes are always read-only
  EXPECT_TRUE(mounts[2].read_only);
  EXPECT_THAT(what_of([&] { plan_mounts(json::parse(R"J({"name": "c", "volumeMounts": [{"name": "zz", "mountPath": "/x"}]})J"), volumes); }),
              ::testing::HasSubstr("unknown volume \"zz\""));
  EXPECT_THAT(what_of([&] { plan_mounts(json::parse(R"J({"name": "c", "volumeMounts": [{"name": "w", "mountPath": "rel"}]})J"), volumes); }),
              ::testing::HasSubstr("must be absolute"));
  json bad = json::parse(R"J({"metadata": {"name": "p"}, "spec": {"volumes": [{"name": "n", "nfs": {}}]}})J");
  EXPECT_THAT(what_of([&] { plan_volumes(bad, "/d", "/r"); }), ::testing::HasSubstr("unsupported volume type"));
  EXPECT_EQ(pod_dir_name(pod), "ns_p_u");
}

ContainerRun terminated_with(int code) {
  ContainerRun c;
  c.name = "c";
  c.state = ContainerRun::State::Terminated;
  c.exit_code = code;
  return c;
}
ContainerRun in_state(ContainerRun::State s) {
  ContainerRun c;
  c.name = "c";
  c.state = s;
  return c;
}

TEST(Status, PhaseFollowsTheKubeletRules) {
  using S = ContainerRun::State;
  struct Case {
    std::vector<ContainerRun> init, main;
    bool node_failed;
    std::string phase;
  } cases[] = {
      {{}, {in_state(S::Waiting)}, false, "Pending"},
      {{in_state(S::Running)}, {in_state(S::Waiting)}, false, "Pending"},
      {{terminated_with(1)}, {in_state(S::Waiting)}, false, "Failed"},
      {{terminated_with(0)}, {in_state(S::Running)}, false, "Running"},
      {{}, {terminated_with(0), in_state(S::Running)}, false, "Running"},
      {{}, {terminated_with(0), terminated_with(0)}, false, "Succeeded"},
      {{}, {terminated_with(0), terminated_with(2)}, false, "Failed"},
      {{}, {in_state(S::Running)}, true, "Failed"},
  };
  for (const auto& c : cases) {
    PodRun run;
    run.init = c.init;
    run.main = c.main;
    run.failed_by_node = c.node_failed;
    EXPECT_EQ(pod_phase(run), c.phase);
  }
}

TEST(Status, PodStatusCarriesConditionsAndContainerStates) {
  PodRun run;
  run.start_time = "2026-01-01T00:00:00Z";
  run.init = {terminated_with(0)};
  run.init[0].name = "i";
  run.init[0].reason = "Completed";
  run.main = {in_state(ContainerRun::State::Running)};
  run.main[0].started_at = "2026-01-01T00:00:01Z";
  json s = pod_status(run, json::array(), "127.0.0.1", "127.0.0.1", "T1");
  EXPECT_EQ(s["phase"], "Running");
  EXPECT_EQ(s["podIP"], "127.0.0.1");
  EXPECT_EQ(s["hostIP"], "127.0.0.1");
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(s["containerStatuses"][0]["state"]["running"]["startedAt"], "2026-01-01T00:00:01Z");
  EXPECT_EQ(s["containerStatuses"][0]["ready"], true);
  std::map<std::string, std::string> conds;
  for (const auto& c : s["conditions"]) conds[c["type"]] = c["status"];
  EXPECT_EQ(conds["PodScheduled"], "True");
  EXPECT_EQ(conds["Initialized"], "True");
  EXPECT_EQ(conds["Ready"], "True");
  // Unchanged conditions keep their transition time.
  run.main[0] = terminated_with(0);
  json later = pod_status(run, s["conditions"], "127.0.0.1", "127.0.0.1", "T2");
  for (const auto& c : later["conditions"]) {
    if (c["type"] == "Initialized") { EXPECT_EQ(c["lastTransitionTime"], "T1"); }
    if (c["type"] == "Ready") {
      EXPECT_EQ(c["lastTransitionTime"], "T2");
      EXPECT_EQ(c["reason"], "PodCompleted");
    }
  }
  EXPECT_EQ(later["phase"], "Succeeded");
}

TEST(Termination, MessageIsCutAndFallsBackToLogsOnError) {
  const std::string long_message(5000, 'm');
  EXPECT_EQ(termination_message(long_message, "File", 0, "").size(), 4096u);
  EXPECT_EQ(termination_message("done", "FallbackToLogsOnError", 1, "log"), "done");
  EXPECT_EQ(termination_message("", "FallbackToLogsOnError", 0, "log"), "");
  EXPECT_EQ(termination_message("", "File", 1, "log"), "");
  EXPECT_EQ(termination_message("", "FallbackToLogsOnError", 1, "a\nb\n"), "a\nb\n");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "line " + std::to_string(i) + "\n";
  std::string tail = termination_message("", "FallbackToLogsOnError", 2, many);
  EXPECT_TRUE(tail.starts_with("line 20\n")) << tail.substr(0, 20);
  EXPECT_TRUE(tail.ends_with("line 99\n"));
  std::string wide;
  for (int i = 0; i < 10; ++i) wide += std::string(500, 'a' + i) + "\n";
  EXPECT_EQ(termination_message("", "FallbackToLogsOnError", 2, wide).size(), 2048u);
}

TEST(Termination, LogTailTable) {
  struct Case {
    std::string log;
    std::size_t lines, bytes;
    std::string out;
  } cases[] = {
      {"", 3, 100, ""},
      {"a\nb\nc\n", 2, 100, "b\nc\n"},
      {"a\nb\nc", 2, 100, "b\nc"},
      {"a\nb\nc\n", 5, 100, "a\nb\nc\n"},
      {"a\nb\nc\n", 1, 100, "c\n"},
      {"abcdef\n", 1, 3, "ef\n"},
      {"\n\n\n", 2, 100, "\n\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(log_tail(c.log, c.lines, c.bytes), c.out) << c.log;
}

TEST(LogEndpoint, AnswersFromThePodsLogFiles) {
  fixtures::TempDir root("localnode-logs");
  std::filesystem::create_directories(root / "pods/ns_p_u1/logs");
  std::ofstream(root / "pods/ns_p_u1/logs/c.log") << "one\ntwo\nthree\n";
  struct Case {
    std::string target;
    int status;
    std::string body;
  } cases[] = {
      {"/containerLogs/ns/p/c", 200, "one\ntwo\nthree\n"},
      {"/containerLogs/ns/p/c?tailLines=2", 200, "two\nthree\n"},
      {"/containerLogs/ns/p/c?tailLines=0", 200, ""},
      {"/containerLogs/ns/p/c?limitBytes=5", 200, "one\nt"},
      {"/containerLogs/ns/p/c?follow=true&timestamps=true", 200, "one\ntwo\nthree\n"},
      {"/containerLogs/ns/p/other", 404, ""},
      {"/containerLogs/ns/nope/c", 404, ""},
      {"/containerLogs/ns/p/c?previous=true", 400, ""},
      {"/containerLogs/ns/p/c?tailLines=-1", 400, ""},
      {"/containerLogs/ns/p/..", 400, ""},
      {"/other", 404, ""},
  };
  for (const auto& c : cases) {
    auto a = answer_log_request(root.path(), c.target);
    EXPECT_EQ(a.status, c.status) << c.target;
    if (c.status == 200) { EXPECT_EQ(a.body, c.body) << c.target; }
  }
}

}  // namespace
}  // namespace redraft::localnode
