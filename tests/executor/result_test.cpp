#include <gtest/gtest.h>

#include "executor/agent/result.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::executor {
namespace {

using State = ParsedResult::State;

TEST(ParseAgentResult, FullDocument) {
  auto r = parse_agent_result(R"({"verdict":"NO-GO","summary":"needs work","extra":1,
    "findings":[{"severity":"major","file":"a.cpp","line":12,"message":"m","suggestion":"s"},
                {"message":"only message","line":"7"}, "bare string"]})");
  ASSERT_EQ(r.state, State::kValid) << r.error;
  EXPECT_EQ(r.result.verdict, "NO-GO");
  EXPECT_EQ(r.result.summary, "needs work");
  ASSERT_EQ(r.result.findings.size(), 3u);
  EXPECT_EQ(r.result.findings[0].severity, "major");
  EXPECT_EQ(r.result.findings[0].file, "a.cpp");
  EXPECT_EQ(r.result.findings[0].line, 12);
  EXPECT_EQ(r.result.findings[0].suggestion, "s");
  EXPECT_EQ(r.result.findings[1].line, 7);
  EXPECT_EQ(r.result.findings[2].message, "bare string");
}

TEST(ParseAgentResult, VerdictNormalised) {
  EXPECT_EQ(parse_agent_result(R"({"verdict":" go "})").result.verdict, "GO");
  EXPECT_EQ(parse_agent_result(R"({"verdict":"no_go"})").result.verdict, "NO-GO");
  EXPECT_EQ(parse_agent_result(R"({"verdict":"error"})").result.verdict, "ERROR");
  EXPECT_EQ(parse_agent_result(R"({"summary":"coder"})").result.verdict, "");
}

struct BadCase {
  const char* text;
  const char* error_mentions;
};

class ParseAgentResultInvalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseAgentResultInvalid, IsInvalidAndNamesTheProblem) {
  auto r = parse_agent_result(GetParam().text);
  EXPECT_EQ(r.state, State::kInvalid);
  EXPECT_NE(r.error.find(GetParam().error_mentions), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseAgentResultInvalid,
    ::testing::Values(BadCase{"", "not valid JSON"}, BadCase{"{", "not valid JSON"},
                      BadCase{"[1,2]", "expected object"}, BadCase{"\"GO\"", "expected object"},
                      BadCase{R"({"verdict":"MAYBE"})", "verdict: unsupported value \"MAYBE\""},
                      BadCase{R"({"verdict":1})", "verdict: expected string"},
                      BadCase{R"({"summary":{"a":1}})", "summary: expected string"},
                      BadCase{R"({"findings":"x"})", "findings: expected array"},
                      BadCase{R"({"findings":[1]})", "findings[0]: expected object"},
                      BadCase{R"({"findings":[{"line":"x"}]})", "findings[0].line: expected integer"},
                      BadCase{R"({"findings":[{"line":1.5}]})", "findings[0].line: expected integer"},
                      BadCase{R"({"findings":[{},{"file":3}]})", "findings[1].file: expected string"}));

TEST(ParseAgentResult, SizeAndCountCaps) {
  std::string huge = R"({"summary":")" + std::string(kMaxResultBytes, 'x') + R"("})";
  EXPECT_EQ(parse_agent_result(huge).state, State::kInvalid);

  std::string many = R"({"verdict":"NO-GO","findings":[)";
  for (std::size_t i = 0; i < kMaxFindings + 50; ++i) many += std::string(i ? "," : "") + R"({"message":"m"})";
  many += "]}";
  auto r = parse_agent_result(many);
  ASSERT_EQ(r.state, State::kValid);
  EXPECT_EQ(r.result.findings.size(), kMaxFindings);

  std::string long_field = R"({"summary":")" + std::string(kMaxFieldBytes + 100, 'y') + R"("})";
  auto l = parse_agent_result(long_field);
  ASSERT_EQ(l.state, State::kValid);
  EXPECT_LT(l.result.summary.size(), kMaxFieldBytes + 20);
}

TEST(ReadAgentResult, MissingFileTooLargeAndValid) {
  fixtures::TempDir dir;
  EXPECT_EQ(read_agent_result(dir / "none.json").state, State::kMissing);
  fixtures::write_file(dir / "big.json", std::string(200, ' ') + "{}");
  EXPECT_EQ(read_agent_result(dir / "big.json", 100).state, State::kInvalid);
  fixtures::write_file(dir / "ok.json", R"({"verdict":"GO"})");
  EXPECT_EQ(read_agent_result(dir / "ok.json").result.verdict, "GO");
  std::filesystem::create_directory(dir / "dir.json");
  EXPECT_EQ(read_agent_result(dir / "dir.json").state, State::kInvalid);
}

ParsedResult valid(const std::string& verdict) {
  ParsedResult r;
  r.state = State::kValid;
  r.result.verdict = verdict;
  r.result.summary = "sum";
  r.result.findings.push_back(api::Finding{.severity = "minor", .file = "f", .line = 1,
                                           .message = "m", .suggestion = "", .reviewer = ""});
  return r;
}

ParsedResult missing() { return ParsedResult{}; }

ParsedResult invalid_result() {
  ParsedResult r;
  r.state = State::kInvalid;
  r.error = "result is not valid JSON";
  return r;
}

AgentRunFacts ran(const std::string& kind, int exit_code = 0) {
  AgentRunFacts f;
  f.task_kind = kind;
  f.exit_code = exit_code;
  f.seconds = 1.5;
  return f;
}

TEST(DecideAgentOutcome, ReviewerVerdicts) {
  auto go = decide_agent_outcome(ran("review"), valid("GO"));
  EXPECT_TRUE(go.success);
  EXPECT_EQ(go.verdict, "GO");
  EXPECT_EQ(go.reason, "");
  EXPECT_EQ(go.summary, "sum");
  EXPECT_EQ(go.findings.size(), 1u);
  EXPECT_EQ(go.exit_code, 0);
  EXPECT_DOUBLE_EQ(go.seconds, 1.5);

  auto nogo = decide_agent_outcome(ran("review"), valid("NO-GO"));
  EXPECT_TRUE(nogo.success);
  EXPECT_EQ(nogo.verdict, "NO-GO");
}

TEST(DecideAgentOutcome, ReviewerWithoutValidResultIsIncompleteNeverNoGo) {
  for (const auto& r : {missing(), invalid_result(), valid("")}) {
    auto out = decide_agent_outcome(ran("review"), r);
    EXPECT_FALSE(out.success);
    EXPECT_EQ(out.verdict, "INCOMPLETE");
    EXPECT_EQ(out.reason, "ResultMissing");
  }
}

TEST(DecideAgentOutcome, ReviewerErrorCrashAndTimeout) {
  auto error = decide_agent_outcome(ran("review"), valid("ERROR"));
  EXPECT_EQ(error.verdict, "INCOMPLETE");
  EXPECT_EQ(error.reason, "AgentFailed");

  // A crashed reviewer that still wrote NO-GO is not a model decision.
  auto crashed = decide_agent_outcome(ran("review", 2), valid("NO-GO"));
  EXPECT_EQ(crashed.verdict, "INCOMPLETE");
  EXPECT_EQ(crashed.reason, "AgentFailed");
  EXPECT_NE(crashed.message.find("exited with code 2"), std::string::npos);

  auto t = ran("review");
  t.timed_out = true;
  t.exit_code.reset();
  t.term_signal = 15;
  t.timeout_seconds = 5;
  auto timeout = decide_agent_outcome(t, valid("GO"));
  EXPECT_EQ(timeout.verdict, "INCOMPLETE");
  EXPECT_EQ(timeout.reason, "AgentTimeout");
  EXPECT_NE(timeout.message.find("5s"), std::string::npos);

  auto s = ran("review");
  s.started = false;
  s.start_error = "command not found: nope";
  auto not_started = decide_agent_outcome(s, missing());
  EXPECT_EQ(not_started.reason, "AgentFailed");
  EXPECT_NE(not_started.message.find("command not found: nope"), std::string::npos);
}

TEST(DecideAgentOutcome, CoderResultIsOptional) {
  auto none = decide_agent_outcome(ran("code"), missing());
  EXPECT_TRUE(none.success);
  EXPECT_EQ(none.verdict, "");
  EXPECT_EQ(none.reason, "");

  auto with_summary = decide_agent_outcome(ran("code"), valid(""));
  EXPECT_TRUE(with_summary.success);
  EXPECT_EQ(with_summary.summary, "sum");

  auto garbage = decide_agent_outcome(ran("code"), invalid_result());
  EXPECT_TRUE(garbage.success);
  EXPECT_NE(garbage.message.find("ignored"), std::string::npos);

  auto failed = decide_agent_outcome(ran("code", 1), missing());
  EXPECT_FALSE(failed.success);
  EXPECT_EQ(failed.reason, "AgentFailed");
  EXPECT_EQ(failed.verdict, "");

  auto error = decide_agent_outcome(ran("code"), valid("ERROR"));
  EXPECT_FALSE(error.success);
  EXPECT_EQ(error.reason, "AgentFailed");

  auto t = ran("code");
  t.timed_out = true;
  EXPECT_EQ(decide_agent_outcome(t, missing()).reason, "AgentTimeout");
}

}  // namespace
}  // namespace redraft::executor
