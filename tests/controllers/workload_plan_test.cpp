// The Workload planner's rules (DESIGN.md §5, issue 7 §1), table-driven.
//
// Most cases run as scenarios through a small simulator that behaves like the API server: the
// tasks a plan creates are added to the "cache" (without status), the plan's status becomes the
// Workload's status, and the test then sets task results the way the AgenticTask controller
// would. After every step the simulator plans again with nothing changed and checks that nothing
// is created, no status is written and no event repeats (idempotence is a rule for every step).
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/validation.hpp"
#include "operator/controllers/common/labels.hpp"
#include "operator/controllers/workload/plan.hpp"

namespace redraft::controllers::workload {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kT0 = "2026-12-04T10:00:00Z";
constexpr const char* kT1 = "2026-12-04T10:05:00Z";
constexpr const char* kT2 = "2026-12-04T10:10:00Z";

api::Agent agent(const std::string& name, const char* role) {
  api::Agent a;
  a.metadata.name = name;
  a.metadata.namespace_ = "team";
  a.spec.role = role;
  a.spec.image = "busybox:1.36";
  a.spec.command = {"agent"};
  return a;
}

std::vector<api::Agent> all_agents() {
  return {agent("coder", api::role::kCoder), agent("reviser", api::role::kCoder),
          agent("rev-a", api::role::kReviewer), agent("rev-b", api::role::kReviewer)};
}

api::Workload workload() {
  api::Workload w;
  w.metadata.name = "wl";
  w.metadata.namespace_ = "team";
  w.metadata.uid = "uid-wl";
  w.metadata.generation = 1;
  w.spec.repo.url = "http://git.example/repo.git";
  w.spec.repo.credentialsSecretRef.name = "git-token";
  w.spec.issues = {1};
  w.spec.intent = "Keep the public API stable.";
  w.spec.coderAgentRef.name = "coder";
  w.spec.reviewerAgentRefs = {{"rev-a"}, {"rev-b"}};
  w.spec.revisionCoderAgentRef = api::LocalObjectReference{"reviser"};
  return w;
}

std::string summary(const PlannedEvent& e) { return e.type + " " + e.reason; }

std::vector<std::string> summaries(const std::vector<PlannedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(summary(e));
  return out;
}

// What a task finished with (the AgenticTask controller's status).
struct Result {
  std::string phase = api::phase::kSucceeded;
  std::string verdict;
  std::string sha;
  std::string reason;
  std::string message;
  std::vector<api::Finding> findings;
  std::optional<api::RestoreStatus> restore;
  std::string summary;
};

Result with(std::string phase, std::string verdict, std::string sha) {
  Result r;
  r.phase = std::move(phase);
  r.verdict = std::move(verdict);
  r.sha = std::move(sha);
  return r;
}
Result pushed(std::string sha) { return with(api::phase::kSucceeded, api::verdict::kPushed, sha); }
Result go() { return with(api::phase::kSucceeded, api::verdict::kGo, "reviewed"); }
Result no_go(std::string message = "fix the bug") {
  api::Finding f;
  f.severity = "error";
  f.file = "main.c";
  f.line = 3;
  f.message = message;
  Result r = with(api::phase::kSucceeded, api::verdict::kNoGo, "reviewed");
  r.findings = {f};
  return r;
}
Result no_changes() { return with(api::phase::kSucceeded, api::verdict::kNoChanges, ""); }
Result running() { return with(api::phase::kRunning, "", ""); }
Result failed(std::string reason, std::string verdict = "") {
  Result r = with(api::phase::kFailed, std::move(verdict), "");
  r.reason = std::move(reason);
  r.message = "it went wrong";
  return r;
}

// A tiny API server + caches: creation adds the task, status writes replace the status.
class Sim {
 public:
  explicit Sim(api::Workload w = workload(), std::vector<api::Agent> agents = all_agents())
      : workload_(std::move(w)), agents_(std::move(agents)) {}

  // Plans, applies the plan (creates, status write), then checks that planning again changes
  // nothing. Returns the first plan.
  Plan step(const char* now = kT0) {
    Plan p = plan(workload_, agents_, tasks_, now);
    for (const auto& c : p.create) {
      EXPECT_EQ(find(c.task.metadata.name), nullptr)
          << "planned to create an existing task " << c.task.metadata.name.str();
      tasks_.push_back(c.task);
    }
    if (p.status_changed) workload_.status = p.status;
    EXPECT_EQ(p.status, workload_.status);
    Plan again = plan(workload_, agents_, tasks_, kT2);
    EXPECT_TRUE(again.create.empty()) << "replanning created " << again.create.size() << " tasks";
    EXPECT_FALSE(again.status_changed) << "replanning changed the status";
    EXPECT_TRUE(again.events.empty()) << "replanning repeated events: "
                                      << ::testing::PrintToString(summaries(again.events));
    EXPECT_TRUE(again.finished.empty());
    return p;
  }

  void finish(const std::string& name, const Result& r) {
    api::AgenticTask* t = find(name);
    ASSERT_NE(t, nullptr) << "no task " << name;
    t->status.phase = r.phase;
    t->status.verdict = r.verdict;
    t->status.commitSha = r.sha;
    t->status.reason = r.reason;
    t->status.message = r.message;
    t->status.findings = r.findings;
    t->status.restore = r.restore;
    t->status.summary = r.summary;
  }
  void run(const std::string& name) {
    api::AgenticTask* t = find(name);
    ASSERT_NE(t, nullptr) << "no task " << name;
    t->status.phase = api::phase::kRunning;
  }

  api::AgenticTask* find(std::string_view name) {
    for (auto& t : tasks_) {
      if (t.metadata.name == name) return &t;
    }
    return nullptr;
  }
  const api::WorkloadItemStatus& item(std::size_t i = 0) const {
    return workload_.status.items.at(i);
  }
  const api::Condition* condition(std::string_view type) const {
    for (const auto& c : workload_.status.conditions) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }

  api::Workload& wl() { return workload_; }
  std::vector<api::Agent>& agents() { return agents_; }
  std::vector<api::AgenticTask>& tasks() { return tasks_; }

 private:
  api::Workload workload_;
  std::vector<api::Agent> agents_;
  std::vector<api::AgenticTask> tasks_;
};

std::vector<std::string> created_names(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.create) out.push_back(c.task.metadata.name);
  return out;
}

// All events of a plan in the order the controller records them: creation events (when each
// create succeeds), then transition events (after the status write).
std::vector<std::string> all_events(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.create) {
    for (const auto& e : c.events) out.push_back(summary(e));
  }
  for (const auto& e : p.events) out.push_back(summary(e));
  return out;
}

