// Runs hack/demo.sh (the README's demo) against the already-built executor and checks that the
// whole review → revise → approve loop happened.
#include <gtest/gtest.h>

#include "tests/fixtures/command.hpp"

namespace redraft::fixtures {
namespace {

CommandResult run_demo(const std::string& executor) {
  CommandOptions options;
  options.env = {{"REDRAFT_DEMO_SKIP_BUILD", "1"}, {"REDRAFT_EXECUTOR", executor}};
  options.timeout = std::chrono::seconds(500);
  return run_command({std::string(REDRAFT_SOURCE_DIR) + "/hack/demo.sh"}, options);
}

TEST(Demo, ReviewReviseApproveLoop) {
  CommandResult r = run_demo(REDRAFT_EXECUTOR_PATH);
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  const std::string& out = r.out;
  auto at = [&](const std::string& needle) {
    auto pos = out.find(needle);
    EXPECT_NE(pos, std::string::npos) << "missing: " << needle << "\n" << out;
    return pos;
  };
  auto code = at("==> task demo-issue-1-code (demo-coder)");
  auto review1 = at("==> task demo-issue-1-review-1 (demo-reviewer)");
  auto revision = at("==> task demo-issue-1-code-r1 (demo-coder)");
  auto review2 = at("==> task demo-issue-1-review-2 (demo-reviewer)");
  EXPECT_LT(code, review1);
  EXPECT_LT(review1, revision);
  EXPECT_LT(revision, review2);
  at("demo-reviewer: NO-GO");
  at("## Requested changes");
  at("(requested by demo-reviewer)");
  at("demo-coder: appended to hello.txt: Goodbye from redraft");
  at("demo-reviewer: GO");
  at("Redraft-Task: demo-issue-1-code-r1");
  at("DEMO OK: code PUSHED ");
}

TEST(Demo, FailsLoudlyWhenTheExecutorDoesNothing) {
  CommandResult r = run_demo("/bin/true");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("DEMO FAILED: demo-issue-1-code wrote no result"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("DEMO OK"), std::string::npos);
}

}  // namespace
}  // namespace redraft::fixtures
