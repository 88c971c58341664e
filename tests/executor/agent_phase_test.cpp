// The agent phase end to end with real scripted agents (sh): prompt delivery, environment
// scrubbing observed from inside the agent, timeouts, result handling, redaction.
#include <gtest/gtest.h>

#include "executor/agent/agent_phase.hpp"
#include "executor/support/redact.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::executor {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using fixtures::read_file;
using fixtures::write_file;

class AgentPhaseTest : public ::testing::Test {
 protected:
  api::AgenticTask task(const std::string& kind = "code") {
    api::AgenticTask t;
    t.metadata.name = "t1";
    t.spec.kind = kind;
    t.spec.branch = "redraft/demo/issue-1";
    t.spec.issue = api::IssueRef{1, "Add hello", "Create hello.txt"};
    return t;
  }
  api::Agent agent(const std::string& script, const std::string& via = "") {
    api::Agent a;
    a.metadata.name = "scripted";
    a.spec.role = "coder";
    a.spec.command = {"sh", "-c", script, "agent"};
    a.spec.promptVia = via;
    return a;
  }
  AgentPhaseOptions options() {
    AgentPhaseOptions o;
    o.log = [this](std::string_view l) { log_.emplace_back(l); };
    o.kill_grace = 1s;
    return o;
  }
  std::string joined_log() const {
    std::string all;
    for (const auto& l : log_) all += l + "\n";
    return all;
  }
  fixtures::TempDir ws_{"redraft-ws"};
  fixtures::TempDir state_{"redraft-state"};
  std::vector<std::string> log_;
};

TEST_F(AgentPhaseTest, PromptViaFile) {
  auto out = run_agent_phase(task(), agent("cp \"$REDRAFT_PROMPT_FILE\" got.txt"), ws_.path(),
                             state_.path(), options());
  EXPECT_TRUE(out.success) << out.message;
  EXPECT_EQ(out.reason, "");
  EXPECT_EQ(out.exit_code, 0);
  std::string got = read_file(ws_ / "got.txt");
  EXPECT_EQ(got, read_file(state_ / kPromptFileName));
  EXPECT_NE(got.find("## Original issue (#1)"), std::string::npos);
}

TEST_F(AgentPhaseTest, PromptViaStdin) {
  auto out = run_agent_phase(task(), agent("cat > got.txt", "stdin"), ws_.path(), state_.path(),
                             options());
  EXPECT_TRUE(out.success) << out.message;
  EXPECT_EQ(read_file(ws_ / "got.txt"), read_file(state_ / kPromptFileName));
}

TEST_F(AgentPhaseTest, PromptViaLastArgument) {
  auto a = agent("printf '%s' \"$2\" > got.txt; printf '%s' \"$1\" > first.txt", "arg");
  a.spec.args = {"first-arg"};
  auto out = run_agent_phase(task(), a, ws_.path(), state_.path(), options());
  EXPECT_TRUE(out.success) << out.message;
  EXPECT_EQ(read_file(ws_ / "first.txt"), "first-arg");
  EXPECT_EQ(read_file(ws_ / "got.txt"), read_file(state_ / kPromptFileName));
}

