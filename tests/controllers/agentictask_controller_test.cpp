// The AgenticTask controller against a real redraft-devserver: informers, API writes, events.
// The kubelet is faked by writing Pod status (what redraft-localnode does in local mode).
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/agentictask_controller.hpp"
#include "operator/controllers/agentictask/build_pod.hpp"
#include "operator/runtime/client/config.hpp"
#include "operator/runtime/metrics/exposition.hpp"
#include "tests/devserver/devserver_fixture.hpp"

namespace {

using nlohmann::json;
using namespace redraft;
using namespace redraft::controllers::agentictask;
using namespace std::chrono_literals;

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";
const std::string kNs = "default";

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class AgenticTaskControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto applied = server_.kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
    client_ = std::make_unique<runtime::Client>(runtime::load_kubeconfig(server_.kubeconfig_path()));
    recorder_ = std::make_unique<runtime::events::EventRecorder>(*client_);
    metrics_ = std::make_unique<controllers::OperatorMetrics>(registry_);
    start_operator();
  }

  void TearDown() override { stop_operator(); }

  void start_operator() {
    runtime::cache::InformerOptions t;
    t.type = runtime::resources::kAgenticTasks;
    t.namespace_ = kNs;
    tasks_ = std::make_unique<runtime::cache::Informer<api::AgenticTask>>(*client_, t);
    runtime::cache::InformerOptions a;
    a.type = runtime::resources::kAgents;
    a.namespace_ = kNs;
    agents_ = std::make_unique<runtime::cache::Informer<api::Agent>>(*client_, a);
    runtime::cache::InformerOptions p;
    p.type = runtime::resources::kPods;
    p.namespace_ = kNs;
    p.label_selector = kPodSelector;
    pods_ = std::make_unique<runtime::cache::Informer<PodView>>(*client_, p);
    AgenticTaskControllerOptions o;
    o.executor_image = "redraft/executor:test";
    o.pod_start_timeout = 2s;
    o.registry = &registry_;
    o.metrics = metrics_.get();
    controller_ = std::make_unique<AgenticTaskController>(*client_, *tasks_, *agents_, *pods_, *recorder_, o);
    tasks_->start();
    agents_->start();
    pods_->start();
    ASSERT_TRUE(tasks_->wait_for_sync(30s) && agents_->wait_for_sync(30s) && pods_->wait_for_sync(30s));
    controller_->start();
  }

  void stop_operator() {
    if (controller_) controller_->stop();
    controller_.reset();
    pods_.reset();
    agents_.reset();
    tasks_.reset();
  }

  void create_agent(const std::string& name, const std::string& role) {
    client_->create(runtime::resources::kAgents, kNs,
                    {{"apiVersion", "redraft.dev/v1alpha1"},
                     {"kind", "Agent"},
                     {"metadata", {{"name", name}}},
                     {"spec", {{"role", role}, {"image", "busybox:1.36"}, {"command", {"sh", "-c", "true"}}}}});
  }

  json create_task(const std::string& name, const std::string& agent, json extra_spec = json::object()) {
    json spec = {{"kind", "code"},
                 {"agentRef", {{"name", agent}}},
                 {"repo", {{"url", "https://git.example/r.git"}, {"credentialsSecretRef", {{"name", "git-token"}}}}},
                 {"branch", "redraft/" + name},
                 {"prompt", "do it"}};
    spec.update(extra_spec);
    return client_->create(runtime::resources::kAgenticTasks, kNs,
                           {{"apiVersion", "redraft.dev/v1alpha1"},
                            {"kind", "AgenticTask"},
                            {"metadata", {{"name", name}}},
                            {"spec", spec}});
  }

  json task(const std::string& name) { return client_->get(runtime::resources::kAgenticTasks, kNs, name); }
  std::string status_of(const std::string& name, const std::string& field) {
    json t = task(name);
    auto it = t.find("status");
    if (it == t.end() || !it->is_object()) return "";
    auto f = it->find(field);
    return f != it->end() && f->is_string() ? f->get<std::string>() : "";
  }
  bool exists(const runtime::ResourceType& type, const std::string& name) {
    try {
      client_->get(type, kNs, name);
      return true;
    } catch (const std::exception& e) {
      if (runtime::is_not_found(e)) return false;
      throw;
    }
  }

  // The fake kubelet: replace the Pod's status.
  void write_pod_status(const std::string& pod, const json& status) {
    for (int i = 0; i < 10; ++i) {
      json p = client_->get(runtime::resources::kPods, kNs, pod);
      p["status"] = status;
      try {
        client_->update_status(runtime::resources::kPods, kNs, p);
        return;
      } catch (const std::exception& e) {
        if (!runtime::is_conflict(e)) throw;
      }
    }
    FAIL() << "could not write the status of pod " << pod;
  }

  static json publish_done(const std::string& message, int exit_code = 0) {
    return {{"phase", exit_code == 0 ? "Succeeded" : "Failed"},
            {"initContainerStatuses",
             {{{"name", "install"}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
              {{"name", "prepare"}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
              {{"name", "agent"}, {"state", {{"terminated", {{"exitCode", 0}}}}}}}},
            {"containerStatuses",
             {{{"name", "publish"},
               {"state",
                {{"terminated",
                  {{"exitCode", exit_code}, {"reason", exit_code == 0 ? "Completed" : "Error"}, {"message", message},
                   {"finishedAt", "2026-12-04T15:00:00Z"}}}}}}}}};
  }

  static json prepare_failed() {
    return {{"phase", "Failed"},
            {"initContainerStatuses",
             {{{"name", "install"}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
              {{"name", "prepare"}, {"state", {{"terminated", {{"exitCode", 137}, {"reason", "OOMKilled"}}}}}}}}};
  }

  std::vector<json> events_for(const std::string& name, const std::string& reason) {
    std::vector<json> out;
    const json list = client_->list(runtime::resources::kEvents, kNs);  // kept alive for the loop
    for (const auto& e : list["items"]) {
      if (e["involvedObject"].value("name", "") == name && e.value("reason", "") == reason) out.push_back(e);
    }
    return out;
  }

  std::string metrics_text() { return runtime::metrics::render_text(registry_); }

  redraft::testing::DevServer server_;
  std::unique_ptr<runtime::Client> client_;
  std::unique_ptr<runtime::events::EventRecorder> recorder_;
  runtime::metrics::Registry registry_;
  std::unique_ptr<controllers::OperatorMetrics> metrics_;
  std::unique_ptr<runtime::cache::Informer<api::AgenticTask>> tasks_;
  std::unique_ptr<runtime::cache::Informer<api::Agent>> agents_;
  std::unique_ptr<runtime::cache::Informer<PodView>> pods_;
  std::unique_ptr<AgenticTaskController> controller_;
};

const std::string kPushed = R"({"phase":"Succeeded","verdict":"PUSHED","branch":"redraft/t1","commitSha":")" + kSha +
                            R"(","summary":"done","timings":{"agentSeconds":2.5}})";