const PlannedEvent* event(const Plan& p, std::string_view reason) {
  for (const auto& c : p.create) {
    for (const auto& e : c.events) {
      if (e.reason == reason) return &e;
    }
  }
  for (const auto& e : p.events) {
    if (e.reason == reason) return &e;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Names

TEST(WorkloadNames, FollowTheContract) {
  EXPECT_EQ(issue_item_key(42), "issue-42");
  EXPECT_EQ(code_task_name("wl", "issue-1", 0), "wl-issue-1-code");
  EXPECT_EQ(code_task_name("wl", "issue-1", 1), "wl-issue-1-code-r1");
  EXPECT_EQ(code_task_name("wl", "fix-docs", 12), "wl-fix-docs-code-r12");
  EXPECT_EQ(review_task_name("wl", "issue-1", 0, 1), "wl-issue-1-review-1");
  EXPECT_EQ(review_task_name("wl", "issue-1", 0, 3), "wl-issue-1-review-3");
  EXPECT_EQ(review_task_name("wl", "issue-1", 2, 1), "wl-issue-1-r2-review-1");
}

TEST(WorkloadNames, LongNamesAreCutWithAHashAndStayDistinct) {
  const std::string long_wl(235, 'w');
  const std::string a = code_task_name(long_wl, "issue-1", 0);
  const std::string b = code_task_name(long_wl, "issue-2", 0);
  EXPECT_EQ(a.size(), kMaxTaskNameLength);
  EXPECT_EQ(b.size(), kMaxTaskNameLength);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, code_task_name(long_wl, "issue-1", 0)) << "deterministic";
  EXPECT_EQ(a.substr(0, 229), std::string(229, 'w'));
  EXPECT_EQ(a[229], '-');
  // A cut that lands on '-' or '.' must not leave "-." or "--" shaped label edges.
  const std::string dotted = std::string(228, 'a') + ".-" + std::string(20, 'b');
  const std::string cut = bounded_task_name(dotted);
  EXPECT_EQ(cut.substr(0, 229), std::string(228, 'a') + "-");
  EXPECT_EQ(cut.find(".-"), std::string::npos);
  EXPECT_EQ(bounded_task_name(std::string(240, 'x')), std::string(240, 'x')) << "at the limit";
}

// ---------------------------------------------------------------------------------------------
// The first step: exact task, status and events

TEST(WorkloadPlan, NewWorkloadCreatesTheCodeTaskWithOwnerLabelsAndInputs) {
  Sim sim;
  Plan p = sim.step(kT0);
  ASSERT_EQ(p.create.size(), 1u);
  const api::AgenticTask& t = p.create[0].task;

  api::AgenticTask want;
  want.metadata.name = "wl-issue-1-code";
  want.metadata.namespace_ = "team";
  want.metadata.labels = {{"redraft.dev/workload", "wl"},
                          {"redraft.dev/item", "issue-1"},
                          {"redraft.dev/iteration", "0"}};
  want.metadata.ownerReferences = {
      {"redraft.dev/v1alpha1", "Workload", "wl", "uid-wl", true, true}};
  want.spec.kind = "code";
  want.spec.agentRef.name = "coder";
  want.spec.repo.url = "http://git.example/repo.git";
  want.spec.repo.credentialsSecretRef.name = "git-token";
  want.spec.baseBranch = "main";
  want.spec.branch = "redraft/wl/issue-1";
  want.spec.issue = api::IssueRef{1, {}, {}};
  want.spec.intent = "Keep the public API stable.";
  EXPECT_EQ(t, want);
  EXPECT_TRUE(api::validate(t).empty()) << api::join_errors(api::validate(t));

  EXPECT_THAT(summaries(p.create[0].events),
              ElementsAre("Normal TaskCreated", "Normal IterationStarted"));
  EXPECT_EQ(p.create[0].events[0].message,
            "created code task wl-issue-1-code (Agent coder) for issue-1");
  EXPECT_TRUE(p.events.empty());
  EXPECT_TRUE(p.status_changed);

  api::WorkloadStatus status;
  status.phase = "Running";
  status.items = {{"issue-1", 0, "Running", "redraft/wl/issue-1", {}, {}, {"wl-issue-1-code"}}};
  status.counts = api::WorkloadCounts{1, 0, 1, 0, 0};
  status.reviewIterations = 0;
  status.observedGeneration = 1;
  status.conditions = {
      {"Ready", "True", 1, kT0, "AgentsResolved",
       "spec is valid and every referenced Agent was found"},
      {"Complete", "False", 1, kT0, "InProgress", "0 of 1 item(s) succeeded, 0 failed"},
      {"Failed", "False", 1, kT0, "InProgress", "0 of 1 item(s) succeeded, 0 failed"},
  };
  EXPECT_EQ(p.status, status);
}

TEST(WorkloadPlan, PromptItemsAreKeyedByNameAndCarryThePrompt) {
  api::Workload w = workload();
  w.spec.issues.clear();
  w.spec.tasks = {{"fix-docs", "Fix the docs."}};
  w.spec.branchPrefix = "bot/";
  w.spec.baseBranch = "develop";
  Sim sim(w);
  Plan p = sim.step();
  ASSERT_EQ(p.create.size(), 1u);
  const auto& t = p.create[0].task;
  EXPECT_EQ(t.metadata.name, "wl-fix-docs-code");
  EXPECT_EQ(t.metadata.labels.at("redraft.dev/item"), "fix-docs");
  EXPECT_EQ(t.spec.prompt, "Fix the docs.");
  EXPECT_FALSE(t.spec.issue.has_value());
  EXPECT_EQ(t.spec.branch, "bot/fix-docs");
  EXPECT_EQ(t.spec.baseBranch, "develop");
  EXPECT_EQ(sim.item().key, "fix-docs");
}

TEST(WorkloadPlan, LabelValuesAreMadeSafe) {
  api::Workload w = workload();
  w.metadata.name = std::string(70, 'w');
  Sim sim(w);
  Plan p = sim.step();
  ASSERT_EQ(p.create.size(), 1u);
  const auto& labels = p.create[0].task.metadata.labels;
  EXPECT_EQ(labels.at("redraft.dev/workload"), safe_label_value(std::string(70, 'w')));
  EXPECT_LE(labels.at("redraft.dev/workload").size(), 63u);
  EXPECT_TRUE(is_valid_label_value(labels.at("redraft.dev/workload")));
}

TEST(WorkloadPlan, StaleTaskCacheReplansTheSameCreateWithoutChangingStatus) {
  Sim sim;
  sim.step();
  // The informer has not seen the created task yet: the same create is planned again (the
  // controller gets AlreadyExists = success), the status is the one already written.
  Plan again = plan(sim.wl(), sim.agents(), {}, kT1);
  EXPECT_THAT(created_names(again), ElementsAre("wl-issue-1-code"));
  EXPECT_FALSE(again.status_changed);
  EXPECT_TRUE(again.events.empty());
}

TEST(WorkloadPlan, TerminatingWorkloadIsNeverPlanned) {
  Sim sim;
  sim.wl().metadata.deletionTimestamp = kT0;
  Plan p = plan(sim.wl(), sim.agents(), sim.tasks(), kT1);
  EXPECT_TRUE(p.create.empty());
  EXPECT_FALSE(p.status_changed);
  EXPECT_TRUE(p.events.empty());
  EXPECT_EQ(p.status, sim.wl().status);
}

// ---------------------------------------------------------------------------------------------
// Review rounds, revisions and outcomes: scenario table

struct Step {
  std::vector<std::pair<std::string, Result>> results;  // set before planning
  std::vector<std::string> created;                     // task names, in order
  std::vector<std::string> events;                      // "Type Reason", recording order
  std::string item_phase;
  std::string workload_phase;
};

struct Scenario {
  std::string name;
  std::function<void(api::Workload&)> edit;
  std::vector<Step> steps;
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

class WorkloadScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(WorkloadScenario, Steps) {
  const Scenario& sc = GetParam();
  api::Workload w = workload();
  if (sc.edit) sc.edit(w);
  Sim sim(w);
  for (std::size_t i = 0; i < sc.steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    const Step& st = sc.steps[i];
    for (const auto& [name, result] : st.results) sim.finish(name, result);
    Plan p = sim.step();
    EXPECT_EQ(created_names(p), st.created);
    EXPECT_EQ(all_events(p), st.events);
    EXPECT_EQ(sim.item().phase, st.item_phase);
    EXPECT_EQ(sim.wl().status.phase, st.workload_phase);
  }
}

const std::vector<std::string> kCodeCreated = {"Normal TaskCreated", "Normal IterationStarted"};
const std::vector<std::string> kTwoReviewsCreated = {"Normal TaskCreated", "Normal TaskCreated"};
const std::vector<std::string> kRevisionCreated = {"Normal TaskCreated", "Normal IterationStarted"};

INSTANTIATE_TEST_SUITE_P(
    Rules, WorkloadScenario,
    ::testing::Values(
        Scenario{"AllGoSucceeds",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", go()}}, {}, {}, "Running", "Running"},
                  {{{"wl-issue-1-review-2", go()}}, {}, {"Normal Succeeded"}, "Succeeded",
                   "Succeeded"}}},
        Scenario{"NoGoThenRevisionThenGo",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", go()}, {"wl-issue-1-review-2", no_go()}},
                   {"wl-issue-1-code-r1"},
                   kRevisionCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-code-r1", pushed("c2")}},
                   {"wl-issue-1-r1-review-1", "wl-issue-1-r1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-r1-review-1", go()}, {"wl-issue-1-r1-review-2", go()}},
                   {},
                   {"Normal Succeeded"},
                   "Succeeded",
                   "Succeeded"}}},
        Scenario{"RevisionWithoutOwnProfileWarns",
                 [](api::Workload& w) { w.spec.revisionCoderAgentRef.reset(); },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", no_go()}, {"wl-issue-1-review-2", no_go()}},
                   {"wl-issue-1-code-r1"},
                   {"Normal TaskCreated", "Normal IterationStarted",
                    "Warning RevisionUnderIssueFixProfile"},
                   "Running",
                   "Running"}}},
        Scenario{"IterationsExhaustedWithDefaultOne",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", no_go()}, {"wl-issue-1-review-2", go()}},
                   {"wl-issue-1-code-r1"},
                   kRevisionCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-code-r1", pushed("c2")}},
                   {"wl-issue-1-r1-review-1", "wl-issue-1-r1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-r1-review-1", no_go()}, {"wl-issue-1-r1-review-2", go()}},
                   {},
                   {"Warning IterationsExhausted"},
                   "Failed",
                   "Failed"}}},
        Scenario{"TwoIterationsAllowed",
                 [](api::Workload& w) {
                   w.spec.maxReviewIterations = 2;
                   w.spec.reviewerAgentRefs = {{"rev-a"}};
                 },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", no_go()}}, {"wl-issue-1-code-r1"}, kRevisionCreated,
                   "Running", "Running"},
                  {{{"wl-issue-1-code-r1", pushed("c2")}}, {"wl-issue-1-r1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-r1-review-1", no_go()}}, {"wl-issue-1-code-r2"}, kRevisionCreated,
                   "Running", "Running"},
                  {{{"wl-issue-1-code-r2", pushed("c3")}}, {"wl-issue-1-r2-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-r2-review-1", no_go()}}, {}, {"Warning IterationsExhausted"},
                   "Failed", "Failed"}}},
        Scenario{"ZeroIterationsMeansNoReviews",
                 [](api::Workload& w) { w.spec.maxReviewIterations = 0; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {}, {"Normal Succeeded"}, "Succeeded",
                   "Succeeded"}}},
        Scenario{"NoReviewersMeansNoReviews",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs.clear(); },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {}, {"Normal Succeeded"}, "Succeeded",
                   "Succeeded"}}},
        Scenario{"RevisionWithNoChangesIsNoProgress",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", no_go()}}, {"wl-issue-1-code-r1"}, kRevisionCreated,
                   "Running", "Running"},
                  {{{"wl-issue-1-code-r1", no_changes()}}, {}, {"Warning NoProgress"}, "Failed",
                   "Failed"}}},
        Scenario{"FirstCodeTaskWithNoChangesFails",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", no_changes()}}, {}, {"Warning TaskFailed"}, "Failed",
                   "Failed"}}},
        Scenario{"FirstCodeTaskFailedFails",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", failed("AgentTimeout")}}, {}, {"Warning TaskFailed"},
                   "Failed", "Failed"}}},
        Scenario{"CodeTaskLeaseRejected",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", failed("LeaseRejected")}}, {}, {"Warning LeaseRejected"},
                   "Failed", "Failed"}}},
        Scenario{"RevisionFailedIsTaskFailed",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", no_go()}}, {"wl-issue-1-code-r1"}, kRevisionCreated,
                   "Running", "Running"},
                  {{{"wl-issue-1-code-r1", failed("RebaseConflict")}}, {}, {"Warning TaskFailed"},
                   "Failed", "Failed"}}},
        Scenario{"IncompleteReviewerNeverRevises",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", no_go()},
                    {"wl-issue-1-review-2", failed("ResultMissing", "INCOMPLETE")}},
                   {},
                   {"Warning ReviewIncomplete"},
                   "Failed",
                   "Failed"}}},
        Scenario{"ReviewerWithoutVerdictIsIncomplete",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", Result{}}}, {}, {"Warning ReviewIncomplete"},
                   "Failed", "Failed"}}},
        Scenario{"ReviewerFailedWithNoGoVerdictIsIncomplete",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", failed("PodFailed", "NO-GO")}}, {},
                   {"Warning ReviewIncomplete"}, "Failed", "Failed"}}},
        // The executor reports Failed + GO when publishing failed after the agent said GO.
        Scenario{"ReviewerFailedWithGoVerdictIsIncomplete",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}}, {"wl-issue-1-review-1"},
                   {"Normal TaskCreated"}, "Running", "Running"},
                  {{{"wl-issue-1-review-1", failed("PublishFailed", "GO")}}, {},
                   {"Warning ReviewIncomplete"}, "Failed", "Failed"}}},
        Scenario{"OneFailedGoAmongGoesIsIncomplete",
                 nullptr,
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", pushed("c1")}},
                   {"wl-issue-1-review-1", "wl-issue-1-review-2"},
                   kTwoReviewsCreated,
                   "Running",
                   "Running"},
                  {{{"wl-issue-1-review-1", go()},
                    {"wl-issue-1-review-2", failed("PublishFailed", "GO")}},
                   {},
                   {"Warning ReviewIncomplete"},
                   "Failed",
                   "Failed"}}},
        Scenario{"RunningTasksOnlyChangeVerdicts",
                 [](api::Workload& w) { w.spec.reviewerAgentRefs = {{"rev-a"}}; },
                 {{{}, {"wl-issue-1-code"}, kCodeCreated, "Running", "Running"},
                  {{{"wl-issue-1-code", running()}}, {}, {}, "Running",
                   "Running"}}}),
    [](const ::testing::TestParamInfo<Scenario>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// Exact contents of reviews, revisions, events and status along the way

struct ReviewRound : ::testing::Test {
  Sim sim;
  void SetUp() override {
    sim.step(kT0);
    sim.finish("wl-issue-1-code", pushed("c1"));
  }
};

TEST_F(ReviewRound, ReviewsRunOnTheItemBranchOnePerReviewer) {
  Plan p = sim.step(kT1);
  ASSERT_EQ(p.create.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& t = p.create[i].task;
    EXPECT_EQ(t.spec.kind, "review");
    EXPECT_EQ(t.spec.agentRef.name, i == 0 ? "rev-a" : "rev-b");
    EXPECT_EQ(t.spec.branch, "redraft/wl/issue-1");
    EXPECT_EQ(t.spec.baseBranch, "main");
    EXPECT_EQ(t.spec.issue->number, 1);
    EXPECT_EQ(t.spec.intent, "Keep the public API stable.");
    EXPECT_EQ(t.metadata.labels.at("redraft.dev/iteration"), "0");
    EXPECT_EQ(t.metadata.ownerReferences.at(0).uid, "uid-wl");
    EXPECT_TRUE(t.spec.reviseFromBranch.empty());
    EXPECT_TRUE(t.spec.feedback.empty());
    EXPECT_TRUE(api::validate(t).empty()) << api::join_errors(api::validate(t));
  }
  EXPECT_EQ(p.create[1].events.at(0).message,
            "created review task wl-issue-1-review-2 (Agent rev-b) for issue-1");
  const auto& item = sim.item();
  EXPECT_EQ(item.commitSha, "c1");
  EXPECT_THAT(item.tasks,
              ElementsAre("wl-issue-1-code", "wl-issue-1-review-1", "wl-issue-1-review-2"));
  EXPECT_THAT(item.verdicts, ElementsAre("Pending", "Pending"));
  sim.run("wl-issue-1-review-1");
  sim.finish("wl-issue-1-review-2", go());
  sim.step(kT1);
  EXPECT_THAT(sim.item().verdicts, ElementsAre("Running", "GO"));
}

TEST_F(ReviewRound, RevisionCarriesLeaseStrategyAndNoGoFeedbackWithReviewer) {
  const std::string sha(40, 'c');  // a real SHA, so the revision passes task validation
  sim.finish("wl-issue-1-code", pushed(sha));
  sim.step(kT1);
  Result second = no_go("rename foo");
  second.findings.push_back(second.findings[0]);
  second.findings[1].message = "add a test";
  sim.finish("wl-issue-1-review-1", no_go("null check"));
  sim.finish("wl-issue-1-review-2", second);
  Plan p = sim.step(kT1);
  ASSERT_EQ(p.create.size(), 1u);
  const auto& t = p.create[0].task;
  EXPECT_EQ(t.metadata.name, "wl-issue-1-code-r1");
  EXPECT_EQ(t.metadata.labels.at("redraft.dev/iteration"), "1");
  EXPECT_EQ(t.spec.kind, "code");
  EXPECT_EQ(t.spec.agentRef.name, "reviser");
  EXPECT_EQ(t.spec.branch, "redraft/wl/issue-1");
  EXPECT_EQ(t.spec.reviseFromBranch, "redraft/wl/issue-1");
  EXPECT_EQ(t.spec.expectedRemoteSha, sha);
  EXPECT_EQ(t.spec.branchStrategy, "rebase") << "the Workload default for revisions";
  EXPECT_EQ(t.spec.allowOverwrite, std::optional<bool>(true));
  ASSERT_EQ(t.spec.feedback.size(), 3u);
  EXPECT_EQ(t.spec.feedback[0].message, "null check");
  EXPECT_EQ(t.spec.feedback[0].reviewer, "rev-a");
  EXPECT_EQ(t.spec.feedback[0].file, "main.c");
  EXPECT_EQ(t.spec.feedback[0].line, 3);
  EXPECT_EQ(t.spec.feedback[1].message, "rename foo");
  EXPECT_EQ(t.spec.feedback[1].reviewer, "rev-b");
  EXPECT_EQ(t.spec.feedback[2].message, "add a test");
  EXPECT_EQ(t.spec.feedback[2].reviewer, "rev-b");
  EXPECT_TRUE(api::validate(t).empty()) << api::join_errors(api::validate(t));
  EXPECT_EQ(p.create[0].events[1].message,
            "issue-1: review iteration 1 of 1 started after NO-GO from rev-a, rev-b (3 "
            "finding(s)); revision wl-issue-1-code-r1");
  EXPECT_EQ(sim.item().iteration, 1);
  EXPECT_EQ(sim.wl().status.reviewIterations, 1);
  EXPECT_THAT(sim.item().verdicts, ElementsAre("NO-GO", "NO-GO"))
      << "the latest review round's verdicts stay until the next round starts";
}

TEST_F(ReviewRound, OnlyNoGoReviewersGiveFeedbackAndASummaryStandsInForMissingFindings) {
  sim.step(kT1);
  Result bare = no_go();
  bare.findings.clear();
  bare.summary = "the design is wrong";
  sim.finish("wl-issue-1-review-1", go());
  sim.finish("wl-issue-1-review-2", bare);
  Plan p = sim.step(kT1);
  ASSERT_EQ(p.create.size(), 1u);
  const auto& fb = p.create[0].task.spec.feedback;
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].message, "the design is wrong");
  EXPECT_EQ(fb[0].reviewer, "rev-b");
}

