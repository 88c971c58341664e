// Runs hack/demo.sh (the README's run command) against the already-built binaries and checks that
// the whole code → review NO-GO → revision → review GO loop happened through the operator, and
// that the script fails loudly when the stack cannot do its job.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

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

// Processes that are in process group `pgid` or whose parent is this test process (orphans are
// reparented here: the test is a child subreaper), zombies excluded.
std::vector<std::string> leftovers(pid_t pgid) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    long ppid = 0, group = 0;
    rest >> state >> ppid >> group;
    if (state == "Z") continue;
    if (group == pgid || ppid == ::getpid()) {
      std::ifstream cmd(entry.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      out.push_back(pid + " " + cmdline);
    }
  }
  return out;
}

TEST(Demo, CtrlCStopsEveryProcessItStarted) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  TempDir dir("redraft-demo-interrupt");
  const std::string out_path = (dir.path() / "out").string();
  write_file(out_path, "");
  ScopedEnv skip("REDRAFT_DEMO_SKIP_BUILD", "1"), exe("REDRAFT_EXECUTOR", REDRAFT_EXECUTOR_PATH),
      dev("REDRAFT_DEVSERVER", REDRAFT_DEVSERVER_PATH), node("REDRAFT_LOCALNODE", REDRAFT_LOCALNODE_PATH),
      op("REDRAFT_OPERATOR", REDRAFT_OPERATOR_PATH);
  std::string script = std::string(REDRAFT_SOURCE_DIR) + "/hack/demo.sh";
  char* argv[] = {script.data(), nullptr};
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_APPEND, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  auto output = [&] { return read_file(out_path); };
  // Interrupt while a task pod runs (the three processes, git daemon and pods all alive).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (output().find("==> task demo-issue-1-code ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(output().find("==> task demo-issue-1-code "), std::string::npos) << output();
  ::kill(pid, SIGINT);  // what Ctrl-C sends the script (its background children ignore SIGINT)
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 600 && !exited; ++i) {  // up to 60 s
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<std::string> left;
  for (int i = 0; i < 50; ++i) {  // a killed process may take a moment to be reaped
    left = leftovers(pid);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Clean up whatever is left before asserting, so a failure leaves nothing running either.
  ::kill(-pid, SIGKILL);
  for (const auto& l : left) ::kill(std::stoi(l), SIGKILL);
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  ASSERT_TRUE(exited) << "the demo did not exit after SIGINT\n" << output();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << "wait status " << status << "\n" << output();
  EXPECT_TRUE(left.empty()) << "left running:\n" << ::testing::PrintToString(left) << "\n" << output();
  // The work directory is gone too.
  const auto at = output().find("export KUBECONFIG=");
  ASSERT_NE(at, std::string::npos);
  const std::string kubeconfig = output().substr(at + 18, output().find(' ', at + 18) - at - 18);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(kubeconfig).parent_path())) << kubeconfig;
}

}  // namespace
}  // namespace redraft::fixtures