TEST_F(AgentPhaseTest, EnvironmentIsScrubbedAsSeenFromInsideTheAgent) {
  // Credentials in the executor's real environment must not reach the agent.
  fixtures::ScopedEnv e1("GIT_ASKPASS", "/usr/bin/credential-helper");
  fixtures::ScopedEnv e2("GITHUB_TOKEN", "ghp_realtoken123");
  fixtures::ScopedEnv e3("REDRAFT_GIT_PASSWORD", "pw-xyz");
  fixtures::ScopedEnv e4("SSH_AUTH_SOCK", "/tmp/agent.sock");
  fixtures::ScopedEnv e5("SOME_SERVICE_TOKEN", "svc-token");
  fixtures::ScopedEnv e6("UNRELATED", "x");
  auto a = agent("env > env.txt");
  api::EnvVar model;
  model.name = "MODEL";
  model.value = "demo-model";
  api::EnvVar git_env;
  git_env.name = "GIT_SSH_COMMAND";
  git_env.value = "ssh -i /secret/key";
  api::EnvVar from;
  from.name = "LLM_KEY";
  from.valueFrom = api::EnvVarSource{};
  from.valueFrom->secretKeyRef = api::KeySelector{"s", "k", std::nullopt};
  a.spec.env = {model, git_env, from};
  auto out = run_agent_phase(task(), a, ws_.path(), state_.path(), options());
  ASSERT_TRUE(out.success) << out.message;
  std::string env = read_file(ws_ / "env.txt");
  for (const char* bad : {"GIT_", "TOKEN", "PASSWORD", "SSH_AUTH_SOCK", "UNRELATED", "LLM_KEY",
                          "ghp_realtoken123", "pw-xyz"}) {
    EXPECT_EQ(env.find(bad), std::string::npos) << bad << " leaked:\n" << env;
  }
  EXPECT_NE(env.find("MODEL=demo-model\n"), std::string::npos);
  EXPECT_NE(env.find("REDRAFT_PROMPT_FILE=" + (state_ / kPromptFileName).string()), std::string::npos);
  EXPECT_NE(env.find("REDRAFT_RESULT_FILE=" + (state_ / kAgentResultFileName).string()), std::string::npos);
  EXPECT_NE(env.find("REDRAFT_WORKSPACE=" + ws_.path().string()), std::string::npos);
  EXPECT_NE(env.find("REDRAFT_TASK_KIND=code"), std::string::npos);
  EXPECT_EQ(env.find("REDRAFT_DIFF_FILE"), std::string::npos);  // code task
  EXPECT_NE(env.find("PATH="), std::string::npos);
  std::string log = joined_log();
  EXPECT_NE(log.find("GIT_SSH_COMMAND: refused"), std::string::npos) << log;
  EXPECT_NE(log.find("LLM_KEY: valueFrom"), std::string::npos) << log;
}

TEST_F(AgentPhaseTest, OutputIsStreamedPrefixedAndRedacted) {
  global_redactor().add_secret("phase-secret-987");
  auto out = run_agent_phase(
      task(), agent("echo visible line; echo leaking phase-secret-987; echo https://u:p@h/r"),
      ws_.path(), state_.path(), options());
  ASSERT_TRUE(out.success);
  std::string log = joined_log();
  EXPECT_NE(log.find("[agent] visible line\n"), std::string::npos) << log;
  EXPECT_NE(log.find("[agent] leaking ***\n"), std::string::npos) << log;
  EXPECT_NE(log.find("[agent] https://***@h/r"), std::string::npos) << log;
  EXPECT_EQ(log.find("phase-secret-987"), std::string::npos);
}

TEST_F(AgentPhaseTest, TimeoutKillsAgentAndChildren) {
  auto o = options();
  o.timeout = 1500ms;
  auto out = run_agent_phase(task("review"), agent("sleep 1000 & echo $! > child.pid; sleep 1000"),
                             ws_.path(), state_.path(), o);
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.reason, "AgentTimeout");
  EXPECT_EQ(out.verdict, "INCOMPLETE");
  int pid = std::stoi(read_file(ws_ / "child.pid"));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    std::string stat;
    try {
      stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    } catch (...) {
    }
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
}

TEST(EffectiveTimeout, TaskOverridesAgentDefault1800) {
  api::AgenticTask t;
  api::Agent a;
  EXPECT_EQ(effective_timeout_seconds(t, a), 1800);
  a.spec.timeoutSeconds = 60;
  EXPECT_EQ(effective_timeout_seconds(t, a), 60);
  t.spec.timeoutSeconds = 30;
  EXPECT_EQ(effective_timeout_seconds(t, a), 30);
  t.spec.timeoutSeconds = 0;
  EXPECT_EQ(effective_timeout_seconds(t, a), 60);
}

