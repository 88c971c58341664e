// The scripted demo agents (examples/agents/*.yaml) driven through the real agent phase: the
// coder writes hello.txt, the reviewer says NO-GO with a finding, the revision prompt carries the
// finding back, the coder applies it and the reviewer says GO. No git: that is the demo's job.
#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "api/validation.hpp"
#include "executor/agent/agent_phase.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::executor {
namespace {

namespace fs = std::filesystem;
using fixtures::read_file;

api::Agent load_agent(const std::string& name) {
  return api::decode<api::Agent>(
      read_file(fs::path(REDRAFT_SOURCE_DIR) / "examples/agents" / (name + ".yaml")));
}

TEST(DemoAgents, DecodeAsValidAgents) {
  auto coder = load_agent("demo-coder");
  auto reviewer = load_agent("demo-reviewer");
  EXPECT_EQ(coder.metadata.name, "demo-coder");
  EXPECT_EQ(coder.spec.role, "coder");
  EXPECT_EQ(reviewer.spec.role, "reviewer");
  EXPECT_EQ(coder.spec.command, (std::vector<api::Text>{"sh", "-c"}));
  EXPECT_TRUE(api::validate(coder).empty()) << api::join_errors(api::validate(coder));
  EXPECT_TRUE(api::validate(reviewer).empty()) << api::join_errors(api::validate(reviewer));
}

TEST(DemoAgents, ReviewLoopConvergesInOneRevision) {
  fixtures::TempDir ws("redraft-demo-ws"), state("redraft-demo-state");
  std::vector<std::string> log;
  AgentPhaseOptions options;
  options.log = [&](std::string_view l) { log.emplace_back(l); };
  auto coder = load_agent("demo-coder");
  auto reviewer = load_agent("demo-reviewer");

  api::AgenticTask code;
  code.metadata.name = "demo-issue-1-code";
  code.spec.kind = "code";
  code.spec.branch = "redraft/demo/issue-1";
  code.spec.issue = api::IssueRef{1, "Say hello", "Add hello.txt"};
  auto first = run_agent_phase(code, coder, ws.path(), state.path(), options);
  ASSERT_TRUE(first.success) << first.message;
  EXPECT_EQ(first.summary, "Add hello.txt for issue #1");
  EXPECT_EQ(read_file(ws / "hello.txt"), "Hello from redraft (issue #1)\n");

  api::AgenticTask review = code;
  review.spec.kind = "review";
  fixtures::write_file(state / kReviewDiffFileName, "+Hello from redraft (issue #1)\n");
  auto round1 = run_agent_phase(review, reviewer, ws.path(), state.path(), options);
  ASSERT_TRUE(round1.success) << round1.message;
  EXPECT_EQ(round1.verdict, "NO-GO");
  ASSERT_EQ(round1.findings.size(), 1u);
  EXPECT_EQ(round1.findings[0].file, "hello.txt");
  EXPECT_EQ(round1.findings[0].suggestion, "append: Goodbye from redraft");

  api::AgenticTask revision = code;
  revision.spec.reviseFromBranch = code.spec.branch;
  revision.spec.feedback = round1.findings;
  revision.spec.feedback[0].reviewer = "demo-reviewer";
  auto second = run_agent_phase(revision, coder, ws.path(), state.path(), options);
  ASSERT_TRUE(second.success) << second.message;
  EXPECT_EQ(second.summary, "Apply review feedback for issue #1");
  EXPECT_EQ(read_file(ws / "hello.txt"),
            "Hello from redraft (issue #1)\nGoodbye from redraft\n");

  auto round2 = run_agent_phase(review, reviewer, ws.path(), state.path(), options);
  ASSERT_TRUE(round2.success) << round2.message;
  EXPECT_EQ(round2.verdict, "GO");
  EXPECT_TRUE(round2.findings.empty());
}

}  // namespace
}  // namespace redraft::executor
