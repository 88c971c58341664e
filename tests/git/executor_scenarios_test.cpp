// The executor's branch, lease and publish rules against real remotes on 127.0.0.1, driving the
// real redraft-executor binary phase by phase (ISSUE scenarios 1-6, 8, 9).
#include <gtest/gtest.h>

#include "tests/git/scenario_fixture.hpp"

namespace redraft::gittest {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ws_git(const ExecutorRun& run, const std::vector<std::string>& args) {
  return trimmed(fixtures::git(args, run.workspace()));
}

class ExecutorScenario : public GitScenario {
 protected:
  fs::path script(const std::string& body) {
    return ExecutorRun::write_script(root_->path() / ("agent-" + std::to_string(scripts_++) + ".sh"), body);
  }
  nlohmann::json coder(const std::string& body, int timeout = 120) {
    return make_agent("coder", script(body), timeout);
  }
  int scripts_ = 0;
};

// Every phase must end its stdout with the result line, and it must match the result file.
void expect_result_consistent(const PhaseRun& r) {
  ASSERT_EQ(r.process.exit_code, 0) << r.all_output();
  ASSERT_FALSE(r.result.is_null()) << r.all_output();
  ASSERT_FALSE(r.result_line.empty()) << r.process.out;
  EXPECT_EQ(nlohmann::json::parse(r.result_line), r.result);
}

TEST_F(ExecutorScenario, RestoreFoundChecksOutPriorTipAndFastForwardsWithoutAllowOverwrite) {
  const std::string prior = push_commit("main", "redraft/wl/1", {{"prior.txt", "prior work\n"}}, "prior attempt");
  auto task = make_task("code", url_, "redraft/wl/1");
  task["spec"]["reviseFromBranch"] = "redraft/wl/1";
  task["spec"]["allowOverwrite"] = false;
  ExecutorRun run(task, coder("echo revised >> prior.txt\necho new > new.txt"));

  PhaseRun prep = run.phase("prepare");
  expect_result_consistent(prep);
  EXPECT_EQ(prep.status.phase, "Running") << prep.status.message;
  ASSERT_TRUE(prep.status.restore.has_value());
  EXPECT_EQ(prep.status.restore->outcome, "restored");
  EXPECT_EQ(prep.status.restore->fromSha, prior);
  EXPECT_EQ(prep.status.baseSha, main_sha_);
  EXPECT_EQ(ws_git(run, {"rev-parse", "HEAD"}), prior);
  EXPECT_EQ(ws_git(run, {"symbolic-ref", "HEAD"}), "refs/heads/redraft/wl/1");
  EXPECT_EQ(fixtures::read_file(run.workspace() / "prior.txt"), "prior work\n");

  expect_result_consistent(run.phase("agent"));
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.phase, "Succeeded") << pub.status.message;
  EXPECT_EQ(pub.status.verdict, "PUSHED");
  const auto pushed = remote_sha("redraft/wl/1");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pub.status.commitSha, *pushed);
  EXPECT_EQ(rev(*pushed + "^"), prior);  // one commit on top of the prior tip: a fast-forward
  EXPECT_EQ(file_at(*pushed, "prior.txt"), "prior work\nrevised\n");
  EXPECT_EQ(file_at(*pushed, "new.txt"), "new\n");
  ASSERT_TRUE(pub.status.timings.has_value());
  EXPECT_TRUE(pub.status.timings->prepareSeconds && pub.status.timings->agentSeconds &&
              pub.status.timings->publishSeconds);
}

TEST_F(ExecutorScenario, MissingPriorFallsBackToBaseAndTheLeaseKeepsALaterPriorIntact) {
  auto task = make_task("code", url_, "redraft/wl/2");
  task["spec"]["reviseFromBranch"] = "redraft/wl/2";
  task["spec"]["allowOverwrite"] = true;  // even with overwrite allowed, the lease must hold
  ExecutorRun run(task, coder("echo fallback > fb.txt"));

  PhaseRun prep = run.phase("prepare");
  expect_result_consistent(prep);
  ASSERT_TRUE(prep.status.restore.has_value());
  EXPECT_EQ(prep.status.restore->outcome, "fallback");
  EXPECT_EQ(prep.status.reason, "RestoreFallback");
  EXPECT_EQ(ws_git(run, {"rev-parse", "HEAD"}), main_sha_);
  EXPECT_EQ(ws_git(run, {"symbolic-ref", "HEAD"}), "refs/heads/redraft/wl/2");

  // Someone else creates the branch after prepare observed it absent.
  const std::string other = push_commit("main", "redraft/wl/2", {{"other.txt", "theirs\n"}}, "other pusher");
  expect_result_consistent(run.phase("agent"));
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.phase, "Failed");
  EXPECT_EQ(pub.status.reason, "LeaseRejected") << pub.status.message;
  EXPECT_EQ(remote_sha("redraft/wl/2"), other);
  EXPECT_TRUE(pub.status.commitSha.empty());
}