TEST_F(ReviewRound, WorkloadStrategyAndOverwriteAreCopiedToRevisions) {
  sim.wl().spec.branchStrategy = "restore";
  sim.wl().spec.allowOverwrite = false;
  sim.step(kT1);
  sim.finish("wl-issue-1-review-1", no_go());
  sim.finish("wl-issue-1-review-2", go());
  Plan p = sim.step(kT1);
  ASSERT_EQ(p.create.size(), 1u);
  EXPECT_EQ(p.create[0].task.spec.branchStrategy, "restore");
  EXPECT_EQ(p.create[0].task.spec.allowOverwrite, std::optional<bool>(false));
}

TEST_F(ReviewRound, RevisionUnderIssueFixProfileNamesTheCoder) {
  sim.wl().spec.revisionCoderAgentRef.reset();
  sim.step(kT1);
  sim.finish("wl-issue-1-review-1", no_go());
  sim.finish("wl-issue-1-review-2", no_go());
  Plan p = sim.step(kT1);
  ASSERT_EQ(p.create.size(), 1u);
  EXPECT_EQ(p.create[0].task.spec.agentRef.name, "coder");
  const PlannedEvent* e = event(p, "RevisionUnderIssueFixProfile");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type, "Warning");
  EXPECT_EQ(e->message,
            "issue-1: spec.revisionCoderAgentRef is not set; revision wl-issue-1-code-r1 runs "
            "under the coder Agent \"coder\" (the issue-fix profile)");
}

