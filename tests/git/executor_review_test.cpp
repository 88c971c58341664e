// Review tasks (ISSUE scenario 7) and hostile input (scenario 10), through the real binary.
#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "tests/git/scenario_fixture.hpp"

namespace redraft::gittest {
namespace {

namespace fs = std::filesystem;

std::string trim_copy(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class ExecutorReview : public GitScenario {
 protected:
  nlohmann::json reviewer(const std::string& body) {
    return make_agent("reviewer", ExecutorRun::write_script(root_->path() / ("r" + std::to_string(n_++) + ".sh"), body));
  }
  int n_ = 0;
};

TEST_F(ExecutorReview, ChecksOutThePushedBranchAndHandsTheDiffToTheReviewer) {
  push_commit("main", "main", {{"base-only.txt", "moved\n"}}, "base moves after the branch was cut");
  const std::string tip = push_commit("main", "redraft/r/1", {{"feature.txt", "feature line\n"}}, "feature");
  // The reviewer copies what it was given and approves with a finding.
  auto task = make_task("review", url_, "redraft/r/1");
  ExecutorRun run(task, reviewer(
      "cp \"$REDRAFT_DIFF_FILE\" \"$PWD/../seen.diff\"\n"
      "cp feature.txt \"$PWD/../seen-feature.txt\"\n"
      "cat > \"$REDRAFT_RESULT_FILE\" <<'JSON'\n"
      "{\"verdict\": \"NO-GO\", \"summary\": \"needs tests\", \"findings\": [{\"severity\": \"major\", "
      "\"file\": \"feature.txt\", \"line\": 1, \"message\": \"untested\", \"suggestion\": \"add a test\"}]}\n"
      "JSON"));
  PhaseRun prep = run.phase("prepare");
  EXPECT_EQ(prep.status.phase, "Running") << prep.status.message;
  EXPECT_EQ(trim_copy(fixtures::git({"rev-parse", "HEAD"}, run.workspace())), tip);
  run.phase("agent");
  PhaseRun pub = run.phase("publish");
  EXPECT_EQ(pub.status.phase, "Succeeded") << pub.status.message;
  EXPECT_EQ(pub.status.verdict, "NO-GO");
  EXPECT_EQ(pub.status.summary, "needs tests");
  ASSERT_EQ(pub.status.findings.size(), 1u);
  EXPECT_EQ(pub.status.findings[0].file, "feature.txt");
  EXPECT_EQ(pub.status.findings[0].line, 1);
  EXPECT_EQ(pub.status.commitSha, tip);
  EXPECT_EQ(remote_sha("redraft/r/1"), tip);  // a review pushes nothing
  const std::string diff = fixtures::read_file(run.root() / "seen.diff");
  EXPECT_NE(diff.find("+feature line"), std::string::npos) << diff;
  // Three-dot: the base's own later change is not part of what is reviewed.
  EXPECT_EQ(diff.find("base-only.txt"), std::string::npos) << diff;
  EXPECT_EQ(fixtures::read_file(run.root() / "seen-feature.txt"), "feature line\n");
}

TEST_F(ExecutorReview, GoVerdictSucceeds) {
  push_commit("main", "redraft/r/2", {{"f.txt", "f\n"}}, "feature");
  ExecutorRun run(make_task("review", url_, "redraft/r/2"),
                  reviewer("echo '{\"verdict\":\"GO\",\"summary\":\"fine\"}' > \"$REDRAFT_RESULT_FILE\""));
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.phase, "Succeeded") << all.status.message;
  EXPECT_EQ(all.status.verdict, "GO");
}

TEST_F(ExecutorReview, MissingBranchFailsInsteadOfReviewingTheBase) {
  ExecutorRun run(make_task("review", url_, "redraft/r/missing"),
                  reviewer("echo '{\"verdict\":\"GO\"}' > \"$REDRAFT_RESULT_FILE\""));
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.phase, "Failed");
  EXPECT_EQ(all.status.reason, "BranchNotFound") << all.status.message;
  EXPECT_NE(all.status.message.find("spec.branch"), std::string::npos);
  EXPECT_NE(all.status.verdict, "GO");
}

TEST_F(ExecutorReview, GarbageResultIsIncompleteNeverNoGo) {
  push_commit("main", "redraft/r/3", {{"f.txt", "f\n"}}, "feature");
  ExecutorRun run(make_task("review", url_, "redraft/r/3"),
                  reviewer("echo 'this is { not json' > \"$REDRAFT_RESULT_FILE\""));
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.verdict, "INCOMPLETE") << all.status.message;
  EXPECT_EQ(all.status.reason, "ResultMissing");
}

// ---- scenario 10: hostile refs are rejected before any git call ----

struct HostileCase {
  const char* field;  // spec field to set
  const char* value;
};

// Printed by field only: the values themselves (newlines, dashes) would garble test names.
void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.field; }