TEST_F(AgenticTaskControllerTest, TaskGetsConfigMapAndPodAndItsResult) {
  create_agent("coder", "coder");
  json created = create_task("t1", "coder");
  const std::string uid = created["metadata"]["uid"];

  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t1-1"); }));
  json pod = client_->get(runtime::resources::kPods, kNs, "t1-1");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], uid);
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(pod["metadata"]["labels"]["redraft.dev/task"], "t1");
  EXPECT_EQ(pod["metadata"]["labels"]["redraft.dev/attempt"], "1");
  EXPECT_EQ(pod["spec"]["containers"][0]["name"], "publish");
  EXPECT_EQ(pod["spec"]["initContainers"][0]["image"], "redraft/executor:test");
  json cm = client_->get(runtime::resources::kConfigMaps, kNs, "t1-1");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], uid);
  auto rendered = api::decode<api::AgenticTask>(cm["data"]["task.json"].get<std::string>());
  EXPECT_EQ(rendered.spec.branch, "redraft/t1");
  EXPECT_EQ(api::decode<api::Agent>(cm["data"]["agent.json"].get<std::string>()).spec.role, "coder");

  ASSERT_TRUE(eventually([&] { return status_of("t1", "podName") == "t1-1"; }));
  json st = task("t1")["status"];
  EXPECT_EQ(st["phase"], "Pending");
  EXPECT_EQ(st["attempts"], 1);
  EXPECT_FALSE(st.value("startTime", "").empty());

  // Init containers run: the task is Running.
  write_pod_status("t1-1", {{"phase", "Pending"},
                            {"initContainerStatuses", {{{"name", "install"}, {"state", {{"running", json::object()}}}}}}});
  ASSERT_TRUE(eventually([&] { return status_of("t1", "phase") == "Running"; }));

  // publish finished with its result in the termination message.
  write_pod_status("t1-1", publish_done(kPushed));
  ASSERT_TRUE(eventually([&] { return status_of("t1", "phase") == "Succeeded"; }));
  st = task("t1")["status"];
  EXPECT_EQ(st["verdict"], "PUSHED");
  EXPECT_EQ(st["commitSha"], kSha);
  EXPECT_EQ(st["summary"], "done");
  EXPECT_EQ(st["completionTime"], "2026-12-04T15:00:00Z");
  EXPECT_EQ(st["attempts"], 1);
  bool complete = false;
  for (const auto& c : st["conditions"]) complete = complete || (c["type"] == "Complete" && c["status"] == "True");
  EXPECT_TRUE(complete) << st.dump();
  EXPECT_TRUE(eventually([&] { return metrics_text().find(R"(redraft_tasks_total{kind="code",verdict="PUSHED",reason=""} 1)") != std::string::npos; }))
      << metrics_text();
  EXPECT_NE(metrics_text().find(R"(redraft_task_phase_seconds_count{phase="agent"} 1)"), std::string::npos);
  // One pod only, and no second attempt afterwards.
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(exists(runtime::resources::kPods, "t1-2"));
}