// After the round-0 NO-GO and the revision: its restore outcome decides the events that come
// with the next step (the round-1 reviews, or the item's failure).
struct AfterRevision : ReviewRound {
  void SetUp() override {
    ReviewRound::SetUp();
    sim.wl().spec.reviewerAgentRefs = {{"rev-a"}};
    sim.step(kT1);
    sim.finish("wl-issue-1-review-1", no_go());
    sim.step(kT1);  // creates wl-issue-1-code-r1 (expectedRemoteSha c1)
  }
  Result revision(Result r, const char* outcome, const char* from) {
    r.restore = api::RestoreStatus{outcome, from};
    return r;
  }
};

TEST_F(AfterRevision, RestoredAtTheExpectedShaIsQuiet) {
  sim.finish("wl-issue-1-code-r1", revision(pushed("c2"), "restored", "c1"));
  Plan p = sim.step(kT2);
  EXPECT_THAT(all_events(p), ElementsAre("Normal TaskCreated"));
  EXPECT_EQ(sim.item().commitSha, "c2");
  EXPECT_THAT(sim.item().verdicts, ElementsAre("Pending"));
}

TEST_F(AfterRevision, RestoreFromAMovedBranchIsPriorAttemptMoved) {
  sim.finish("wl-issue-1-code-r1", revision(pushed("c3"), "restored", "foreign"));
  Plan p = sim.step(kT2);
  EXPECT_THAT(all_events(p), ElementsAre("Normal PriorAttemptMoved", "Normal TaskCreated"));
  EXPECT_EQ(event(p, "PriorAttemptMoved")->message,
            "issue-1: branch redraft/wl/issue-1 moved from c1 to foreign since the last "
            "iteration; revision wl-issue-1-code-r1 built on the new tip");
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-1-r1-review-1"));
}

TEST_F(AfterRevision, RestoreFallbackWarns) {
  sim.finish("wl-issue-1-code-r1", revision(pushed("c3"), "fallback", ""));
  Plan p = sim.step(kT2);
  EXPECT_THAT(all_events(p), ElementsAre("Warning RestoreFallback", "Normal TaskCreated"));
  EXPECT_EQ(event(p, "RestoreFallback")->message,
            "issue-1: revision wl-issue-1-code-r1 found no prior attempt on branch "
            "redraft/wl/issue-1; it was rebuilt from the base branch main");
}

