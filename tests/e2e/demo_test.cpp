// Runs hack/demo.sh (the README's run command) against the already-built binaries and checks that
// the whole code → review NO-GO → revision → review GO loop happened through the operator, and
// that the script fails loudly when the stack cannot do its job.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::fixtures {
namespace {

CommandResult run_demo(const std::string& executor, const std::string& timeout = "300") {
  CommandOptions options;
  options.env = {{"REDRAFT_DEMO_SKIP_BUILD", "1"},
                 {"REDRAFT_EXECUTOR", executor},
                 {"REDRAFT_DEVSERVER", REDRAFT_DEVSERVER_PATH},
                 {"REDRAFT_LOCALNODE", REDRAFT_LOCALNODE_PATH},
                 {"REDRAFT_OPERATOR", REDRAFT_OPERATOR_PATH},
                 {"REDRAFT_DEMO_TIMEOUT", timeout}};
  options.timeout = std::chrono::seconds(500);
  return run_command({std::string(REDRAFT_SOURCE_DIR) + "/hack/demo.sh"}, options);
}

TEST(Demo, CodeNoGoRevisionGoThroughTheOperator) {
  CommandResult r = run_demo(REDRAFT_EXECUTOR_PATH);
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  const std::string& out = r.out;
  auto at = [&](const std::string& needle) {
    auto pos = out.find(needle);
    EXPECT_NE(pos, std::string::npos) << "missing: " << needle << "\n" << out;
    return pos;
  };
  at("node local ready");
  at("redraft-operator ready");
  auto code = at("==> task demo-issue-1-code (code, agent demo-coder)");
  auto review1 = at("==> task demo-issue-1-review-1 (review, agent demo-reviewer)");
  auto revision = at("==> task demo-issue-1-code-r1 (code, agent demo-coder)");
  auto review2 = at("==> task demo-issue-1-r1-review-1 (review, agent demo-reviewer)");
  EXPECT_LT(code, review1);
  EXPECT_LT(review1, revision);
  EXPECT_LT(revision, review2);
  at("demo-issue-1-review-1: Succeeded NO-GO");
  at("demo-issue-1-r1-review-1: Succeeded GO");
  at("condition met");                   // kubectl wait
  at("==> kubectl get rdwl,rdat,pods");
  at("IterationStarted");                // kubectl describe rdwl: the events
  at("demo-reviewer: NO-GO");            // kubectl logs of the agent containers
  at("demo-coder: appended to hello.txt: Goodbye from redraft");
  at("demo-reviewer: GO");
  at("Redraft-Task: demo-issue-1-code-r1");
  at("DEMO OK: code PUSHED ");
}

TEST(Demo, FailsLoudlyWhenTheExecutorCannotRun) {
  // An "executor image" whose redraft-executor always fails: every task pod fails.
  TempDir dir("redraft-demo-broken");
  const auto fake = dir.path() / "redraft-executor";
  write_file(fake, "#!/bin/sh\necho 'broken executor' >&2\nexit 1\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  CommandResult r = run_demo(fake.string(), "180");
  EXPECT_NE(r.exit_code, 0) << r.out;
  // The stack came up; the task pods failed, so did the Workload, and the demo says so.
  EXPECT_NE(r.out.find("redraft-operator ready"), std::string::npos) << r.out << "\n" << r.err;
  EXPECT_NE(r.err.find("DEMO FAILED: the Workload failed"), std::string::npos) << r.out << "\n" << r.err;
  EXPECT_EQ(r.out.find("DEMO OK"), std::string::npos);
}

}  // namespace
}  // namespace redraft::fixtures