class HostileRefs : public GitScenario, public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileRefs, RejectedBeforeAnyGitCallNamingTheField) {
  start_http();
  const auto& c = GetParam();
  auto task = make_task("code", http_->url_for("origin"), "redraft/ok");
  task["spec"][c.field] = c.value;
  if (std::string(c.field) == "reviseFromBranch") task["spec"]["branchStrategy"] = "restore";
  auto agent = make_agent("coder", ExecutorRun::write_script(root_->path() / "a.sh", "echo x > x.txt"));
  ExecutorRun run(task, agent);
  run.set_credentials({{"token", kToken}});
  http_->reset_counters();
  PhaseRun all = run.phase("run");
  ASSERT_EQ(all.process.exit_code, 0) << all.all_output();
  EXPECT_EQ(all.status.phase, "Failed");
  EXPECT_EQ(all.status.reason, "InvalidSpec");
  EXPECT_NE(all.status.message.find(std::string("spec.") + c.field), std::string::npos) << all.status.message;
  EXPECT_EQ(http_->request_count(), 0u);  // no git traffic at all
  EXPECT_FALSE(fs::exists(run.workspace() / ".git"));
  EXPECT_FALSE(fs::exists(run.workspace() / "x.txt"));  // and no agent run
  // The hostile value cannot forge a result line: the last line is ours and parses.
  EXPECT_EQ(nlohmann::json::parse(all.result_line), all.result);
}

INSTANTIATE_TEST_SUITE_P(
    Values, HostileRefs,
    ::testing::Values(HostileCase{"branch", "-x"}, HostileCase{"branch", "--upload-pack=x"},
                      HostileCase{"branch", "a..b"}, HostileCase{"branch", "a b"},
                      HostileCase{"branch", "a\nb"}, HostileCase{"branch", "refs/heads/../x"},
                      HostileCase{"branch", ""}, HostileCase{"baseBranch", "-x"},
                      HostileCase{"baseBranch", "a..b"}, HostileCase{"reviseFromBranch", "--upload-pack=x"},
                      HostileCase{"reviseFromBranch", "a\nREDRAFT-RESULT {}"},
                      HostileCase{"reviseFromBranch", "x.lock"}),
    [](const ::testing::TestParamInfo<HostileCase>& info) {
      return std::string(info.param.field) + "_" + std::to_string(info.index);
    });

TEST_F(ExecutorReview, TaskAndAgentFilesMayBeYaml) {
  push_commit("main", "redraft/r/4", {{"f.txt", "f\n"}}, "feature");
  auto agent = reviewer("echo '{\"verdict\":\"GO\"}' > \"$REDRAFT_RESULT_FILE\"");
  ExecutorRun run(make_task("review", url_, "redraft/r/4"), agent);
  fixtures::write_file(run.root() / "task.json", api::to_yaml(make_task("review", url_, "redraft/r/4")));
  fixtures::write_file(run.root() / "agent.json", api::to_yaml(agent));
  ASSERT_EQ(fixtures::read_file(run.root() / "task.json").find('{'), std::string::npos);  // really YAML
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.verdict, "GO") << all.status.message;
}

TEST_F(ExecutorReview, UnreadableTaskFileIsAResultNotACrash) {
  ExecutorRun run(nlohmann::json::object(), make_agent("coder", "/bin/true"));
  fixtures::write_file(run.root() / "task.json", "{ not: [valid");
  PhaseRun all = run.phase("run");
  ASSERT_EQ(all.process.exit_code, 0) << all.all_output();
  EXPECT_EQ(all.status.reason, "InvalidSpec");
  EXPECT_NE(all.status.message.find("--task-file"), std::string::npos) << all.status.message;
}

TEST_F(ExecutorReview, UnwritableResultFileExitsNonZeroButStillPrintsTheResult) {
  ExecutorRun run(make_task("code", url_, "redraft/r/5"), make_agent("coder", "/bin/true"));
  auto r = fixtures::run_command({executor_binary(), "prepare", "--task-file", (run.root() / "task.json").string(),
                                  "--agent-file", (run.root() / "agent.json").string(), "--workspace",
                                  run.workspace().string(), "--state-dir", run.state_dir().string(),
                                  "--result-file", (run.root() / "no-such-dir" / "out.json").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("REDRAFT-RESULT {"), std::string::npos) << r.out;
}

TEST_F(ExecutorReview, PublishWithoutPrepareIsAnInternalErrorResult) {
  ExecutorRun run(make_task("code", url_, "redraft/r/6"), make_agent("coder", "/bin/true"));
  PhaseRun pub = run.phase("publish");
  ASSERT_EQ(pub.process.exit_code, 0) << pub.all_output();
  EXPECT_EQ(pub.status.phase, "Failed");
  EXPECT_EQ(pub.status.reason, "InternalError");
  EXPECT_NE(pub.status.message.find("prepare"), std::string::npos) << pub.status.message;
  EXPECT_FALSE(remote_sha("redraft/r/6"));
}

TEST_F(ExecutorReview, MissingBaseBranchNamesTheField) {
  auto task = make_task("code", url_, "redraft/r/7");
  task["spec"]["baseBranch"] = "develop";
  ExecutorRun run(task, make_agent("coder", "/bin/true"));
  PhaseRun prep = run.phase("prepare");
  EXPECT_EQ(prep.status.reason, "BranchNotFound") << prep.status.message;
  EXPECT_NE(prep.status.message.find("spec.baseBranch"), std::string::npos) << prep.status.message;
}

TEST_F(ExecutorReview, NoResultFileMeansUsageExitCode) {
  auto r = fixtures::run_command({executor_binary(), "run", "--task-file", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--result-file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace redraft::gittest