TEST_F(AfterRevision, LeaseRejectedAfterAMovedBranchReportsBothAndFails) {
  sim.finish("wl-issue-1-code-r1",
             revision(failed("LeaseRejected"), "restored", "foreign"));
  Plan p = sim.step(kT2);
  EXPECT_TRUE(p.create.empty());
  EXPECT_THAT(all_events(p), ElementsAre("Normal PriorAttemptMoved", "Warning LeaseRejected"));
  EXPECT_EQ(event(p, "LeaseRejected")->message,
            "issue-1: task wl-issue-1-code-r1 was rejected by the push lease (branch "
            "redraft/wl/issue-1 changed under it); nothing was overwritten");
  EXPECT_EQ(sim.item().phase, "Failed");
  EXPECT_EQ(sim.item().commitSha, "c1") << "the last pushed SHA stays";
  const api::Condition* failed_cond = sim.condition("Failed");
  ASSERT_NE(failed_cond, nullptr);
  EXPECT_EQ(failed_cond->status, "True");
  EXPECT_EQ(failed_cond->reason, "LeaseRejected");
}

TEST_F(AfterRevision, RestoreEventsWaitForTheStepThatCanBeRecorded) {
  sim.finish("wl-issue-1-code-r1", revision(pushed("c3"), "fallback", ""));
  // The reviewer vanished: nothing can be created, so the restore event is not recorded yet.
  sim.agents().erase(sim.agents().begin() + 2);
  Plan blocked = sim.step(kT2);
  EXPECT_TRUE(blocked.create.empty());
  EXPECT_THAT(all_events(blocked), ElementsAre("Warning AgentNotFound"));
  sim.agents() = all_agents();
  Plan resumed = sim.step(kT2);
  EXPECT_THAT(all_events(resumed), ElementsAre("Warning RestoreFallback", "Normal TaskCreated"));
}

TEST_F(ReviewRound, FailureMessagesNameTasksAndReasons) {
  sim.step(kT1);
  sim.finish("wl-issue-1-review-1", no_go());
  Result incomplete = failed("ResultMissing", "INCOMPLETE");
  incomplete.message = "no result file; repo https://user:s3cret@git.example/r.git";
  sim.finish("wl-issue-1-review-2", incomplete);
  Plan p = sim.step(kT2);
  const PlannedEvent* e = event(p, "ReviewIncomplete");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type, "Warning");
  EXPECT_EQ(e->message,
            "issue-1: review task wl-issue-1-review-2 did not complete (INCOMPLETE, "
            "ResultMissing: no result file; repo https://***@git.example/r.git); no revision "
            "is made");
  EXPECT_THAT(::testing::PrintToString(sim.wl().status), ::testing::Not(HasSubstr("s3cret")));
  const api::Condition* c = sim.condition("Failed");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "ReviewIncomplete");
  EXPECT_EQ(c->message, e->message);
  EXPECT_EQ(sim.condition("Complete")->reason, "ItemsFailed");
  ASSERT_EQ(p.finished.size(), 1u);
  EXPECT_EQ(p.finished[0], (FinishedItem{"issue-1", "Failed", 0}));
}

TEST(WorkloadPlanMessages, TaskFailedNamesTheTaskAndReason) {
  struct Case {
    Result result;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {failed("AgentTimeout"),
            "issue-1: task wl-issue-1-code failed: AgentTimeout: it went wrong"},
           {no_changes(), "issue-1: task wl-issue-1-code made no changes (NO-CHANGES)"},
           {with(api::phase::kSucceeded, "GO", ""),
            "issue-1: task wl-issue-1-code finished without a pushed commit (verdict \"GO\")"},
       }) {
    Sim sim;
    sim.step();
    sim.finish("wl-issue-1-code", c.result);
    Plan p = sim.step(kT1);
    const PlannedEvent* e = event(p, "TaskFailed");
    ASSERT_NE(e, nullptr) << c.want;
    EXPECT_EQ(e->message, c.want);
    EXPECT_EQ(sim.condition("Failed")->reason, "TaskFailed");
  }
}

TEST(WorkloadPlanMessages, IterationsExhaustedAndNoProgress) {
  api::Workload w = workload();
  w.spec.reviewerAgentRefs = {{"rev-a"}};
  {
    // The default (1): code, NO-GO, revision r1, NO-GO ⇒ exhausted.
    Sim sim(w);
    sim.step();
    sim.finish("wl-issue-1-code", pushed("c1"));
    sim.step();
    sim.finish("wl-issue-1-review-1", no_go());
    sim.step();
    sim.finish("wl-issue-1-code-r1", pushed("c2"));
    sim.step();
    sim.finish("wl-issue-1-r1-review-1", no_go());
    Plan p = sim.step(kT1);
    EXPECT_EQ(event(p, "IterationsExhausted")->message,
              "issue-1: reviewers still say NO-GO after 2 review round(s) (maxReviewIterations 1)");
    EXPECT_EQ(sim.item().iteration, 1);
    EXPECT_EQ(sim.item().commitSha, "c2");
    ASSERT_EQ(p.finished.size(), 1u);
    EXPECT_EQ(p.finished[0], (FinishedItem{"issue-1", "Failed", 1}));
  }
  {
    Sim sim(w);
    sim.step();
    sim.finish("wl-issue-1-code", pushed("c1"));
    sim.step();
    sim.finish("wl-issue-1-review-1", no_go());
    sim.step();
    sim.finish("wl-issue-1-code-r1", no_changes());
    Plan p = sim.step(kT1);
    EXPECT_EQ(event(p, "NoProgress")->message,
              "issue-1: revision wl-issue-1-code-r1 changed nothing relative to the prior attempt "
              "(NO-CHANGES); the review is not repeated");
    EXPECT_EQ(sim.condition("Failed")->reason, "NoProgress");
  }
}

TEST(WorkloadPlan, SucceededItemStatusConditionsAndEvent) {
  api::Workload w = workload();
  w.spec.reviewerAgentRefs = {{"rev-a"}};
  Sim sim(w);
  sim.step(kT0);
  sim.finish("wl-issue-1-code", pushed("c1"));
  sim.step(kT1);
  sim.finish("wl-issue-1-review-1", go());
  Plan p = sim.step(kT2);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].message,
            "issue-1: approved at c1 on redraft/wl/issue-1 after 0 revision(s)");
  ASSERT_EQ(p.finished.size(), 1u);
  EXPECT_EQ(p.finished[0], (FinishedItem{"issue-1", "Succeeded", 0}));

  api::WorkloadStatus want;
  want.phase = "Succeeded";
  want.items = {{"issue-1", 0, "Succeeded", "redraft/wl/issue-1", "c1", {"GO"},
                 {"wl-issue-1-code", "wl-issue-1-review-1"}}};
  want.counts = api::WorkloadCounts{1, 0, 0, 1, 0};
  want.reviewIterations = 0;
  want.observedGeneration = 1;
  want.conditions = {
      {"Ready", "True", 1, kT0, "AgentsResolved",
       "spec is valid and every referenced Agent was found"},
      {"Complete", "True", 1, kT2, "AllItemsSucceeded", "1 of 1 item(s) succeeded, 0 failed"},
      {"Failed", "False", 1, kT0, "AllItemsSucceeded", "1 of 1 item(s) succeeded, 0 failed"},
  };
  EXPECT_EQ(sim.wl().status, want);
}

// ---------------------------------------------------------------------------------------------
// Agents and spec validation

