// Issue 7 §4: the operator end to end — redraft-devserver, redraft-localnode and redraft-operator
// as real processes, a real git remote, the real kubectl, scripted agents (examples/agents and the
// ones defined below). Each scenario is its own test with its own stack.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/operator_harness.hpp"

namespace redraft::e2e {
namespace {

namespace fs = std::filesystem;
using json_pointer = json::json_pointer;

constexpr auto kLoop = std::chrono::seconds(240);  // a whole workload on a loaded 2-core machine

std::string item_branch(const std::string& wl) { return "redraft/" + wl + "/issue-1"; }

std::map<std::string, json> by_name(const std::vector<json>& objects) {
  std::map<std::string, json> out;
  for (const auto& o : objects) out[o["metadata"]["name"].get<std::string>()] = o;
  return out;
}

std::vector<std::string> names(const std::vector<json>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o["metadata"]["name"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

std::string status_of(const json& task, const char* field) { return str(task, json_pointer("/status/" + std::string(field))); }

// The Ready condition's {status, reason, message}, or empty strings.
std::tuple<std::string, std::string, std::string> ready_condition(const json& object) {
  if (object.contains(json_pointer("/status/conditions"))) {
    for (const auto& c : object["status"]["conditions"]) {
      if (c.value("type", "") == "Ready") return {c.value("status", ""), c.value("reason", ""), c.value("message", "")};
    }
  }
  return {"", "", ""};
}

// An agent that announces it started (touches <dir>/<name>.started) and waits for the test to
// create <dir>/<name>.released before going on; after the release it never waits again.
std::string gate(const fs::path& dir, const std::string& name) {
  const std::string started = (dir / (name + ".started")).string();
  const std::string released = (dir / (name + ".released")).string();
  return "if [ ! -e '" + released + "' ]; then touch '" + started + "'; i=0; while [ ! -e '" + released +
         "' ] && [ $i -lt 1100 ]; do sleep 0.1; i=$((i+1)); done; fi";
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

void touch(const fs::path& p) { std::ofstream(p).put('\n'); }

// The reviewer that never approves: NO-GO with an applicable finding every time.
json always_nogo_reviewer() {
  return OperatorHarness::scripted_agent("never-satisfied", "reviewer", R"SH(set -eu
cat > "$REDRAFT_RESULT_FILE" <<'JSON'
{"verdict": "NO-GO", "summary": "still not enough", "findings": [{"severity": "major", "file": "hello.txt", "line": 1, "message": "say more", "suggestion": "append: More from redraft"}]}
JSON
echo "never-satisfied: NO-GO")SH");
}

#define WAIT_FOR(h, resource, condition)                                                   \
  ASSERT_TRUE((h).wait_for(resource, condition, kLoop)) << "waiting for " << resource << " " \
                                                       << condition << "\n" << (h).diagnostics()

// ---- 1. the full loop ------------------------------------------------------------------------

TEST(E2eLoop, CodeNoGoRevisionRestoresFirstAttemptThenGoCompletes) {
  OperatorHarness h;
  h.apply_workload({.name = "demo"});
  WAIT_FOR(h, "rdwl/demo", "Complete");

  auto tasks = by_name(h.tasks_of("demo"));
  ASSERT_EQ(names(h.tasks_of("demo")),
            (std::vector<std::string>{"demo-issue-1-code", "demo-issue-1-code-r1", "demo-issue-1-r1-review-1",
                                      "demo-issue-1-review-1"}))
      << h.diagnostics();
  const json& code = tasks["demo-issue-1-code"];
  const json& review = tasks["demo-issue-1-review-1"];
  const json& revision = tasks["demo-issue-1-code-r1"];
  const json& review2 = tasks["demo-issue-1-r1-review-1"];
  EXPECT_EQ(status_of(code, "verdict"), "PUSHED");
  EXPECT_EQ(status_of(review, "verdict"), "NO-GO");
  EXPECT_EQ(status_of(revision, "verdict"), "PUSHED");
  EXPECT_EQ(status_of(review2, "verdict"), "GO");
  EXPECT_EQ(str(revision, json_pointer("/status/restore/outcome")), "restored");
  EXPECT_EQ(str(revision, json_pointer("/spec/reviseFromBranch")), item_branch("demo"));
  EXPECT_EQ(str(revision, json_pointer("/spec/expectedRemoteSha")), status_of(code, "commitSha"));
  EXPECT_EQ(label(revision, "redraft.dev/iteration"), "1");
  EXPECT_EQ(label(review, "redraft.dev/item"), "issue-1");

  // On the remote: base ← first attempt ← revision, the branch at the revision.
  const std::string first = status_of(code, "commitSha"), second = status_of(revision, "commitSha");
  EXPECT_EQ(h.branch_sha(item_branch("demo")), second);
  EXPECT_EQ(h.parent_of(second), first) << "the revision must build on the first attempt";
  EXPECT_EQ(h.parent_of(first), h.base_sha());
  EXPECT_EQ(status_of(review, "commitSha"), first);
  EXPECT_EQ(status_of(review2, "commitSha"), second);
  EXPECT_NE(h.trailers(second).find("Redraft-Task: demo-issue-1-code-r1"), std::string::npos) << h.trailers(second);
  EXPECT_EQ(h.show_file(second, "hello.txt"), "Hello from redraft (issue #1)\nGoodbye from redraft\n");

  auto wl = h.get("rdwl", "demo");
  ASSERT_TRUE(wl);
  EXPECT_EQ(str(*wl, json_pointer("/status/phase")), "Succeeded");
  EXPECT_TRUE(condition_true(*wl, "Complete"));
  EXPECT_FALSE(condition_true(*wl, "Failed"));
  EXPECT_EQ(h.event_count("demo", "RevisionUnderIssueFixProfile"), 0) << "revisionCoderAgentRef is set";

  // What a user sees with the real kubectl.
  const std::string rdwl = h.kubectl_ok({"get", "rdwl"});
  EXPECT_NE(rdwl.find("PHASE"), std::string::npos) << rdwl;
  EXPECT_NE(rdwl.find("SUCCEEDED"), std::string::npos) << rdwl;
  {
    std::istringstream row(h.kubectl_ok({"get", "rdwl", "demo", "--no-headers"}));
    std::string name, phase, items, succeeded, failed;
    row >> name >> phase >> items >> succeeded >> failed;
    EXPECT_EQ(name + " " + phase + " " + items + " " + succeeded + " " + failed, "demo Succeeded 1 1 0");
  }
  {
    std::istringstream row(h.kubectl_ok({"get", "rdat", "demo-issue-1-review-1", "--no-headers"}));
    std::string name, kind, agent, branch, phase, verdict;
    row >> name >> kind >> agent >> branch >> phase >> verdict;
    EXPECT_EQ(kind + " " + agent + " " + branch + " " + phase + " " + verdict,
              "review demo-reviewer " + item_branch("demo") + " Succeeded NO-GO");
  }
  const std::string describe = h.kubectl_ok({"describe", "rdwl", "demo"});
  for (const char* reason : {"Events:", "TaskCreated", "IterationStarted", "Succeeded"}) {
    EXPECT_NE(describe.find(reason), std::string::npos) << "describe lacks " << reason << ":\n" << describe;
  }
  // kubectl logs reaches the node's container logs.
  const std::string log = h.kubectl_ok({"logs", str(review, json_pointer("/status/podName")), "-c", "agent"});
  EXPECT_NE(log.find("demo-reviewer: NO-GO"), std::string::npos) << log;
}

// ---- 2. revisionCoderAgentRef ------------------------------------------------------------------

TEST(E2eLoop, RevisionWithoutRevisionCoderWarnsAndUsesTheCoder) {
  OperatorHarness h;
  h.apply_workload({.name = "nofix", .revision_coder = std::nullopt});
  WAIT_FOR(h, "rdwl/nofix", "Complete");
  auto tasks = by_name(h.tasks_of("nofix"));
  ASSERT_TRUE(tasks.count("nofix-issue-1-code-r1")) << h.diagnostics();
  EXPECT_EQ(str(tasks["nofix-issue-1-code-r1"], json_pointer("/spec/agentRef/name")), "demo-coder");
  EXPECT_GE(h.event_count("nofix", "RevisionUnderIssueFixProfile"), 1) << h.diagnostics();
  for (const auto& e : h.events_for("nofix")) {
    if (e.value("reason", "") == "RevisionUnderIssueFixProfile") {
      EXPECT_EQ(e.value("type", ""), "Warning");
    }
  }
}

// ---- 3. outcomes -------------------------------------------------------------------------------

TEST(E2eOutcomes, IterationsExhaustedFailsTheItem) {
  OperatorHarness h;
  h.apply(always_nogo_reviewer());
  h.apply_workload({.name = "exhaust", .reviewers = {"never-satisfied"}, .max_review_iterations = 1});
  WAIT_FOR(h, "rdwl/exhaust", "Failed");
  EXPECT_EQ(names(h.tasks_of("exhaust")),
            (std::vector<std::string>{"exhaust-issue-1-code", "exhaust-issue-1-code-r1",
                                      "exhaust-issue-1-r1-review-1", "exhaust-issue-1-review-1"}))
      << h.diagnostics();
  EXPECT_GE(h.event_count("exhaust", "IterationsExhausted"), 1) << h.diagnostics();
  auto wl = h.get("rdwl", "exhaust");
  ASSERT_TRUE(wl);
  EXPECT_EQ(str(*wl, json_pointer("/status/phase")), "Failed");
  EXPECT_FALSE(condition_true(*wl, "Complete"));
}

TEST(E2eOutcomes, MaxReviewIterationsZeroRunsNoReview) {
  OperatorHarness h;
  h.apply_workload({.name = "noreview", .max_review_iterations = 0});
  WAIT_FOR(h, "rdwl/noreview", "Complete");
  auto tasks = h.tasks_of("noreview");
  ASSERT_EQ(names(tasks), std::vector<std::string>{"noreview-issue-1-code"}) << h.diagnostics();
  EXPECT_EQ(h.branch_sha(item_branch("noreview")), status_of(tasks[0], "commitSha"));
}

TEST(E2eOutcomes, RevisionWithNoChangesIsNoProgress) {
  OperatorHarness h;
  h.apply(OperatorHarness::scripted_agent("idle-coder", "coder", "echo 'idle-coder: changing nothing'"));
  h.apply_workload({.name = "idle", .revision_coder = "idle-coder"});
  WAIT_FOR(h, "rdwl/idle", "Failed");
  auto tasks = by_name(h.tasks_of("idle"));
  ASSERT_TRUE(tasks.count("idle-issue-1-code-r1")) << h.diagnostics();
  EXPECT_EQ(status_of(tasks["idle-issue-1-code-r1"], "verdict"), "NO-CHANGES");
  EXPECT_EQ(tasks.count("idle-issue-1-r1-review-1"), 0u) << "an identical review must not be repeated";
  EXPECT_GE(h.event_count("idle", "NoProgress"), 1) << h.diagnostics();
  EXPECT_EQ(h.branch_sha(item_branch("idle")), status_of(tasks["idle-issue-1-code"], "commitSha"));
}

TEST(E2eOutcomes, CrashedReviewerIsReviewIncompleteNeverARevision) {
  OperatorHarness h;
  h.apply(OperatorHarness::scripted_agent("crashing-reviewer", "reviewer", "echo 'crashing-reviewer: boom'; exit 3"));
  h.apply_workload({.name = "crash", .reviewers = {"crashing-reviewer"}});
  WAIT_FOR(h, "rdwl/crash", "Failed");
  auto tasks = by_name(h.tasks_of("crash"));
  ASSERT_TRUE(tasks.count("crash-issue-1-review-1")) << h.diagnostics();
  const json& review = tasks["crash-issue-1-review-1"];
  EXPECT_EQ(status_of(review, "phase"), "Failed");
  EXPECT_EQ(status_of(review, "verdict"), "INCOMPLETE");
  EXPECT_EQ(status_of(review, "reason"), "AgentFailed");
  EXPECT_EQ(tasks.count("crash-issue-1-code-r1"), 0u) << "a crashed reviewer never causes a revision";
  bool warned = false;
  for (const auto& e : h.events_for("crash")) {
    warned = warned || (e.value("type", "") == "Warning" && e.value("reason", "") == "ReviewIncomplete" &&
                        e.value("message", "").find("crash-issue-1-review-1") != std::string::npos);
  }
  EXPECT_TRUE(warned) << "a ReviewIncomplete Warning must name the reviewer task\n" << h.diagnostics();
  auto wl = h.get("rdwl", "crash");
  ASSERT_TRUE(wl);
  EXPECT_EQ(str(*wl, json_pointer("/status/phase")), "Failed");
}

// ---- 4. foreign pushes -------------------------------------------------------------------------

TEST(E2eForeignPush, BetweenReviewAndRevisionIsKeptAsPriorAttemptMoved) {
  OperatorHarness h;
  const fs::path gates = h.work_dir();
  // The first review holds until the test has pushed: the push lands after the code task's
  // commit was recorded and before the revision looks at the remote.
  h.apply(OperatorHarness::example_agent("demo-reviewer.yaml", "gated-reviewer", gate(gates, "review")));
  h.apply_workload({.name = "moved", .reviewers = {"gated-reviewer"}});
  ASSERT_TRUE(eventually([&] { return file_exists(gates / "review.started"); }, kLoop)) << h.diagnostics();
  const std::string foreign = h.push_foreign_commit(item_branch("moved"), "FOREIGN.md", "pushed by someone else\n",
                                                    "A maintainer's commit");
  touch(gates / "review.released");
  WAIT_FOR(h, "rdwl/moved", "Complete");

  auto tasks = by_name(h.tasks_of("moved"));
  const json& code = tasks["moved-issue-1-code"];
  const json& revision = tasks["moved-issue-1-code-r1"];
  EXPECT_EQ(h.parent_of(foreign), status_of(code, "commitSha"));
  EXPECT_EQ(str(revision, json_pointer("/status/restore/outcome")), "restored");
  EXPECT_EQ(str(revision, json_pointer("/status/restore/fromSha")), foreign);
  EXPECT_EQ(h.parent_of(status_of(revision, "commitSha")), foreign) << "the revision builds on the new tip";
  const auto tip = h.branch_sha(item_branch("moved"));
  ASSERT_TRUE(tip);
  EXPECT_TRUE(h.is_ancestor(foreign, *tip)) << "the foreign commit must be kept";
  EXPECT_EQ(h.show_file(*tip, "FOREIGN.md"), "pushed by someone else\n");
  EXPECT_GE(h.event_count("moved", "PriorAttemptMoved"), 1) << h.diagnostics();
}

TEST(E2eForeignPush, DuringRevisionIsLeaseRejectedAndTheForeignCommitIntact) {
  OperatorHarness h;
  const fs::path gates = h.work_dir();
  h.apply(OperatorHarness::example_agent("demo-coder.yaml", "gated-coder", gate(gates, "revision")));
  h.apply_workload({.name = "race", .revision_coder = "gated-coder"});
  ASSERT_TRUE(eventually([&] { return file_exists(gates / "revision.started"); }, kLoop)) << h.diagnostics();
  const std::string foreign = h.push_foreign_commit(item_branch("race"), "FOREIGN.md", "pushed during the revision\n",
                                                    "A maintainer's commit");
  touch(gates / "revision.released");
  WAIT_FOR(h, "rdwl/race", "Failed");

  auto tasks = by_name(h.tasks_of("race"));
  const json& revision = tasks["race-issue-1-code-r1"];
  EXPECT_EQ(status_of(revision, "phase"), "Failed");
  EXPECT_EQ(status_of(revision, "reason"), "LeaseRejected");
  EXPECT_EQ(h.branch_sha(item_branch("race")), foreign) << "nothing may overwrite the foreign commit";
  EXPECT_EQ(h.parent_of(foreign), status_of(tasks["race-issue-1-code"], "commitSha"));
  EXPECT_GE(h.event_count("race", "LeaseRejected"), 1) << h.diagnostics();
}

// ---- 5. spec problems --------------------------------------------------------------------------

TEST(E2eSpec, AgentNotFoundThenCreatedProceeds) {
  OperatorHarness h;
  h.apply_workload({.name = "late", .coder = "late-coder", .max_review_iterations = 0});
  ASSERT_TRUE(eventually(
      [&] {
        auto wl = h.get("rdwl", "late");
        return wl && ready_condition(*wl) == std::tuple<std::string, std::string, std::string>{
                                                 "False", "AgentNotFound", std::get<2>(ready_condition(*wl))};
      },
      60s))
      << h.diagnostics();
  EXPECT_NE(std::get<2>(ready_condition(*h.get("rdwl", "late"))).find("late-coder"), std::string::npos)
      << "the message names the missing Agent";
  EXPECT_TRUE(h.tasks_of("late").empty());
  EXPECT_EQ(h.event_count("late", "AgentNotFound"), 1) << "one Warning, no retry storm\n" << h.diagnostics();

  h.apply(OperatorHarness::example_agent("demo-coder.yaml", "late-coder"));
  WAIT_FOR(h, "rdwl/late", "Complete");
  EXPECT_EQ(names(h.tasks_of("late")), std::vector<std::string>{"late-issue-1-code"});
  EXPECT_EQ(std::get<0>(ready_condition(*h.get("rdwl", "late"))), "True");
}

TEST(E2eSpec, WrongRoleAgentIsInvalidSpecAndNothingIsCreated) {
  OperatorHarness h;
  // A reviewer profile as the coder: the schema cannot tell, the operator must.
  h.apply_workload({.name = "wrongrole", .coder = "demo-reviewer"});
  ASSERT_TRUE(eventually(
      [&] {
        auto wl = h.get("rdwl", "wrongrole");
        return wl && std::get<1>(ready_condition(*wl)) == "InvalidSpec";
      },
      60s))
      << h.diagnostics();
  auto wl = h.get("rdwl", "wrongrole");
  EXPECT_EQ(std::get<0>(ready_condition(*wl)), "False");
  EXPECT_NE(std::get<2>(ready_condition(*wl)).find("coderAgentRef"), std::string::npos)
      << "the message names the field: " << std::get<2>(ready_condition(*wl));
  EXPECT_GE(h.event_count("wrongrole", "InvalidSpec"), 1) << h.diagnostics();
  EXPECT_TRUE(h.tasks_of("wrongrole").empty()) << h.diagnostics();
  EXPECT_TRUE(h.pods_of("wrongrole").empty());
}

// ---- 6. forks ----------------------------------------------------------------------------------

json standalone_task(const std::string& name, const std::string& kind, const std::string& agent,
                     const std::string& branch, const std::string& repo_url, const json& extra = json::object()) {
  json spec{{"kind", kind},
            {"agentRef", {{"name", agent}}},
            {"repo", {{"url", repo_url}, {"credentialsSecretRef", {{"name", OperatorHarness::kSecretName}}}}},
            {"baseBranch", "main"},
            {"branch", branch}};
  spec.update(extra);
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "AgenticTask"},
          {"metadata", {{"name", name}, {"namespace", OperatorHarness::kNamespace}}},
          {"spec", spec}};
}

bool task_terminal(const OperatorHarness& h, const std::string& name) {
  auto t = h.get("rdat", name);
  if (!t) return false;
  const std::string phase = status_of(*t, "phase");
  return phase == "Succeeded" || phase == "Failed";
}

TEST(E2eFork, OfAFailedTaskThatPushedRestoresItsBranch) {
  OperatorHarness h;
  h.apply(OperatorHarness::scripted_agent("crashing-reviewer", "reviewer", "echo 'crashing-reviewer: boom'; exit 3"));
  // The source: a code task pushes fork/src; a review of it crashes ⇒ Failed, on a pushed branch.
  h.apply(standalone_task("src-code", "code", "demo-coder", "fork/src", h.repo_url(),
                          {{"issue", {{"number", 7}, {"title", "Say hello"}}}}));
  ASSERT_TRUE(eventually([&] { return task_terminal(h, "src-code"); }, kLoop)) << h.diagnostics();
  h.apply(standalone_task("src-review", "review", "crashing-reviewer", "fork/src", h.repo_url(),
                          {{"issue", {{"number", 7}, {"title", "Say hello"}}}}));
  ASSERT_TRUE(eventually([&] { return task_terminal(h, "src-review"); }, kLoop)) << h.diagnostics();
  auto source = h.get("rdat", "src-review");
  ASSERT_EQ(status_of(*source, "phase"), "Failed") << source->dump(2);
  const std::string pushed = status_of(*h.get("rdat", "src-code"), "commitSha");
  ASSERT_FALSE(pushed.empty());

  h.apply(standalone_task("forked", "code", "demo-coder", "fork/child", h.repo_url(),
                          {{"issue", {{"number", 8}, {"title", "Say hello again"}}},
                           {"forkOf", {{"name", "src-review"}}}}));
  ASSERT_TRUE(eventually([&] { return task_terminal(h, "forked"); }, kLoop)) << h.diagnostics();
  auto fork = *h.get("rdat", "forked");
  EXPECT_EQ(status_of(fork, "phase"), "Succeeded") << fork.dump(2);
  EXPECT_EQ(str(fork, json_pointer("/status/forkedFrom/name")), "src-review") << fork.dump(2);
  EXPECT_EQ(str(fork, json_pointer("/status/forkedFrom/commitSha")), pushed);
  EXPECT_EQ(label(fork, "redraft.dev/fork-of"), "src-review");
  EXPECT_EQ(str(fork, json_pointer("/status/restore/outcome")), "restored");
  EXPECT_EQ(str(fork, json_pointer("/status/restore/fromSha")), pushed);
  EXPECT_EQ(h.parent_of(status_of(fork, "commitSha")), pushed) << "the fork continues the source's branch";
  EXPECT_EQ(h.branch_sha("fork/child"), status_of(fork, "commitSha"));
  EXPECT_EQ(h.branch_sha("fork/src"), pushed) << "the source branch is untouched";
}

TEST(E2eFork, OfATaskThatNeverPushedIsInvalidSpec) {
  OperatorHarness h;
  h.apply(OperatorHarness::scripted_agent("failing-coder", "coder", "echo 'failing-coder: giving up'; exit 3"));
  h.apply(standalone_task("never", "code", "failing-coder", "fork/never", h.repo_url(), {{"prompt", "Try."}}));
  ASSERT_TRUE(eventually([&] { return task_terminal(h, "never"); }, kLoop)) << h.diagnostics();
  ASSERT_EQ(status_of(*h.get("rdat", "never"), "commitSha"), "");

  h.apply(standalone_task("orphan-fork", "code", "demo-coder", "fork/orphan", h.repo_url(),
                          {{"prompt", "Continue."}, {"forkOf", {{"name", "never"}}}}));
  ASSERT_TRUE(eventually([&] { return task_terminal(h, "orphan-fork"); }, kLoop)) << h.diagnostics();
  auto fork = *h.get("rdat", "orphan-fork");
  EXPECT_EQ(status_of(fork, "phase"), "Failed");
  EXPECT_EQ(status_of(fork, "reason"), "InvalidSpec");
  EXPECT_NE(status_of(fork, "message").find("never"), std::string::npos) << status_of(fork, "message");
  EXPECT_TRUE(h.list("pods", "redraft.dev/task=orphan-fork").empty()) << "no pod for an invalid fork";
  EXPECT_FALSE(h.branch_sha("fork/orphan"));
}

// ---- 7. deleting a Workload --------------------------------------------------------------------

// Processes whose command line holds `marker` (zombies count as gone).
std::vector<int> processes_with(const std::string& marker) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    std::ifstream cmd(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (cmdline.find(marker) == std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string statline((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = statline.rfind(')');
    if (close != std::string::npos && close + 2 < statline.size() && statline[close + 2] == 'Z') continue;
    out.push_back(std::stoi(pid));
  }
  return out;
}

// "pid ppid pgid cmdline" per process, for failure messages.
std::string describe_processes(const std::vector<int>& pids) {
  std::string out;
  for (int pid : pids) {
    const fs::path proc = "/proc/" + std::to_string(pid);
    std::ifstream stat_file(proc / "stat"), cmd_file(proc / "cmdline");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    std::string cmd((std::istreambuf_iterator<char>(cmd_file)), std::istreambuf_iterator<char>());
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    std::string ppid, pgid;
    if (auto close = stat.rfind(')'); close != std::string::npos) {
      std::istringstream rest(stat.substr(close + 1));
      std::string state;
      rest >> state >> ppid >> pgid;
    }
    out += std::to_string(pid) + " ppid " + ppid + " pgid " + pgid + ": " + cmd.substr(0, 160) + "\n";
  }
  return out;
}

TEST(E2eDelete, DeletingAWorkloadRemovesItsTasksPodsAndProcesses) {
  OperatorHarness h;
  // sleep's argument, unique to this run: stray processes of another run never match it.
  const std::string marker = "987." + std::to_string(::getpid());
  h.apply(OperatorHarness::scripted_agent("sleepy-coder", "coder",
                                          "echo 'sleepy-coder: sleeping'; sleep " + marker + "; echo never", 3000));
  h.apply_workload({.name = "doomed", .coder = "sleepy-coder"});
  ASSERT_TRUE(eventually([&] { return !processes_with(marker).empty(); }, kLoop)) << h.diagnostics();
  ASSERT_FALSE(h.tasks_of("doomed").empty());
  ASSERT_FALSE(h.pods_of("doomed").empty());

  h.kubectl_ok({"delete", "rdwl", "doomed", "--wait=false"});
  EXPECT_TRUE(eventually([&] { return h.tasks_of("doomed").empty(); }, 120s)) << h.diagnostics();
  EXPECT_TRUE(eventually([&] { return h.pods_of("doomed").empty(); }, 120s)) << h.diagnostics();
  EXPECT_TRUE(eventually([&] { return processes_with(marker).empty(); }, 60s))
      << "the pod's processes outlived it:\n" << describe_processes(processes_with(marker)) << h.diagnostics();
  EXPECT_TRUE(h.list("configmaps", "redraft.dev/workload=doomed").empty());
}

// ---- 8. the operator SIGKILLed at random moments ------------------------------------------------

TEST(E2eChaos, OperatorKilledAtRandomMomentsLosesNothingAndDuplicatesNothing) {
  OperatorHarness h;
  constexpr int kWorkloads = 5, kMinKills = 10;
  // The demo agents, a second slower each, so the kills land in every phase of the work.
  h.apply(OperatorHarness::example_agent("demo-coder.yaml", "slow-coder", "sleep 1"));
  h.apply(OperatorHarness::example_agent("demo-reviewer.yaml", "slow-reviewer", "sleep 1"));
  std::vector<std::string> workloads;
  for (int i = 1; i <= kWorkloads; ++i) {
    workloads.push_back("chaos-" + std::to_string(i));
    h.apply_workload({.name = workloads.back(), .coder = "slow-coder", .reviewers = {"slow-reviewer"},
                      .revision_coder = "slow-coder"});
  }
  auto all_done = [&] {  // one HTTP request, no kubectl: this runs between kills
    int done = 0;
    const json list = h.api_get("/apis/redraft.dev/v1alpha1/namespaces/default/workloads");
    for (const auto& object : list.value("items", json::array())) {
      done += condition_true(object, "Complete") || condition_true(object, "Failed") ? 1 : 0;
    }
    return done == kWorkloads;
  };
  // Kill at random moments while the work is in flight (each kill is a SIGKILL of a running,
  // ready operator; the next one is started at once and must pick up where the last one died).
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pause_ms(50, 800);
  std::bernoulli_distribution during_startup(0.25);  // some kills hit an operator still starting
  constexpr int kMaxKills = 30;
  int kills = 0, kills_in_flight = 0;
  std::chrono::milliseconds restart_total{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(360);
  while (std::chrono::steady_clock::now() < deadline && !all_done()) {
    if (kills >= kMaxKills) {  // enough chaos: let it finish
      std::this_thread::sleep_for(500ms);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    h.kill_operator();
    ++kills;
    ++kills_in_flight;  // all_done() was false just before the pause
    if (during_startup(rng)) {
      h.start_operator(/*wait_ready=*/false);
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng) / 2));
      h.kill_operator();
      ++kills;
      ++kills_in_flight;
    }
    const auto restart = std::chrono::steady_clock::now();
    h.start_operator();
    restart_total += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restart);
  }
  ASSERT_TRUE(all_done()) << "after " << kills << " kills\n" << h.diagnostics();
  EXPECT_GE(kills_in_flight, kMinKills) << "the work finished before enough kills";

  for (const auto& wl : workloads) {
    auto object = h.get("rdwl", wl);
    EXPECT_TRUE(condition_true(*object, "Complete")) << wl << "\n" << object->dump(2);
    // One task per (item, iteration, kind, reviewer): exactly the four names, nothing else.
    auto tasks = h.tasks_of(wl);
    EXPECT_EQ(names(tasks), (std::vector<std::string>{wl + "-issue-1-code", wl + "-issue-1-code-r1",
                                                      wl + "-issue-1-r1-review-1", wl + "-issue-1-review-1"}))
        << h.diagnostics();
    std::map<std::string, int> per_iteration_kind;
    for (const auto& t : tasks) {
      ++per_iteration_kind[label(t, "redraft.dev/item") + "/" + label(t, "redraft.dev/iteration") + "/" +
                           str(t, json_pointer("/spec/kind"))];
    }
    for (const auto& [key, count] : per_iteration_kind) EXPECT_EQ(count, 1) << wl << " " << key;
    // No pushed commit lost: every SHA a task reported is on the branch the remote holds.
    const auto tip = h.branch_sha(item_branch(wl));
    ASSERT_TRUE(tip) << wl;
    for (const auto& t : tasks) {
      const std::string sha = status_of(t, "commitSha");
      if (sha.empty()) continue;
      EXPECT_TRUE(h.is_ancestor(sha, *tip)) << wl << ": " << t["metadata"]["name"] << " reported " << sha
                                            << ", not in the history of " << *tip;
    }
    // And nothing was pushed twice: the branch holds exactly the two attempts.
    EXPECT_EQ(h.history(*tip).size(), 2u) << wl;
  }
  std::cout << "[ chaos ] " << kills << " operator kills, " << kills_in_flight << " with work in flight, restart to ready "
            << (kills ? restart_total.count() / kills : 0) << " ms on average, "
            << h.list("pods", "app.kubernetes.io/managed-by=redraft-operator").size() << " pods for "
            << 4 * kWorkloads << " tasks\n";
}

// ---- 9. the git token never leaks --------------------------------------------------------------

TEST(E2eSecrets, GitTokenAppearsInNoEventStatusPodOrOperatorLog) {
  const std::string token = "e2e-tok-" + std::to_string(std::random_device{}()) + "-s3cr3t";
  OperatorHarness h({.git_token = token});
  h.apply_workload({.name = "secret"});
  WAIT_FOR(h, "rdwl/secret", "Complete");  // the token worked: clone, push, restore over HTTP

  auto no_token = [&](const std::string& what, const std::string& text) {
    EXPECT_EQ(text.find(token), std::string::npos) << "the token leaked into " << what;
  };
  no_token("events", h.kubectl_ok({"get", "events", "-o", "json"}));
  no_token("AgenticTasks", h.kubectl_ok({"get", "rdat", "-o", "json"}));
  no_token("Workloads", h.kubectl_ok({"get", "rdwl", "-o", "json"}));
  no_token("ConfigMaps", h.kubectl_ok({"get", "configmaps", "-o", "json"}));
  const auto pods = h.list("pods", "redraft.dev/workload=secret");
  ASSERT_FALSE(pods.empty());
  for (const auto& pod : pods) {
    no_token("pod " + pod["metadata"]["name"].get<std::string>(), pod.dump());
    for (const char* c : {"prepare", "agent", "publish"}) {
      auto r = h.kubectl({"logs", pod["metadata"]["name"].get<std::string>(), "-c", c});
      no_token(std::string("the log of container ") + c, r.out + r.err);
    }
  }
  no_token("the operator's log", h.operator_log());
  no_token("the node's log", h.localnode_log());
  EXPECT_FALSE(h.operator_log().empty());
}

}  // namespace
}  // namespace redraft::e2e