TEST_F(ExecutorScenario, MissingPriorWithNoOtherPusherPublishesFromBase) {
  auto task = make_task("code", url_, "redraft/wl/3");
  task["spec"]["reviseFromBranch"] = "redraft/wl/3";
  ExecutorRun run(task, coder("echo fallback > fb.txt"));
  expect_result_consistent(run.phase("prepare"));
  expect_result_consistent(run.phase("agent"));
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.phase, "Succeeded") << pub.status.message;
  EXPECT_EQ(pub.status.verdict, "PUSHED");
  EXPECT_EQ(pub.status.reason, "RestoreFallback");
  ASSERT_TRUE(remote_sha("redraft/wl/3"));
  EXPECT_EQ(rev(*remote_sha("redraft/wl/3") + "^"), main_sha_);
}

TEST_F(ExecutorScenario, RemoteDownDuringProbeFailsAndNeverFallsBack) {
  auto task = make_task("code", url_, "redraft/wl/4");
  task["spec"]["reviseFromBranch"] = "redraft/wl/4";
  ExecutorRun run(task, coder("echo x > x.txt"));
  daemon_->stop();
  PhaseRun prep = run.phase("prepare");
  expect_result_consistent(prep);
  EXPECT_EQ(prep.status.phase, "Failed");
  EXPECT_EQ(prep.status.reason, "CloneFailed") << prep.status.message;
  EXPECT_FALSE(prep.status.restore.has_value());  // no fallback was recorded
  // The later phases carry the failure through and never push.
  daemon_->restart();
  PhaseRun agent = run.phase("agent");
  expect_result_consistent(agent);
  EXPECT_FALSE(fs::exists(run.workspace() / "x.txt"));  // the agent did not run
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.reason, "CloneFailed");
  EXPECT_FALSE(remote_sha("redraft/wl/4"));
}

TEST_F(ExecutorScenario, RebaseReplaysPriorOntoMovedBaseAndPushesUnderLease) {
  const std::string prior = push_commit("main", "redraft/wl/5", {{"feature.txt", "feature\n"}}, "prior attempt");
  const std::string new_main = push_commit("main", "main", {{"base.txt", "base moved\n"}}, "base moves");
  auto task = make_task("code", url_, "redraft/wl/5");
  task["spec"]["reviseFromBranch"] = "redraft/wl/5";
  task["spec"]["branchStrategy"] = "rebase";
  task["spec"]["allowOverwrite"] = true;
  ExecutorRun run(task, coder("echo more >> feature.txt"));

  PhaseRun prep = run.phase("prepare");
  expect_result_consistent(prep);
  EXPECT_EQ(prep.status.phase, "Running") << prep.status.message;
  EXPECT_EQ(prep.status.restore->outcome, "restored");
  EXPECT_EQ(prep.status.restore->fromSha, prior);
  EXPECT_EQ(ws_git(run, {"rev-parse", "HEAD^"}), new_main);  // replayed on the new base
  EXPECT_NE(ws_git(run, {"rev-parse", "HEAD"}), prior);
  EXPECT_EQ(fixtures::read_file(run.workspace() / "base.txt"), "base moved\n");
  EXPECT_EQ(fixtures::read_file(run.workspace() / "feature.txt"), "feature\n");

  expect_result_consistent(run.phase("agent"));
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.verdict, "PUSHED") << pub.status.message;
  const auto pushed = remote_sha("redraft/wl/5");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(rev(*pushed + "~2"), new_main);
  EXPECT_EQ(file_at(*pushed, "feature.txt"), "feature\nmore\n");
}

