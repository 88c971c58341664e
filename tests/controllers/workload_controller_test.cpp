// The Workload controller shell against a real devserver with real informers: tasks are
// created with owner references and labels, task results (written by hand, as the AgenticTask
// controller would) drive reviews and revisions, a missing Agent blocks and its creation
// resumes, and the Workload status is written only when it changed.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "operator/controllers/common/operator_metrics.hpp"
#include "operator/controllers/workload/workload_controller.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/config.hpp"
#include "operator/runtime/events/event_recorder.hpp"
#include "operator/runtime/metrics/registry.hpp"

namespace redraft::controllers::workload {
namespace {

using nlohmann::json;
using redraft::testing::DevServer;
using redraft::testing::eventually;
using namespace std::chrono_literals;
namespace resources = runtime::resources;

constexpr const char* kNs = "team";
const std::string kSha1(40, 'a');
const std::string kSha2(40, 'b');

struct RecordedEvent {
  std::string object;
  std::string type;
  std::string reason;
  std::string message;
};

// Collects events instead of writing them (what the controller records is the subject here;
// the real recorder is tested in the runtime and end to end).
class FakeRecorder : public runtime::events::Recorder {
 public:
  void record(const runtime::events::ObjectReference& regarding, std::string_view type,
              std::string_view reason, std::string_view message) override {
    std::lock_guard lock(mu_);
    events_.push_back({regarding.name, std::string(type), std::string(reason),
                       std::string(message)});
  }
  int count(std::string_view reason) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(events_.begin(), events_.end(),
                                          [&](const auto& e) { return e.reason == reason; }));
  }
  std::vector<RecordedEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<RecordedEvent> events_;
};

json agent(const std::string& name, const std::string& role) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Agent"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec", {{"role", role}, {"image", "busybox:1.36"}, {"command", {"sh", "-c", "true"}}}}};
}

json workload(const std::string& name) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"repo", {{"url", "http://127.0.0.1:9/repo.git"}}},
            {"issues", {1}},
            {"coderAgentRef", {{"name", "coder"}}},
            {"reviewerAgentRefs", {{{"name", "rev-a"}}}}}}};
}

class WorkloadControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto applied = server_.kubectl(
        {"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
    ASSERT_EQ(server_.kubectl({"create", "namespace", kNs}).exit_code, 0);
    client_ = std::make_unique<runtime::Client>(
        runtime::load_kubeconfig(server_.kubeconfig_path()));
  }

  // Informers and the controller, started the way the operator does.
  void start() {
    runtime::cache::InformerOptions wo;
    wo.type = resources::kWorkloads;
    wo.namespace_ = kNs;
    workloads_ = std::make_unique<runtime::cache::Informer<api::Workload>>(*client_, wo);
    runtime::cache::InformerOptions to;
    to.type = resources::kAgenticTasks;
    to.namespace_ = kNs;
    tasks_ = std::make_unique<runtime::cache::Informer<api::AgenticTask>>(*client_, to);
    runtime::cache::InformerOptions ao;
    ao.type = resources::kAgents;
    ao.namespace_ = kNs;
    agents_ = std::make_unique<runtime::cache::Informer<api::Agent>>(*client_, ao);

    // Every Workload write the test did not make is a status write by the controller.
    runtime::cache::EventHandlers<api::Workload> counting;
    counting.on_update = [this](const auto& old_w, const auto& new_w) {
      if (old_w->metadata.resourceVersion == new_w->metadata.resourceVersion) return;
      if (old_w->metadata.annotations != new_w->metadata.annotations) return;  // force_reconcile
      std::lock_guard lock(mu_);
      ++workload_updates_[new_w->metadata.name.str()];
      if (old_w->status == new_w->status) ++unchanged_status_writes_;
    };
    workloads_->add_handlers(std::move(counting));

    metrics_ = std::make_unique<OperatorMetrics>(registry_);
    controller_ = std::make_unique<WorkloadController>(
        *client_, *workloads_, *tasks_, *agents_, recorder_,
        WorkloadControllerOptions{.workers = 2, .registry = &registry_, .metrics = metrics_.get()});
    workloads_->start();
    tasks_->start();
    agents_->start();
    ASSERT_TRUE(workloads_->wait_for_sync(60s));
    ASSERT_TRUE(tasks_->wait_for_sync(60s));
    ASSERT_TRUE(agents_->wait_for_sync(60s));
    controller_->start();
  }

  void TearDown() override {
    if (controller_) controller_->stop();
    controller_.reset();
    if (workloads_) workloads_->stop();
    if (tasks_) tasks_->stop();
    if (agents_) agents_->stop();
  }

  std::optional<json> get(const runtime::ResourceType& type, const std::string& name) {
    try {
      return client_->get(type, kNs, name);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  bool exists(const std::string& task) { return get(resources::kAgenticTasks, task).has_value(); }

  json wait_task(const std::string& name) {
    std::optional<json> task;
    EXPECT_TRUE(eventually([&] { return (task = get(resources::kAgenticTasks, name)).has_value(); }))
        << "task " << name << " was never created";
    return task.value_or(json::object());
  }

  // The AgenticTask controller's part, by hand.
  void set_task_status(const std::string& name, const json& status) {
    json task = client_->get(resources::kAgenticTasks, kNs, name);
    task["status"] = status;
    client_->update_status(resources::kAgenticTasks, kNs, task);
  }

  json workload_status(const std::string& name) {
    auto w = get(resources::kWorkloads, name);
    return w ? w->value("status", json::object()) : json::object();
  }

  double reconciles() { return workload_metric("controller_runtime_reconcile_total"); }

  // Sum of a controller_runtime_* family's samples for controller="workload" (and, when given,
  // result=`result`).
  double workload_metric(const std::string& name, const std::string& result = "") {
    double total = 0;
    for (const auto& family : registry_.collect()) {
      if (family.name != name) continue;
      for (const auto& s : family.samples) {
        bool ours = false;
        bool result_matches = result.empty();
        for (const auto& [k, v] : s.labels) {
          if (k == "controller" && v == "workload") ours = true;
          if (k == "result" && v == result) result_matches = true;
        }
        if (ours && result_matches) total += s.value;
      }
    }
    return total;
  }

  // Makes the controller reconcile `name` once more and waits until it did, so "nothing was
  // written" is observed after a reconcile rather than after a sleep.
  void force_reconcile(const std::string& name) {
    const double before = reconciles();
    client_->patch(resources::kWorkloads, kNs, name, runtime::PatchType::Merge,
                   {{"metadata", {{"annotations", {{"test/poke", std::to_string(before)}}}}}});
    ASSERT_TRUE(eventually([&] { return reconciles() > before; }));
    // And its effects (a status write, if any) have reached the informer.
    ASSERT_TRUE(eventually([&] {
      auto w = get(resources::kWorkloads, name);
      auto cached = workloads_->store().get(kNs, name);
      return w && cached &&
             cached->metadata.resourceVersion == (*w)["metadata"]["resourceVersion"].get<std::string>();
    }));
  }

  int status_writes(const std::string& name) {
    std::lock_guard lock(mu_);
    return workload_updates_[name];
  }

  DevServer server_;
  std::unique_ptr<runtime::Client> client_;
  runtime::metrics::Registry registry_;
  std::unique_ptr<OperatorMetrics> metrics_;
  FakeRecorder recorder_;
  std::unique_ptr<runtime::cache::Informer<api::Workload>> workloads_;
  std::unique_ptr<runtime::cache::Informer<api::AgenticTask>> tasks_;
  std::unique_ptr<runtime::cache::Informer<api::Agent>> agents_;
  std::unique_ptr<WorkloadController> controller_;
  std::mutex mu_;
  std::map<std::string, int> workload_updates_;
  int unchanged_status_writes_ = 0;
};

TEST_F(WorkloadControllerTest, CodeReviewRevisionLoopWithOwnedTasksAndOneStatusWritePerChange) {
  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  json created = client_->create(resources::kWorkloads, kNs, workload("wl"));
  const std::string uid = created["metadata"]["uid"];
  start();

  // Code task: owner reference, labels, inputs.
  json code = wait_task("wl-issue-1-code");
  ASSERT_EQ(code["metadata"]["ownerReferences"].size(), 1u);
  const json& owner = code["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "Workload");
  EXPECT_EQ(owner["name"], "wl");
  EXPECT_EQ(owner["uid"], uid);
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  EXPECT_EQ(code["metadata"]["labels"],
            (json{{"redraft.dev/workload", "wl"},
                  {"redraft.dev/item", "issue-1"},
                  {"redraft.dev/iteration", "0"}}));
  EXPECT_EQ(code["spec"]["kind"], "code");
  EXPECT_EQ(code["spec"]["branch"], "redraft/wl/issue-1");
  EXPECT_EQ(code["spec"]["issue"]["number"], 1);

  // Status: written once for this step, and not again when nothing changed.
  ASSERT_TRUE(eventually([&] { return workload_status("wl").value("phase", "") == "Running"; }));
  force_reconcile("wl");
  force_reconcile("wl");
  EXPECT_EQ(status_writes("wl"), 1);
  EXPECT_EQ(recorder_.count("TaskCreated"), 1);
  EXPECT_EQ(recorder_.count("IterationStarted"), 1);

  // Code pushed ⇒ review.
  set_task_status("wl-issue-1-code",
                  {{"phase", "Succeeded"}, {"verdict", "PUSHED"}, {"commitSha", kSha1}});
  json review = wait_task("wl-issue-1-review-1");
  EXPECT_EQ(review["spec"]["kind"], "review");
  EXPECT_EQ(review["spec"]["agentRef"]["name"], "rev-a");

  // NO-GO ⇒ revision under the coder's profile (no revisionCoderAgentRef): one Warning.
  set_task_status("wl-issue-1-review-1",
                  {{"phase", "Succeeded"},
                   {"verdict", "NO-GO"},
                   {"commitSha", kSha1},
                   {"findings", {{{"severity", "error"}, {"message", "handle EOF"}}}}});
  json revision = wait_task("wl-issue-1-code-r1");
  EXPECT_EQ(revision["spec"]["reviseFromBranch"], "redraft/wl/issue-1");
  EXPECT_EQ(revision["spec"]["expectedRemoteSha"], kSha1);
  EXPECT_EQ(revision["spec"]["branchStrategy"], "rebase");
  EXPECT_EQ(revision["spec"]["allowOverwrite"], true);
  EXPECT_EQ(revision["spec"]["feedback"][0]["reviewer"], "rev-a");
  EXPECT_EQ(revision["spec"]["feedback"][0]["message"], "handle EOF");
  EXPECT_EQ(revision["metadata"]["labels"]["redraft.dev/iteration"], "1");

  // Revision pushed, round-1 review GO ⇒ Succeeded, Complete=True.
  set_task_status("wl-issue-1-code-r1",
                  {{"phase", "Succeeded"},
                   {"verdict", "PUSHED"},
                   {"commitSha", kSha2},
                   {"restore", {{"outcome", "restored"}, {"fromSha", kSha1}}}});
  wait_task("wl-issue-1-r1-review-1");
  set_task_status("wl-issue-1-r1-review-1",
                  {{"phase", "Succeeded"}, {"verdict", "GO"}, {"commitSha", kSha2}});
  ASSERT_TRUE(eventually([&] { return workload_status("wl").value("phase", "") == "Succeeded"; }));
  force_reconcile("wl");
  const json status = workload_status("wl");
  EXPECT_EQ(status["items"][0]["commitSha"], kSha2);
  EXPECT_EQ(status["items"][0]["iteration"], 1);
  EXPECT_EQ(status["items"][0]["tasks"],
            (json{"wl-issue-1-code", "wl-issue-1-review-1", "wl-issue-1-code-r1",
                  "wl-issue-1-r1-review-1"}));
  bool complete = false;
  for (const auto& c : status["conditions"]) {
    if (c["type"] == "Complete") complete = c["status"] == "True";
  }
  EXPECT_TRUE(complete) << status.dump();

  // Each transition exactly once, despite the many reconciles on the way.
  EXPECT_EQ(recorder_.count("RevisionUnderIssueFixProfile"), 1);
  EXPECT_EQ(recorder_.count("TaskCreated"), 4);
  EXPECT_EQ(recorder_.count("IterationStarted"), 2);
  EXPECT_EQ(recorder_.count("Succeeded"), 1);
  EXPECT_EQ(recorder_.count("PriorAttemptMoved"), 0);
  for (const auto& e : recorder_.events()) EXPECT_EQ(e.object, "wl");
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(unchanged_status_writes_, 0) << "a status write that changed nothing";
  }
  // One write per observed change: code created, code pushed + review created, NO-GO + revision
  // created, revision pushed + round-1 review created, GO ⇒ Succeeded. A reconcile on a stale
  // cache gets a 409, never a second write.
  EXPECT_EQ(status_writes("wl"), 5);
}

TEST_F(WorkloadControllerTest, AConflictingStatusWriteRequeuesQuietlyAndRecordsNothingTwice) {
  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  server_.fail_next(1, 409, "PUT", "/workloads/wl/status");
  client_->create(resources::kWorkloads, kNs, workload("wl"));
  start();

  wait_task("wl-issue-1-code");
  ASSERT_TRUE(eventually([&] { return workload_status("wl").value("phase", "") == "Running"; }));
  force_reconcile("wl");
  EXPECT_EQ(status_writes("wl"), 1);
  EXPECT_EQ(recorder_.count("TaskCreated"), 1) << "the retry's create got AlreadyExists";
  EXPECT_EQ(recorder_.count("IterationStarted"), 1);
  EXPECT_EQ(workload_metric("controller_runtime_reconcile_errors_total"), 0)
      << "a 409 is not an error";
  EXPECT_GE(workload_metric("controller_runtime_reconcile_total", "requeue"), 1)
      << "the injected 409 was met and requeued";
}

TEST_F(WorkloadControllerTest, AFailedCreateIsRetriedWithoutWritingStatusFirst) {
  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  server_.fail_next(1, 500, "POST", "/agentictasks");
  client_->create(resources::kWorkloads, kNs, workload("wl"));
  start();

  wait_task("wl-issue-1-code");
  ASSERT_TRUE(eventually([&] { return workload_status("wl").value("phase", "") == "Running"; }));
  force_reconcile("wl");
  EXPECT_EQ(status_writes("wl"), 1);
  EXPECT_EQ(recorder_.count("TaskCreated"), 1);
  EXPECT_EQ(workload_metric("controller_runtime_reconcile_errors_total"), 1);
}

TEST_F(WorkloadControllerTest, ARefusedCreateFailsItsItemOnceAndTheOthersGoOn) {
  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  // The API server refuses issue-1's code task (422 Invalid); issue-2's is accepted. With
  // parallelism 1, issue-2 starts only because the refusal finished issue-1. (A real refusal
  // repeats on every try; the injected one happens once, so no other reconcile may race the
  // first one on a Workload cache without issue-1's Failed status: nothing else is created then.)
  server_.fail_next(1, 422, "POST", "/agentictasks");
  json w = workload("wl");
  w["spec"]["issues"] = {1, 2};
  w["spec"]["parallelism"] = 1;
  client_->create(resources::kWorkloads, kNs, w);
  start();

  wait_task("wl-issue-2-code");
  ASSERT_TRUE(eventually([&] {
    const json items = workload_status("wl").value("items", json::array());
    return items.size() == 2 && items[0]["phase"] == "Failed" && items[1]["phase"] == "Running";
  })) << workload_status("wl").dump();
  force_reconcile("wl");
  force_reconcile("wl");
  EXPECT_FALSE(exists("wl-issue-1-code")) << "a refused task is not tried again";
  EXPECT_EQ(recorder_.count("TaskFailed"), 1);
  for (const auto& e : recorder_.events()) {
    if (e.reason != "TaskFailed") continue;
    EXPECT_EQ(e.type, "Warning");
    EXPECT_THAT(e.message, ::testing::StartsWith(
                               "issue-1: the API server rejected task wl-issue-1-code: "));
  }
  EXPECT_EQ(recorder_.count("TaskCreated"), 1) << "only issue-2's task was created";
  EXPECT_EQ(workload_metric("controller_runtime_reconcile_errors_total"), 0)
      << "a refusal is an outcome, not a reconcile error";
}

TEST_F(WorkloadControllerTest, FixingAnInvalidAgentResumes) {
  json coder = agent("coder", "coder");
  coder["spec"].erase("image");
  client_->create(resources::kAgents, kNs, coder);
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  client_->create(resources::kWorkloads, kNs, workload("wl"));
  start();
  ASSERT_TRUE(eventually([&] {
    for (const auto& c : workload_status("wl").value("conditions", json::array())) {
      if (c["type"] == "Ready") {
        return c["reason"] == "InvalidSpec" &&
               c["message"] == "Agent coder: spec.image: Required value";
      }
    }
    return false;
  })) << workload_status("wl").dump();
  force_reconcile("wl");
  EXPECT_FALSE(exists("wl-issue-1-code"));

  // Setting the image (not the role) is an Agent change the Workload is re-planned on.
  json a = client_->get(resources::kAgents, kNs, "coder");
  a["spec"]["image"] = "busybox:1.36";
  client_->update(resources::kAgents, kNs, a);
  wait_task("wl-issue-1-code");
}

TEST_F(WorkloadControllerTest, MissingAgentBlocksWithOneWarningAndItsCreationResumes) {
  client_->create(resources::kAgents, kNs, agent("rev-a", "reviewer"));
  client_->create(resources::kWorkloads, kNs, workload("wl"));
  start();

  ASSERT_TRUE(eventually([&] {
    const json status = workload_status("wl");
    for (const auto& c : status.value("conditions", json::array())) {
      if (c["type"] == "Ready") return c["status"] == "False" && c["reason"] == "AgentNotFound";
    }
    return false;
  }));
  force_reconcile("wl");
  force_reconcile("wl");
  EXPECT_EQ(recorder_.count("AgentNotFound"), 1);
  EXPECT_EQ(client_->list(resources::kAgenticTasks, kNs)["items"].size(), 0u) << "nothing created";
  EXPECT_EQ(status_writes("wl"), 1);
  EXPECT_THAT(recorder_.events().at(0).message,
              ::testing::HasSubstr("spec.coderAgentRef: Agent \"coder\" not found"));

  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  wait_task("wl-issue-1-code");
  ASSERT_TRUE(eventually([&] {
    const json status = workload_status("wl");
    for (const auto& c : status.value("conditions", json::array())) {
      if (c["type"] == "Ready") return c["status"] == "True";
    }
    return false;
  }));
  EXPECT_EQ(recorder_.count("AgentNotFound"), 1);
}

TEST_F(WorkloadControllerTest, WrongRoleIsInvalidSpecAndADeletedTaskIsRecreated) {
  client_->create(resources::kAgents, kNs, agent("coder", "coder"));
  client_->create(resources::kAgents, kNs, agent("rev-a", "coder"));  // wrong role
  client_->create(resources::kWorkloads, kNs, workload("wl"));
  start();
  ASSERT_TRUE(eventually([&] {
    for (const auto& c : workload_status("wl").value("conditions", json::array())) {
      if (c["type"] == "Ready") return c["reason"] == "InvalidSpec";
    }
    return false;
  }));
  force_reconcile("wl");
  EXPECT_FALSE(exists("wl-issue-1-code"));
  EXPECT_EQ(recorder_.count("InvalidSpec"), 1);

  // Fixing the Agent's role resumes (Agent update events map to the Workload).
  json a = client_->get(resources::kAgents, kNs, "rev-a");
  a["spec"]["role"] = "reviewer";
  client_->update(resources::kAgents, kNs, a);
  wait_task("wl-issue-1-code");

  // A task deleted by someone is recreated under its deterministic name.
  const json first = wait_task("wl-issue-1-code");
  client_->remove(resources::kAgenticTasks, kNs, "wl-issue-1-code");
  ASSERT_TRUE(eventually([&] {
    auto t = get(resources::kAgenticTasks, "wl-issue-1-code");
    return t && (*t)["metadata"]["uid"] != first["metadata"]["uid"];
  }));
}

}  // namespace
}  // namespace redraft::controllers::workload