TEST_F(AgentPhaseTest, ReviewerNoGoWithFindingsAndDiffFile) {
  write_file(state_ / kReviewDiffFileName, "diff --git a/x b/x\n");
  auto out = run_agent_phase(
      task("review"),
      agent("test -f \"$REDRAFT_DIFF_FILE\" || exit 9\n"
            "cat > \"$REDRAFT_RESULT_FILE\" <<'JSON'\n"
            "{\"verdict\":\"NO-GO\",\"summary\":\"missing test\",\"findings\":[{\"severity\":"
            "\"major\",\"file\":\"hello.txt\",\"line\":1,\"message\":\"add a test\"}]}\n"
            "JSON\n"),
      ws_.path(), state_.path(), options());
  EXPECT_TRUE(out.success) << out.message;
  EXPECT_EQ(out.verdict, "NO-GO");
  EXPECT_EQ(out.summary, "missing test");
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].file, "hello.txt");
  EXPECT_NE(read_file(state_ / kPromptFileName).find(state_ / kReviewDiffFileName), std::string::npos);
}

TEST_F(AgentPhaseTest, ReviewerWithoutResultIsIncompleteAndStaleResultIsIgnored) {
  // A result from an earlier attempt must not count for this run.
  write_file(state_ / kAgentResultFileName, R"({"verdict":"GO"})");
  auto out = run_agent_phase(task("review"), agent("echo looked at it"), ws_.path(), state_.path(),
                             options());
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.verdict, "INCOMPLETE");
  EXPECT_EQ(out.reason, "ResultMissing");
}

TEST_F(AgentPhaseTest, CoderSummaryAndFailure) {
  auto ok = run_agent_phase(task(), agent("echo '{\"summary\":\"Add hello.txt\"}' > \"$REDRAFT_RESULT_FILE\""),
                            ws_.path(), state_.path(), options());
  EXPECT_TRUE(ok.success);
  EXPECT_EQ(ok.summary, "Add hello.txt");
  auto bad = run_agent_phase(task(), agent("exit 3"), ws_.path(), state_.path(), options());
  EXPECT_FALSE(bad.success);
  EXPECT_EQ(bad.reason, "AgentFailed");
  EXPECT_EQ(bad.exit_code, 3);
}

TEST_F(AgentPhaseTest, RepoInstructionsIncludedAndEscapesRefused) {
  write_file(ws_ / ".redraft/coder.md", "Always write tests.");
  auto a = agent("true");
  a.spec.instructionsPath = ".redraft/coder.md";
  ASSERT_TRUE(run_agent_phase(task(), a, ws_.path(), state_.path(), options()).success);
  EXPECT_NE(read_file(state_ / kPromptFileName).find("Always write tests."), std::string::npos);

  a.spec.instructionsPath = "../../etc/passwd";
  auto out = run_agent_phase(task(), a, ws_.path(), state_.path(), options());
  EXPECT_FALSE(out.success);
  EXPECT_EQ(out.reason, "InvalidSpec");
  EXPECT_NE(out.message.find("spec.instructionsPath"), std::string::npos);
}

TEST_F(AgentPhaseTest, InvalidSpecsNameTheField) {
  api::Agent none;
  none.metadata.name = "empty";
  auto out = run_agent_phase(task(), none, ws_.path(), state_.path(), options());
  EXPECT_EQ(out.reason, "InvalidSpec");
  EXPECT_NE(out.message.find("spec.command"), std::string::npos);

  auto bad_via = agent("true", "carrier-pigeon");
  out = run_agent_phase(task(), bad_via, ws_.path(), state_.path(), options());
  EXPECT_EQ(out.reason, "InvalidSpec");
  EXPECT_NE(out.message.find("spec.promptVia"), std::string::npos);

  out = run_agent_phase(task("review"), agent("true"), ws_ / "missing", state_.path(), options());
  EXPECT_EQ(out.reason, "InvalidSpec");
  EXPECT_EQ(out.verdict, "INCOMPLETE");

  auto missing_cmd = agent("true");
  missing_cmd.spec.command = {"redraft-no-such-agent-cli"};
  out = run_agent_phase(task(), missing_cmd, ws_.path(), state_.path(), options());
  EXPECT_EQ(out.reason, "AgentFailed");
  EXPECT_NE(out.message.find("redraft-no-such-agent-cli"), std::string::npos);
}

}  // namespace
}  // namespace redraft::executor