TEST_F(AgenticTaskControllerTest, CutMessageIsReadFromTheLog) {
  create_agent("coder", "coder");
  create_task("t1", "coder");
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t1-1"); }));
  // The devserver serves the log of a pod without a node from this annotation.
  client_->patch(runtime::resources::kPods, kNs, "t1-1", runtime::PatchType::Merge,
                 {{"metadata", {{"annotations", {{"devserver.redraft.dev/log", "pushing\nREDRAFT-RESULT " + kPushed + "\n"}}}}}});
  write_pod_status("t1-1", publish_done(kPushed.substr(0, 30)));
  ASSERT_TRUE(eventually([&] { return status_of("t1", "phase") == "Succeeded"; }));
  EXPECT_EQ(status_of("t1", "commitSha"), kSha);
}

TEST_F(AgenticTaskControllerTest, InfrastructureFailureRetriesOnceThenFails) {
  create_agent("coder", "coder");
  create_task("t2", "coder");
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t2-1"); }));
  write_pod_status("t2-1", prepare_failed());
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t2-2"); }));
  ASSERT_TRUE(eventually([&] { return status_of("t2", "podName") == "t2-2"; }));
  EXPECT_EQ(task("t2")["status"]["attempts"], 2);
  EXPECT_NE(status_of("t2", "message").find("container prepare exited with code 137 (OOMKilled)"), std::string::npos);
  EXPECT_TRUE(exists(runtime::resources::kConfigMaps, "t2-2"));
  EXPECT_TRUE(exists(runtime::resources::kPods, "t2-1")) << "the operator deletes no pod";

  // The second attempt's publish ends without a result: attempts are exhausted.
  write_pod_status("t2-2", publish_done("panic", 2));
  ASSERT_TRUE(eventually([&] { return status_of("t2", "phase") == "Failed"; }));
  EXPECT_EQ(status_of("t2", "reason"), "PodFailed");
  EXPECT_EQ(status_of("t2", "message"), "container publish terminated (exit code 2, Error) without a result (attempt 2 of 2)");
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(exists(runtime::resources::kPods, "t2-3"));
  EXPECT_TRUE(eventually([&] { return !events_for("t2", "AttemptFailed").empty(); }));
}

