// The executor over smart HTTP (git http-backend behind a token-checking server): token auth,
// auth failures, redaction, and the lease on a stateless transport.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "tests/git/scenario_fixture.hpp"

namespace redraft::gittest {
namespace {

class ExecutorHttp : public GitScenario {
 protected:
  void SetUp() override {
    GitScenario::SetUp();
    start_http();
    http_url_ = http_->url_for("origin");
  }
  nlohmann::json agent(const std::string& body) {
    return make_agent("coder", ExecutorRun::write_script(root_->path() / ("a" + std::to_string(n_++) + ".sh"), body));
  }
  std::string http_url_;
  int n_ = 0;
};

void expect_no_token(const PhaseRun& r) {
  EXPECT_EQ(r.all_output().find(kToken), std::string::npos) << r.all_output();
  EXPECT_EQ(r.result.dump().find(kToken), std::string::npos) << r.result.dump();
}

TEST_F(ExecutorHttp, TokenAuthRestoresAndPushes) {
  const std::string prior = push_commit("main", "redraft/h/1", {{"p.txt", "p\n"}}, "prior");
  auto task = make_task("code", http_url_, "redraft/h/1");
  task["spec"]["reviseFromBranch"] = "redraft/h/1";
  ExecutorRun run(task, agent("echo more >> p.txt"));
  run.set_credentials({{"token", std::string(kToken) + "\n"}});
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.verdict, "PUSHED") << all.status.message << all.all_output();
  ASSERT_TRUE(all.status.restore.has_value());
  EXPECT_EQ(all.status.restore->fromSha, prior);
  EXPECT_EQ(rev(*remote_sha("redraft/h/1") + "^"), prior);
  EXPECT_EQ(file_at(*remote_sha("redraft/h/1"), "p.txt"), "p\nmore\n");
  expect_no_token(all);
  // The token went over the wire only as basic auth, never in a URL the workspace kept.
  EXPECT_GT(http_->authorization_headers().size(), 0u);
  EXPECT_EQ(fixtures::read_file(run.workspace() / ".git" / "config").find(kToken), std::string::npos);
}

TEST_F(ExecutorHttp, UsernamePasswordFilesWork) {
  auto task = make_task("code", http_url_, "redraft/h/2");
  ExecutorRun run(task, agent("echo x > x.txt"));
  run.set_credentials({{"username", "someone"}, {"password", kToken}});
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.verdict, "PUSHED") << all.status.message;
  expect_no_token(all);
}

TEST_F(ExecutorHttp, WrongTokenIsAuthFailedWithoutFallbackAndNeverPrinted) {
  auto task = make_task("code", http_url_, "redraft/h/3");
  task["spec"]["reviseFromBranch"] = "redraft/h/3";
  ExecutorRun run(task, agent("echo x > x.txt"));
  const std::string wrong = "wrong-token-0123456789";
  run.set_credentials({{"token", wrong}});
  PhaseRun prep = run.phase("prepare");
  ASSERT_EQ(prep.process.exit_code, 0);
  EXPECT_EQ(prep.status.phase, "Failed");
  EXPECT_EQ(prep.status.reason, "AuthFailed") << prep.status.message;
  EXPECT_FALSE(prep.status.restore.has_value());
  EXPECT_EQ(prep.all_output().find(wrong), std::string::npos) << prep.all_output();
  EXPECT_EQ(prep.result.dump().find(wrong), std::string::npos);
  // It gave up quickly instead of letting libgit2 retry the same token over and over.
  EXPECT_LE(http_->unauthorized_count(), 6u);
}

TEST_F(ExecutorHttp, MissingCredentialsIsAuthFailed) {
  auto task = make_task("code", http_url_, "redraft/h/4");
  ExecutorRun run(task, agent("true"));
  PhaseRun prep = run.phase("prepare");
  EXPECT_EQ(prep.status.reason, "AuthFailed") << prep.status.message;
}

TEST_F(ExecutorHttp, TokenEmbeddedInTheUrlIsRejectedWithoutEchoingIt) {
  const std::string leaky = "http://user:" + std::string(kToken) + "@127.0.0.1:" +
                            std::to_string(http_->port()) + "/origin.git";
  auto task = make_task("code", leaky, "redraft/h/5");
  ExecutorRun run(task, agent("true"));
  http_->reset_counters();
  PhaseRun prep = run.phase("prepare");
  EXPECT_EQ(prep.status.reason, "InvalidSpec") << prep.status.message;
  EXPECT_NE(prep.status.message.find("spec.repo.url"), std::string::npos) << prep.status.message;
  EXPECT_EQ(http_->request_count(), 0u);
  expect_no_token(prep);
}