TEST(WorkloadPlanAgents, MissingAgentBlocksEverythingWithOneWarningThenResumes) {
  std::vector<api::Agent> agents = all_agents();
  agents.erase(agents.begin() + 3);  // rev-b
  Sim sim(workload(), agents);
  Plan p = sim.step(kT0);
  EXPECT_TRUE(p.create.empty());
  EXPECT_THAT(summaries(p.events), ElementsAre("Warning AgentNotFound"));
  EXPECT_EQ(p.events[0].message, "spec.reviewerAgentRefs[1]: Agent \"rev-b\" not found");
  const api::Condition* ready = sim.condition("Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(*ready, (api::Condition{"Ready", "False", 1, kT0, "AgentNotFound",
                                    "spec.reviewerAgentRefs[1]: Agent \"rev-b\" not found"}));
  EXPECT_EQ(sim.wl().status.phase, "Pending");
  EXPECT_EQ(sim.item().phase, "Pending");

  // A second Agent going missing changes the message, not the reason: no second Warning.
  sim.agents().erase(sim.agents().begin());  // coder
  Plan second = sim.step(kT1);
  EXPECT_TRUE(second.events.empty());
  EXPECT_EQ(sim.condition("Ready")->message,
            "spec.coderAgentRef: Agent \"coder\" not found; spec.reviewerAgentRefs[1]: Agent "
            "\"rev-b\" not found");
  EXPECT_EQ(sim.condition("Ready")->lastTransitionTime, kT0);

  sim.agents() = all_agents();
  Plan resumed = sim.step(kT2);
  EXPECT_THAT(created_names(resumed), ElementsAre("wl-issue-1-code"));
  EXPECT_EQ(*sim.condition("Ready"),
            (api::Condition{"Ready", "True", 1, kT2, "AgentsResolved",
                            "spec is valid and every referenced Agent was found"}));
}

TEST(WorkloadPlanAgents, RevisionAgentIsResolvedBeforeTheFirstTask) {
  std::vector<api::Agent> agents = all_agents();
  agents.erase(agents.begin() + 1);  // reviser
  Sim sim(workload(), agents);
  Plan p = sim.step();
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(p.events.at(0).message, "spec.revisionCoderAgentRef: Agent \"reviser\" not found");
}

TEST(WorkloadPlanAgents, AgentsOfAnotherNamespaceDoNotCount) {
  std::vector<api::Agent> agents = all_agents();
  agents[0].metadata.namespace_ = "elsewhere";
  Sim sim(workload(), agents);
  Plan p = sim.step();
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(p.events.at(0).reason, "AgentNotFound");
}

TEST(WorkloadPlanAgents, WrongRoleIsInvalidSpecNamingTheField) {
  struct Case {
    std::function<void(api::Workload&)> edit;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {[](api::Workload& w) { w.spec.reviewerAgentRefs[1].name = "coder"; },
            "spec.reviewerAgentRefs[1]: Agent \"coder\" has role \"coder\", want \"reviewer\""},
           {[](api::Workload& w) { w.spec.coderAgentRef.name = "rev-a"; },
            "spec.coderAgentRef: Agent \"rev-a\" has role \"reviewer\", want \"coder\""},
           {[](api::Workload& w) { w.spec.revisionCoderAgentRef->name = "rev-b"; },
            "spec.revisionCoderAgentRef: Agent \"rev-b\" has role \"reviewer\", want \"coder\""},
       }) {
    api::Workload w = workload();
    c.edit(w);
    Sim sim(w);
    Plan p = sim.step();
    EXPECT_TRUE(p.create.empty());
    ASSERT_EQ(p.events.size(), 1u);
    EXPECT_EQ(p.events[0], (PlannedEvent{"Warning", "InvalidSpec", c.message}));
    EXPECT_EQ(sim.condition("Ready")->reason, "InvalidSpec");
  }
}

TEST(WorkloadPlanAgents, SemanticSpecErrorsAreInvalidSpecAndCreateNothing) {
  struct Case {
    std::function<void(api::Workload&)> edit;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](api::Workload& w) { w.spec.issues = {1, 1}; }, "spec.issues[1]"},
           {[](api::Workload& w) { w.spec.branchPrefix = "-bad/"; }, "spec.branchPrefix"},
           {[](api::Workload& w) { w.spec.maxReviewIterations = -1; },
            "spec.maxReviewIterations"},
           {[](api::Workload& w) { w.spec.tasks = {{"issue-1", "collides"}}; },
            "spec.tasks[0].name"},
           {[](api::Workload& w) { w.spec.reviewerAgentRefs[1].name = ""; },
            "spec.reviewerAgentRefs[1].name"},
       }) {
    api::Workload w = workload();
    c.edit(w);
    Sim sim(w);
    Plan p = sim.step();
    EXPECT_TRUE(p.create.empty()) << c.field;
    ASSERT_EQ(p.events.size(), 1u) << c.field;
    EXPECT_EQ(p.events[0].reason, "InvalidSpec");
    EXPECT_THAT(p.events[0].message, HasSubstr(c.field + ":"));
    EXPECT_EQ(sim.condition("Ready")->status, "False");
  }
}

TEST(WorkloadPlanAgents, InvalidAgentSpecIsInvalidSpecNamingTheAgentAndField) {
  struct Case {
    std::function<void(std::vector<api::Agent>&)> edit;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {[](std::vector<api::Agent>& a) { a[0].spec.image = ""; },
            "Agent coder: spec.image: Required value"},
           {[](std::vector<api::Agent>& a) { a[3].spec.command.clear(); },
            "Agent rev-b: spec.command: Required value: the agent's command line"},
           {[](std::vector<api::Agent>& a) { a[1].spec.timeoutSeconds = 0; },
            "Agent reviser: spec.timeoutSeconds"},
       }) {
    std::vector<api::Agent> agents = all_agents();
    c.edit(agents);
    Sim sim(workload(), agents);
    Plan p = sim.step();
    EXPECT_TRUE(p.create.empty()) << c.message;
    ASSERT_EQ(p.events.size(), 1u) << c.message;
    EXPECT_EQ(p.events[0].reason, "InvalidSpec");
    EXPECT_THAT(p.events[0].message, HasSubstr(c.message));
    const api::Condition* ready = sim.condition("Ready");
    ASSERT_NE(ready, nullptr);
    EXPECT_EQ(ready->status, "False");
    EXPECT_EQ(ready->reason, "InvalidSpec");
    EXPECT_THAT(ready->message.str(), HasSubstr(c.message));
    EXPECT_EQ(sim.item().phase, "Pending");

    // Fixing the Agent resumes.
    sim.agents() = all_agents();
    EXPECT_THAT(created_names(sim.step(kT1)), ElementsAre("wl-issue-1-code")) << c.message;
  }
}

TEST(WorkloadPlanAgents, AnInvalidAgentReferencedTwiceIsNamedOnce) {
  api::Workload w = workload();
  w.spec.reviewerAgentRefs = {{"rev-a"}, {"rev-a"}};
  std::vector<api::Agent> agents = all_agents();
  agents[2].spec.image = "";
  Sim sim(w, agents);
  Plan p = sim.step();
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].message, "Agent rev-a: spec.image: Required value");
}

TEST(WorkloadPlanAgents, AgentMissingMidRunKeepsObservingButCreatesNothing) {
  api::Workload w = workload();
  w.spec.reviewerAgentRefs = {{"rev-a"}};
  Sim sim(w);
  sim.step();
  sim.finish("wl-issue-1-code", pushed("c1"));
  sim.agents().erase(sim.agents().begin() + 2);  // rev-a
  Plan p = sim.step(kT1);
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(sim.item().commitSha, "c1");
  EXPECT_EQ(sim.item().phase, "Running");
  EXPECT_THAT(sim.item().tasks, ElementsAre("wl-issue-1-code"));
  sim.agents() = all_agents();
  Plan resumed = sim.step(kT2);
  EXPECT_THAT(created_names(resumed), ElementsAre("wl-issue-1-review-1"));
}