TEST_F(AgenticTaskControllerTest, DeletedPodIsAnInfrastructureFailure) {
  create_agent("coder", "coder");
  create_task("t3", "coder", {{"backoffLimit", 0}});
  ASSERT_TRUE(eventually([&] { return status_of("t3", "podName") == "t3-1"; }));
  client_->remove(runtime::resources::kPods, kNs, "t3-1");
  ASSERT_TRUE(eventually([&] { return status_of("t3", "phase") == "Failed"; }));
  EXPECT_EQ(status_of("t3", "message"), "pod t3-1 was deleted before it finished (attempt 1 of 1)");
}

TEST_F(AgenticTaskControllerTest, ContainersThatCannotStartTimeOut) {
  create_agent("coder", "coder");
  create_task("t4", "coder", {{"backoffLimit", 0}});
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t4-1"); }));
  write_pod_status("t4-1", {{"phase", "Pending"},
                            {"initContainerStatuses",
                             {{{"name", "install"},
                               {"state", {{"waiting", {{"reason", "CreateContainerConfigError"}, {"message", "secret \"git-token\" not found"}}}}}}}}});
  // pod_start_timeout is 2 s in this test.
  ASSERT_TRUE(eventually([&] { return status_of("t4", "phase") == "Failed"; }));
  EXPECT_EQ(status_of("t4", "reason"), "PodFailed");
  EXPECT_NE(status_of("t4", "message").find("CreateContainerConfigError"), std::string::npos);
}

TEST_F(AgenticTaskControllerTest, MissingAgentWaitsThenProceeds) {
  create_task("t5", "late");
  ASSERT_TRUE(eventually([&] { return status_of("t5", "reason") == "AgentNotFound"; }));
  json st = task("t5")["status"];
  EXPECT_EQ(st["phase"], "Pending");
  EXPECT_EQ(st["conditions"][0]["type"], "Ready");
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["reason"], "AgentNotFound");
  EXPECT_NE(st["message"].get<std::string>().find("spec.agentRef"), std::string::npos);
  EXPECT_FALSE(exists(runtime::resources::kPods, "t5-1"));
  ASSERT_TRUE(eventually([&] { return events_for("t5", "AgentNotFound").size() == 1; }))
      << client_->list(runtime::resources::kEvents, kNs).dump();
  const std::string rv = task("t5")["metadata"]["resourceVersion"];

  // No retry storm: nothing is written while the Agent is missing.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(task("t5")["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(events_for("t5", "AgentNotFound").size(), 1u);
  EXPECT_EQ(events_for("t5", "AgentNotFound")[0].value("count", 1), 1);

  create_agent("late", "coder");
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kPods, "t5-1"); }));
  ASSERT_TRUE(eventually([&] { return status_of("t5", "podName") == "t5-1"; }));
  st = task("t5")["status"];
  EXPECT_EQ(st.value("reason", ""), "");
  EXPECT_EQ(st["conditions"][0]["status"], "True");
}

TEST_F(AgenticTaskControllerTest, WrongRoleIsInvalidSpec) {
  create_agent("rev", "reviewer");
  create_task("t6", "rev");
  ASSERT_TRUE(eventually([&] { return status_of("t6", "phase") == "Failed"; }));
  EXPECT_EQ(status_of("t6", "reason"), "InvalidSpec");
  EXPECT_EQ(status_of("t6", "message"), R"(spec.agentRef: Agent "rev" has role "reviewer", a code task needs a coder)");
  EXPECT_FALSE(exists(runtime::resources::kPods, "t6-1"));
}