TEST_F(ExecutorScenario, RebaseConflictFailsAndLeavesTheRemoteUnchanged) {
  const std::string prior = push_commit("main", "redraft/wl/6", {{"README.md", "ours\n"}}, "prior edits readme");
  push_commit("main", "main", {{"README.md", "theirs\n"}}, "base edits readme");
  auto task = make_task("code", url_, "redraft/wl/6");
  task["spec"]["reviseFromBranch"] = "redraft/wl/6";
  task["spec"]["branchStrategy"] = "rebase";
  task["spec"]["allowOverwrite"] = true;
  ExecutorRun run(task, coder("echo x > x.txt"));
  PhaseRun prep = run.phase("prepare");
  expect_result_consistent(prep);
  EXPECT_EQ(prep.status.phase, "Failed");
  EXPECT_EQ(prep.status.reason, "RebaseConflict");
  EXPECT_NE(prep.status.message.find("README.md"), std::string::npos) << prep.status.message;
  run.phase("agent");
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.reason, "RebaseConflict");
  EXPECT_EQ(remote_sha("redraft/wl/6"), prior);
}

TEST_F(ExecutorScenario, RewriteWithoutAllowOverwriteIsNonFastForward) {
  const std::string existing = push_commit("main", "redraft/wl/7", {{"old.txt", "old\n"}}, "existing work");
  auto task = make_task("code", url_, "redraft/wl/7");
  task["spec"]["reviseFromBranch"] = "redraft/wl/7";
  task["spec"]["branchStrategy"] = "reset";  // cut from the base: pushing would drop `existing`
  ExecutorRun run(task, coder("echo fresh > fresh.txt"));
  PhaseRun prep = run.phase("prepare");
  EXPECT_EQ(prep.status.restore->outcome, "none");
  EXPECT_EQ(ws_git(run, {"rev-parse", "HEAD"}), main_sha_);
  run.phase("agent");
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.phase, "Failed");
  EXPECT_EQ(pub.status.reason, "NonFastForward") << pub.status.message;
  EXPECT_EQ(remote_sha("redraft/wl/7"), existing);
}

TEST_F(ExecutorScenario, ResetWithAllowOverwriteRewritesUnderLease) {
  push_commit("main", "redraft/wl/8", {{"old.txt", "old\n"}}, "existing work");
  auto task = make_task("code", url_, "redraft/wl/8");
  task["spec"]["reviseFromBranch"] = "redraft/wl/8";
  task["spec"]["branchStrategy"] = "reset";
  task["spec"]["allowOverwrite"] = true;
  ExecutorRun run(task, coder("echo fresh > fresh.txt"));
  run.phase("prepare");
  run.phase("agent");
  PhaseRun pub = run.phase("publish");
  EXPECT_EQ(pub.status.verdict, "PUSHED") << pub.status.message;
  EXPECT_EQ(rev(*remote_sha("redraft/wl/8") + "^"), main_sha_);
  EXPECT_FALSE(file_at(*remote_sha("redraft/wl/8"), "old.txt"));
}

TEST_F(ExecutorScenario, ConcurrentForeignPushBetweenPrepareAndPublishIsLeaseRejected) {
  const std::string prior = push_commit("main", "redraft/wl/9", {{"prior.txt", "p\n"}}, "prior");
  auto task = make_task("code", url_, "redraft/wl/9");
  task["spec"]["reviseFromBranch"] = "redraft/wl/9";
  task["spec"]["allowOverwrite"] = true;
  ExecutorRun run(task, coder("echo mine > mine.txt"));
  expect_result_consistent(run.phase("prepare"));
  expect_result_consistent(run.phase("agent"));
  const std::string foreign = push_commit("redraft/wl/9", "redraft/wl/9", {{"foreign.txt", "f\n"}}, "foreign");
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.reason, "LeaseRejected") << pub.status.message;
  EXPECT_EQ(remote_sha("redraft/wl/9"), foreign);
  EXPECT_EQ(rev(foreign + "^"), prior);
}