// Accepts TCP connections (the kernel completes the handshake) but never reads or answers.
class BlackHole {
 public:
  BlackHole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
      throw std::runtime_error("black hole: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~BlackHole() { ::close(fd_); }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(ExecutorHttp, UnresponsiveRemoteHitsTheGitDeadline) {
  BlackHole hole;
  auto task = make_task("code", "http://127.0.0.1:" + std::to_string(hole.port()) + "/origin.git", "redraft/h/8");
  ExecutorRun run(task, agent("echo x > x.txt"));
  run.set_credentials({{"token", kToken}});
  run.set_env("REDRAFT_GIT_TIMEOUT_SECONDS", "2");
  const auto started = std::chrono::steady_clock::now();
  PhaseRun all = run.phase("run");
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(all.process.exit_code, 0) << all.all_output();
  EXPECT_EQ(all.status.phase, "Failed");
  EXPECT_EQ(all.status.reason, "CloneFailed") << all.status.message;
  EXPECT_NE(all.status.message.find("did not finish within 2s"), std::string::npos) << all.status.message;
  EXPECT_LT(took, std::chrono::seconds(120));
  EXPECT_FALSE(std::filesystem::exists(run.workspace() / "x.txt"));  // the agent never ran
  // The state dir says so too, so a separate publish process pushes nothing.
  PhaseRun pub = run.phase("publish");
  EXPECT_EQ(pub.status.reason, "CloneFailed");
}

TEST_F(ExecutorHttp, AgentCannotMoveTheTipOrLeaseRecordedByPrepare) {
  const std::string prior = push_commit("main", "redraft/h/9", {{"p.txt", "p\n"}}, "prior");
  auto task = make_task("code", http_url_, "redraft/h/9");
  task["spec"]["reviseFromBranch"] = "redraft/h/9";
  task["spec"]["allowOverwrite"] = true;
  // The agent rewrites prepare.json so publish would build on the base and overwrite `prior`.
  ExecutorRun run(task, agent("echo x > x.txt\n"
                              "state=$(dirname \"$REDRAFT_PROMPT_FILE\")/prepare.json\n"
                              "sed -i 's/\"tipSha\":\"[0-9a-f]*\"/\"tipSha\":\"" + main_sha_ + "\"/' \"$state\"\n"
                              "grep -q " + main_sha_ + " \"$state\""));
  run.set_credentials({{"token", kToken}});
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.phase, "Failed");
  EXPECT_EQ(all.status.reason, "InternalError") << all.status.message;
  EXPECT_NE(all.status.message.find("integrity"), std::string::npos) << all.status.message;
  EXPECT_EQ(remote_sha("redraft/h/9"), prior);
}

TEST_F(ExecutorHttp, ForeignPushBetweenPrepareAndPublishIsLeaseRejected) {
  push_commit("main", "redraft/h/6", {{"p.txt", "p\n"}}, "prior");
  auto task = make_task("code", http_url_, "redraft/h/6");
  task["spec"]["reviseFromBranch"] = "redraft/h/6";
  task["spec"]["allowOverwrite"] = true;
  ExecutorRun run(task, agent("echo mine > mine.txt"));
  run.set_credentials({{"token", kToken}});
  EXPECT_EQ(run.phase("prepare").status.phase, "Running");
  run.phase("agent");
  const std::string foreign = push_commit("redraft/h/6", "redraft/h/6", {{"f.txt", "f\n"}}, "foreign");
  PhaseRun pub = run.phase("publish");
  EXPECT_EQ(pub.status.reason, "LeaseRejected") << pub.status.message;
  EXPECT_EQ(remote_sha("redraft/h/6"), foreign);
}

TEST_F(ExecutorHttp, SeparatePushUrlReceivesTheBranch) {
  // Upstream over HTTP, the working branch on a fork served by git daemon.
  const auto fork = fixtures::make_bare_repo(remotes_, "fork");
  auto task = make_task("code", http_url_, "redraft/h/7");
  task["spec"]["repo"]["pushUrl"] = daemon_->url_for("fork");
  ExecutorRun run(task, agent("echo forked > forked.txt"));
  run.set_credentials({{"token", kToken}});
  PhaseRun all = run.phase("run");
  EXPECT_EQ(all.status.verdict, "PUSHED") << all.status.message;
  auto pushed = fixtures::remote_ref_sha(fork.string(), "refs/heads/redraft/h/7");
  ASSERT_TRUE(pushed);
  EXPECT_FALSE(remote_sha("redraft/h/7"));
  EXPECT_EQ(all.status.commitSha, *pushed);
}

}  // namespace
}  // namespace redraft::gittest