TEST_F(AgenticTaskControllerTest, ForkOfResolvesTheSourceBranch) {
  create_agent("coder", "coder");
  // The source: a failed task that pushed (its status written as the controller would).
  create_task("src", "nobody");
  ASSERT_TRUE(eventually([&] { return status_of("src", "reason") == "AgentNotFound"; }));
  json src = task("src");
  src["status"] = {{"phase", "Failed"}, {"reason", "LeaseRejected"}, {"branch", "redraft/src"}, {"commitSha", kSha},
                   {"completionTime", "2026-12-04T15:00:00Z"}};
  client_->update_status(runtime::resources::kAgenticTasks, kNs, src);

  create_task("fork", "coder", {{"forkOf", {{"name", "src"}}}});
  ASSERT_TRUE(eventually([&] { return exists(runtime::resources::kConfigMaps, "fork-1"); }));
  json cm = client_->get(runtime::resources::kConfigMaps, kNs, "fork-1");
  auto rendered = api::decode<api::AgenticTask>(cm["data"]["task.json"].get<std::string>());
  EXPECT_EQ(rendered.spec.reviseFromBranch, "redraft/src");
  EXPECT_EQ(rendered.spec.expectedRemoteSha, kSha);
  EXPECT_EQ(cm["metadata"]["labels"]["redraft.dev/fork-of"], "src");
  ASSERT_TRUE(eventually([&] { return task("fork")["status"].contains("forkedFrom"); }));
  json fork = task("fork");
  EXPECT_EQ(fork["status"]["forkedFrom"], (json{{"name", "src"}, {"branch", "redraft/src"}, {"commitSha", kSha}}));
  EXPECT_FALSE(fork["spec"].contains("reviseFromBranch")) << "the user's spec is not rewritten";
  ASSERT_TRUE(eventually([&] {
    const json meta = task("fork")["metadata"];
    auto labels = meta.find("labels");  // absent until the operator labels the fork
    return labels != meta.end() && labels->value("redraft.dev/fork-of", "") == "src";
  }));
  EXPECT_EQ(client_->get(runtime::resources::kPods, kNs, "fork-1")["metadata"]["labels"]["redraft.dev/fork-of"], "src");
}

TEST_F(AgenticTaskControllerTest, ForkOfATaskThatNeverPushedFails) {
  create_agent("coder", "coder");
  create_task("src", "nobody");
  ASSERT_TRUE(eventually([&] { return status_of("src", "reason") == "AgentNotFound"; }));
  create_task("fork", "coder", {{"forkOf", {{"name", "src"}}}});
  // The source is not finished: the fork waits.
  ASSERT_TRUE(eventually([&] { return status_of("fork", "reason") == "ForkSourcePending"; }));
  json src = task("src");
  src["status"] = {{"phase", "Failed"}, {"reason", "CloneFailed"}, {"completionTime", "2026-12-04T15:00:00Z"}};
  client_->update_status(runtime::resources::kAgenticTasks, kNs, src);
  // Woken by the source finishing (the fork index), well before the 30 s ForkSourcePending poll.
  ASSERT_TRUE(eventually([&] { return status_of("fork", "phase") == "Failed"; }, 20s));
  EXPECT_EQ(status_of("fork", "reason"), "InvalidSpec");
  EXPECT_NE(status_of("fork", "message").find("without pushing a branch"), std::string::npos);
  EXPECT_FALSE(exists(runtime::resources::kPods, "fork-1"));
}