// ---------------------------------------------------------------------------------------------
// Items: parallelism, added and removed items

TEST(WorkloadPlanItems, ParallelismBoundsItemsInFlight) {
  api::Workload w = workload();
  w.spec.issues = {1, 2, 3};
  w.spec.parallelism = 2;
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  Plan p = sim.step();
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-1-code", "wl-issue-2-code"));
  EXPECT_EQ(sim.wl().status.counts, (api::WorkloadCounts{3, 1, 2, 0, 0}));
  EXPECT_EQ(sim.item(2).phase, "Pending");
  EXPECT_EQ(sim.item(2).branch, "redraft/wl/issue-3");

  sim.finish("wl-issue-2-code", running());
  EXPECT_TRUE(sim.step().create.empty()) << "still two in flight";

  sim.finish("wl-issue-2-code", pushed("c2"));
  p = sim.step();
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-3-code"));
  EXPECT_EQ(sim.wl().status.counts, (api::WorkloadCounts{3, 0, 2, 1, 0}));

  sim.finish("wl-issue-1-code", failed("AgentFailed"));
  sim.finish("wl-issue-3-code", pushed("c3"));
  p = sim.step();
  EXPECT_EQ(sim.wl().status.phase, "Failed");
  EXPECT_EQ(sim.wl().status.counts, (api::WorkloadCounts{3, 0, 0, 2, 1}));
  EXPECT_THAT(all_events(p), ElementsAre("Warning TaskFailed", "Normal Succeeded"));
}

TEST(WorkloadPlanItems, FailedConditionWaitsUntilNoItemRuns) {
  api::Workload w = workload();
  w.spec.issues = {1, 2};
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  sim.step(kT0);
  sim.finish("wl-issue-1-code", failed("AgentFailed"));
  Plan p = sim.step(kT1);
  EXPECT_THAT(all_events(p), ElementsAre("Warning TaskFailed"));
  EXPECT_EQ(sim.wl().status.phase, "Running");
  EXPECT_EQ(sim.condition("Failed")->status, "False");
  EXPECT_EQ(sim.condition("Failed")->reason, "InProgress");
  sim.finish("wl-issue-2-code", pushed("c2"));
  sim.step(kT2);
  EXPECT_EQ(sim.wl().status.phase, "Failed");
  EXPECT_EQ(*sim.condition("Failed"),
            (api::Condition{"Failed", "True", 1, kT2, "TaskFailed",
                            "issue-1: task wl-issue-1-code failed: AgentFailed: it went wrong"}));
  EXPECT_EQ(*sim.condition("Complete"),
            (api::Condition{"Complete", "False", 1, kT0, "ItemsFailed",
                            "1 of 2 item(s) succeeded, 1 failed"}));
}

TEST(WorkloadPlanItems, AddedItemsArePlannedAndRemovedOnesStop) {
  api::Workload w = workload();
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  sim.step();
  sim.wl().spec.issues = {2};
  sim.wl().metadata.generation = 2;
  Plan p = sim.step(kT1);
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-2-code"));
  ASSERT_EQ(sim.wl().status.items.size(), 1u) << "a removed item leaves the status";
  EXPECT_EQ(sim.item().key, "issue-2");
  EXPECT_EQ(sim.wl().status.observedGeneration, 2);
  EXPECT_EQ(sim.condition("Ready")->observedGeneration, 2);
  EXPECT_EQ(sim.condition("Ready")->lastTransitionTime, kT0);
  // The removed item's task stays (never deleted) and is no longer planned: finishing it
  // changes nothing.
  sim.finish("wl-issue-1-code", pushed("c1"));
  Plan after = sim.step(kT2);
  EXPECT_TRUE(after.create.empty());
  EXPECT_FALSE(after.status_changed);
  EXPECT_NE(sim.find("wl-issue-1-code"), nullptr);
}

TEST(WorkloadPlanItems, EditingInputsNeverRewritesExistingTasks) {
  Sim sim;
  sim.step();
  sim.wl().spec.intent = "Something else.";
  sim.wl().spec.coderAgentRef.name = "reviser";
  Plan p = sim.step(kT1);
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(sim.find("wl-issue-1-code")->spec.intent, "Keep the public API stable.");
}

// ---------------------------------------------------------------------------------------------
// Finished items stay finished; refused tasks fail their item

TEST(WorkloadPlanFinished, DeletingATaskOfAFinishedItemRedoesNothing) {
  struct Case {
    std::string name;
    std::function<void(Sim&)> finish;
    std::vector<std::string> deleted;
    std::string phase;
  };
  for (const Case& c : std::vector<Case>{
           {"succeeded, code task deleted",
            [](Sim& sim) {
              sim.finish("wl-issue-1-code", pushed("c1"));
              sim.step(kT1);
              sim.finish("wl-issue-1-review-1", go());
              sim.finish("wl-issue-1-review-2", go());
            },
            {"wl-issue-1-code"},
            "Succeeded"},
           {"succeeded, every task deleted",
            [](Sim& sim) {
              sim.finish("wl-issue-1-code", pushed("c1"));
              sim.step(kT1);
              sim.finish("wl-issue-1-review-1", go());
              sim.finish("wl-issue-1-review-2", go());
            },
            {"wl-issue-1-code", "wl-issue-1-review-1", "wl-issue-1-review-2"},
            "Succeeded"},
           {"succeeded, one review deleted",
            [](Sim& sim) {
              sim.finish("wl-issue-1-code", pushed("c1"));
              sim.step(kT1);
              sim.finish("wl-issue-1-review-1", go());
              sim.finish("wl-issue-1-review-2", go());
            },
            {"wl-issue-1-review-2"},
            "Succeeded"},
           {"failed, code task deleted",
            [](Sim& sim) { sim.finish("wl-issue-1-code", failed("AgentFailed")); },
            {"wl-issue-1-code"},
            "Failed"},
           {"exhausted, revision deleted",
            [](Sim& sim) {
              sim.finish("wl-issue-1-code", pushed("c1"));
              sim.step(kT1);
              sim.finish("wl-issue-1-review-1", no_go());
              sim.finish("wl-issue-1-review-2", go());
              sim.step(kT1);
              sim.finish("wl-issue-1-code-r1", pushed("c2"));
              sim.step(kT1);
              sim.finish("wl-issue-1-r1-review-1", no_go());
              sim.finish("wl-issue-1-r1-review-2", go());
            },
            {"wl-issue-1-code-r1"},
            "Failed"},
       }) {
    SCOPED_TRACE(c.name);
    Sim sim;
    sim.step(kT0);
    c.finish(sim);
    sim.step(kT1);
    ASSERT_EQ(sim.item().phase, c.phase);
    const api::WorkloadStatus before = sim.wl().status;

    auto& tasks = sim.tasks();
    for (const auto& name : c.deleted) {
      tasks.erase(std::remove_if(tasks.begin(), tasks.end(),
                                 [&](const auto& t) { return t.metadata.name == name; }),
                  tasks.end());
    }
    Plan p = sim.step(kT2);
    EXPECT_THAT(created_names(p), ::testing::IsEmpty());
    EXPECT_TRUE(p.events.empty());
    EXPECT_TRUE(p.finished.empty());
    EXPECT_EQ(sim.item(), before.items[0]) << "the finished item is kept as it was";
    EXPECT_EQ(sim.wl().status.phase, c.phase);
  }
}