TEST_F(ExecutorScenario, AgentCommitsAndGitConfigEditsAreIgnored) {
  // A second repository the agent tries to redirect the push to.
  const fs::path evil = fixtures::make_bare_repo(remotes_, "evil");
  const std::string evil_url = daemon_->url_for("evil");
  auto task = make_task("code", url_, "redraft/wl/10");
  ExecutorRun run(task, coder(
      "echo work > work.txt\n"
      "echo noise > debug.log\n"  // ignored by .gitignore
      "git -c user.name=a -c user.email=a@b add -A\n"
      "git -c user.name=a -c user.email=a@b commit -q -m 'agent self-commit'\n"
      "git remote add origin " + evil_url + "\n"
      "git config remote.origin.pushurl " + evil_url + "\n"
      "git config url." + evil_url + ".insteadOf " + url_ + "\n"
      "git config url." + evil_url + ".pushInsteadOf " + url_ + "\n"
      "git config core.worktree /tmp\n"
      "echo 'hidden.txt' >> .git/info/exclude\n"
      "echo hidden > hidden.txt\n"
      "echo after > after.txt\n"));
  expect_result_consistent(run.phase("prepare"));
  expect_result_consistent(run.phase("agent"));
  const std::string self_commit = ws_git(run, {"--work-tree", run.workspace().string(), "rev-parse", "HEAD"});
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.verdict, "PUSHED") << pub.status.message;
  const auto pushed = remote_sha("redraft/wl/10");
  ASSERT_TRUE(pushed);
  EXPECT_NE(*pushed, self_commit);
  EXPECT_EQ(rev(*pushed + "^"), main_sha_);  // exactly one commit on top of the tip
  EXPECT_EQ(file_at(*pushed, "work.txt"), "work\n");
  EXPECT_EQ(file_at(*pushed, "after.txt"), "after\n");
  EXPECT_FALSE(file_at(*pushed, "debug.log"));  // .gitignore respected
  EXPECT_EQ(file_at(*pushed, "hidden.txt"), "hidden\n");  // .git/info/exclude edits are not
  EXPECT_FALSE(fixtures::remote_ref_sha(evil.string(), "refs/heads/redraft/wl/10"));
  const std::string msg = commit_message(*pushed);
  EXPECT_NE(msg.find("Redraft-Task: t1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Redraft-Workload: wl"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Redraft-Iteration: 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Redraft-Agent: scripted"), std::string::npos) << msg;
}

TEST_F(ExecutorScenario, AgentTimeoutPushesNothing) {
  auto task = make_task("code", url_, "redraft/wl/11");
  task["spec"]["timeoutSeconds"] = 2;
  ExecutorRun run(task, coder("echo partial > partial.txt\nsleep 60", 2));
  run.phase("prepare");
  PhaseRun agent = run.phase("agent");
  expect_result_consistent(agent);
  EXPECT_EQ(agent.status.reason, "AgentTimeout") << agent.status.message;
  PhaseRun pub = run.phase("publish");
  expect_result_consistent(pub);
  EXPECT_EQ(pub.status.phase, "Failed");
  EXPECT_EQ(pub.status.reason, "AgentTimeout");
  EXPECT_FALSE(remote_sha("redraft/wl/11"));
}

TEST_F(ExecutorScenario, NoChangesIsReportedAndNothingIsPushed) {
  auto task = make_task("code", url_, "redraft/wl/12");
  ExecutorRun run(task, coder("echo noise > ignored.log\ntrue"));
  PhaseRun all = run.phase("run");
  expect_result_consistent(all);
  EXPECT_EQ(all.status.phase, "Succeeded") << all.status.message;
  EXPECT_EQ(all.status.verdict, "NO-CHANGES");
  EXPECT_FALSE(remote_sha("redraft/wl/12"));
}

TEST_F(ExecutorScenario, RunDoesAllThreePhasesInOneProcess) {
  auto task = make_task("code", url_, "redraft/wl/13");
  ExecutorRun run(task, coder("echo one > one.txt\nrm README.md"));
  PhaseRun all = run.phase("run");
  expect_result_consistent(all);
  EXPECT_EQ(all.status.verdict, "PUSHED") << all.status.message;
  const auto pushed = remote_sha("redraft/wl/13");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(all.status.commitSha, *pushed);
  EXPECT_EQ(file_at(*pushed, "one.txt"), "one\n");
  EXPECT_FALSE(file_at(*pushed, "README.md"));  // deletions are committed too
  EXPECT_EQ(all.status.branch, "redraft/wl/13");
  EXPECT_EQ(all.status.baseSha, main_sha_);
}

}  // namespace
}  // namespace redraft::gittest