TEST_F(AgenticTaskControllerTest, RestartRecoversTheAttemptFromThePods) {
  create_agent("coder", "coder");
  create_task("t7", "coder");
  ASSERT_TRUE(eventually([&] { return status_of("t7", "podName") == "t7-1"; }));
  stop_operator();
  // As if the operator had crashed before its status write: the status knows no attempt.
  json t = task("t7");
  t["status"] = json::object();
  client_->update_status(runtime::resources::kAgenticTasks, kNs, t);
  start_operator();
  ASSERT_TRUE(eventually([&] { return status_of("t7", "podName") == "t7-1"; }));
  EXPECT_EQ(task("t7")["status"]["attempts"], 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(exists(runtime::resources::kPods, "t7-2"));
  // The attempt continues normally.
  write_pod_status("t7-1", publish_done(kPushed));
  ASSERT_TRUE(eventually([&] { return status_of("t7", "phase") == "Succeeded"; }));
}

// A Pod of the name the task needs, controlled by another owner (an earlier task of the same name
// whose Pod is not collected yet): the task says so once (status.message and one Warning event),
// keeps polling, and proceeds when the Pod is gone.
TEST_F(AgenticTaskControllerTest, ForeignPodOfTheSameNameIsReportedOnceAndAwaited) {
  create_agent("coder", "coder");
  // The owner must exist, or the garbage collector removes the Pod before the test looks.
  const json owner = client_->create(runtime::resources::kConfigMaps, kNs,
                                     {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "holder"}}}});
  client_->create(runtime::resources::kPods, kNs,
                  {{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata",
                    {{"name", "t8-1"},
                     {"labels", {{"app.kubernetes.io/managed-by", "redraft-operator"}}},
                     {"ownerReferences",
                      {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "holder"},
                        {"uid", owner["metadata"]["uid"]}, {"controller", true}}}}}},
                   {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox:1.36"}}}}}}});
  create_task("t8", "coder");
  ASSERT_TRUE(eventually([&] { return status_of("t8", "reason") == "PodNameTaken"; }));
  EXPECT_NE(status_of("t8", "message").find("pod t8-1 belongs to another AgenticTask"), std::string::npos);
  EXPECT_EQ(status_of("t8", "phase"), "Pending");
  ASSERT_TRUE(eventually([&] { return events_for("t8", "PodNameTaken").size() == 1; }));
  // More polls (every 5 s) add no event.
  std::this_thread::sleep_for(6s);
  ASSERT_TRUE(exists(runtime::resources::kPods, "t8-1"));
  json event = events_for("t8", "PodNameTaken").at(0);
  EXPECT_EQ(event.value("count", 1), 1);
  EXPECT_EQ(events_for("t8", "PodNameTaken").size(), 1u);
  EXPECT_EQ(event.value("type", ""), "Warning");
  // The earlier Pod goes: the task creates its own and the message is cleared.
  client_->remove(runtime::resources::kPods, kNs, "t8-1");
  ASSERT_TRUE(eventually([&] {
    try {
      json pod = client_->get(runtime::resources::kPods, kNs, "t8-1");
      return pod["metadata"]["ownerReferences"][0].value("uid", "") == task("t8")["metadata"].value("uid", "");
    } catch (const std::exception& e) {
      if (runtime::is_not_found(e)) return false;
      throw;
    }
  }));
  ASSERT_TRUE(eventually([&] { return status_of("t8", "reason").empty() && status_of("t8", "message").empty(); }));
}

// The task's Pod exists but does not decode (a malformed status): the task neither counts it as
// deleted (no new attempt) nor fails its reconciles in a loop; it waits and looks again.
TEST_F(AgenticTaskControllerTest, UndecodablePodIsAwaitedWithoutErrors) {
  create_task("t9", "nobody");
  ASSERT_TRUE(eventually([&] { return status_of("t9", "reason") == "AgentNotFound"; }));
  json t = task("t9");
  const std::string uid = t["metadata"]["uid"].get<std::string>();
  client_->create(runtime::resources::kPods, kNs,
                  {{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata",
                    {{"name", "t9-1"},
                     // Outside the Pod informer's selector, so no decodable version of it is cached
                     // and the controller reads it from the API server.
                     {"ownerReferences",
                      {{{"apiVersion", "redraft.dev/v1alpha1"}, {"kind", "AgenticTask"}, {"name", "t9"},
                        {"uid", uid}, {"controller", true}}}}}},
                   {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox:1.36"}}}}}}});
  write_pod_status("t9-1", {{"phase", "Running"}, {"containerStatuses", "not a list"}});
  // As the controller records a created attempt.
  t = task("t9");
  t["status"]["attempts"] = 1;
  t["status"]["podName"] = "t9-1";
  t["status"]["phase"] = "Running";
  client_->update_status(runtime::resources::kAgenticTasks, kNs, t);
  const std::string errors = R"(controller_runtime_reconcile_errors_total{controller="agentictask"} )";
  const auto error_count = [&] {
    const std::string text = metrics_text();
    const auto at = text.find(errors);
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + errors.size()));
  };
  ASSERT_NE(metrics_text().find(errors), std::string::npos) << metrics_text();
  const double before = error_count();
  // No positive signal exists for "nothing happened": give the controller a few reconciles.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(error_count(), before) << metrics_text();
  EXPECT_EQ(status_of("t9", "phase"), "Running");
  EXPECT_EQ(task("t9")["status"]["attempts"], 1);
  EXPECT_FALSE(exists(runtime::resources::kPods, "t9-2"));
}

}  // namespace