TEST(WorkloadPlanFinished, AFinishedItemKeptWithoutItsTasksDoesNotHoldASlot) {
  api::Workload w = workload();
  w.spec.issues = {1, 2};
  w.spec.parallelism = 1;
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  sim.step(kT0);
  sim.finish("wl-issue-1-code", failed("AgentFailed"));
  Plan p = sim.step(kT1);
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-2-code"));
  sim.tasks().erase(sim.tasks().begin());  // wl-issue-1-code
  sim.finish("wl-issue-2-code", pushed("c2"));
  p = sim.step(kT2);
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(sim.item(0).phase, "Failed");
  EXPECT_EQ(sim.wl().status.phase, "Failed");
  const api::Condition* failed_condition = sim.condition("Failed");
  ASSERT_NE(failed_condition, nullptr);
  EXPECT_EQ(failed_condition->status, "True");
  EXPECT_EQ(failed_condition->reason, "ItemsFailed");
  EXPECT_EQ(failed_condition->message,
            "issue-1: failed earlier; task wl-issue-1-code no longer exists (deleted, or never "
            "admitted by the API server); the item is not re-run");
}

TEST(WorkloadPlanFinished, ARejectedTaskFailsItsItemOnceAndIsNotPlannedAgain) {
  api::Workload w = workload();
  w.spec.issues = {1, 2};
  Sim sim(w);
  Plan first = plan(sim.wl(), sim.agents(), sim.tasks(), kT0);
  ASSERT_THAT(created_names(first), ElementsAre("wl-issue-1-code", "wl-issue-2-code"));

  // The controller created issue-2's task; issue-1's was refused. Planned again with the
  // refusal (the cache does not show issue-2's task yet).
  Plan p = plan(sim.wl(), sim.agents(), sim.tasks(), kT0,
                {{"wl-issue-1-code", "AgenticTask.redraft.dev \"wl-issue-1-code\" is invalid"}});
  EXPECT_THAT(created_names(p), ElementsAre("wl-issue-2-code"));
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0],
            (PlannedEvent{"Warning", "TaskFailed",
                          "issue-1: the API server rejected task wl-issue-1-code: "
                          "AgenticTask.redraft.dev \"wl-issue-1-code\" is invalid"}));
  EXPECT_THAT(p.finished, ElementsAre(FinishedItem{"issue-1", "Failed", 0}));
  ASSERT_EQ(p.status.items.size(), 2u);
  EXPECT_EQ(p.status.items[0].phase, "Failed");
  EXPECT_EQ(p.status.items[1].phase, "Running");

  // Written; issue-2's task reaches the cache: nothing is created for issue-1 again.
  sim.wl().status = p.status;
  sim.tasks().push_back(p.create[0].task);
  Plan next = sim.step(kT1);
  EXPECT_TRUE(next.create.empty());
  EXPECT_TRUE(next.events.empty());
  EXPECT_EQ(sim.item(0).phase, "Failed");
}

TEST(WorkloadPlanFinished, ARejectedReviewFailsItsItem) {
  Sim sim;
  sim.step(kT0);
  sim.finish("wl-issue-1-code", pushed("c1"));
  Plan p = plan(sim.wl(), sim.agents(), sim.tasks(), kT1,
                {{"wl-issue-1-review-2", "request entity too large"}});
  EXPECT_TRUE(p.create.empty());
  EXPECT_EQ(p.status.items.at(0).phase, "Failed");
  EXPECT_EQ(p.status.phase, "Failed");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].message,
            "issue-1: the API server rejected task wl-issue-1-review-2: request entity too "
            "large");
  sim.wl().status = p.status;
  Plan next = sim.step(kT2);
  EXPECT_TRUE(next.create.empty()) << "the item stays Failed: no review is created";
}

// ---------------------------------------------------------------------------------------------
// Condition messages stay under the CRD's limit

TEST(WorkloadPlanMessages, BoundedMessageCutsOnACharacterBoundary) {
  struct Case {
    std::string text;
    std::size_t max;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {"short", 10, "short"},
           {"exactly10!", 10, "exactly10!"},
           {"abcdefghijk", 10, "abcdefg..."},
           // "é" is two bytes (C3 A9): a cut inside it drops the whole character.
           {"abcdef\xC3\xA9xyz", 10, "abcdef..."},
           {"abcde\xC3\xA9xyzw", 10, "abcde\xC3\xA9..."},
           // A four-byte character (U+1F600) straddling the cut.
           {"ab\xF0\x9F\x98\x80" "cdefgh", 7, "ab..."},
       }) {
    EXPECT_EQ(bounded_message(c.text, c.max), c.want) << c.text;
    EXPECT_LE(bounded_message(c.text, c.max).size(), c.max);
  }
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(WorkloadPlanMessages, FailedConditionOfManyFailedItemsStaysBounded) {
  api::Workload w = workload();
  w.spec.issues.clear();
  for (int i = 1; i <= 500; ++i) w.spec.issues.push_back(i);
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  sim.step(kT0);
  ASSERT_EQ(sim.tasks().size(), 500u);
  // Long multi-byte executor messages: all of them joined would be ~500 KiB.
  std::string long_message;
  for (int i = 0; i < 300; ++i) long_message += "\xC3\xA9\xE2\x82\xAC";  // "é€"
  Result r = failed("AgentFailed");
  r.message = long_message;
  for (const auto& t : std::vector<api::AgenticTask>(sim.tasks())) sim.finish(t.metadata.name, r);
  sim.step(kT1);
  ASSERT_EQ(sim.wl().status.phase, "Failed");
  const api::Condition* c = sim.condition("Failed");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "True");
  EXPECT_EQ(c->reason, "TaskFailed");
  const std::string message = c->message.str();
  EXPECT_LE(message.size(), kMaxConditionMessageBytes);
  EXPECT_LE(message.size(), 32768u) << "the CRD's maxLength";
  EXPECT_TRUE(valid_utf8(message));
  EXPECT_THAT(message, ::testing::StartsWith("issue-1: task wl-issue-1-code failed: AgentFailed: "));
  for (const auto& cond : sim.wl().status.conditions) {
    EXPECT_LE(cond.message.size(), kMaxConditionMessageBytes) << cond.type.str();
  }

  // Short messages: the first ten are listed and the rest counted.
  Sim short_sim(w);
  short_sim.step(kT0);
  for (const auto& t : std::vector<api::AgenticTask>(short_sim.tasks())) {
    short_sim.finish(t.metadata.name, failed("AgentFailed"));
  }
  short_sim.step(kT1);
  const std::string listed = short_sim.condition("Failed")->message.str();
  EXPECT_THAT(listed, HasSubstr("issue-10: task wl-issue-10-code failed"));
  EXPECT_THAT(listed, ::testing::Not(HasSubstr("issue-11:")));
  EXPECT_THAT(listed, ::testing::EndsWith("; and 490 more failed item(s)"));
}

TEST(WorkloadPlanItems, EventsOfATransitionAreNotRepeatedWhenThePreviousStatusHasIt) {
  // Sim::step checks this after every step; here the transition is re-planned from a status
  // that already shows it but with a newer time: nothing changes, nothing is emitted.
  api::Workload w = workload();
  w.spec.maxReviewIterations = 0;
  Sim sim(w);
  sim.step(kT0);
  sim.finish("wl-issue-1-code", pushed("c1"));
  Plan done = sim.step(kT1);
  EXPECT_THAT(summaries(done.events), ElementsAre("Normal Succeeded"));
  EXPECT_EQ(done.events[0].message,
            "issue-1: pushed c1 to redraft/wl/issue-1 (no review configured)");
  Plan later = plan(sim.wl(), sim.agents(), sim.tasks(), "2030-01-01T00:00:00Z");
  EXPECT_TRUE(later.events.empty());
  EXPECT_FALSE(later.status_changed);
}

}  // namespace
}  // namespace redraft::controllers::workload
