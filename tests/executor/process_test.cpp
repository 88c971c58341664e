// The agent process runner against real processes (sh, sleep).
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <thread>

#include "executor/agent/process.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::executor {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

ProcessSpec shell(const std::string& script, const fs::path& cwd) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", script};
  spec.cwd = cwd;
  spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  spec.timeout = 60s;
  spec.kill_grace = 2s;
  return spec;
}

// True once the process is gone (or a zombie about to be reaped by init).
bool process_gone(int pid) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    if (close != std::string::npos && close + 2 < all.size() && all[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

int read_pid(const fs::path& file) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(file);
    int pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

TEST(RunProcess, StreamsLinesAndReportsExitCode) {
  fixtures::TempDir dir;
  std::vector<std::string> lines;
  auto spec = shell("echo one; echo two >&2; printf 'no-newline'; exit 4", dir.path());
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "no-newline"}));
}

TEST(RunProcess, RunsInCwdWithExactlyTheGivenEnvironment) {
  fixtures::TempDir dir;
  ::setenv("REDRAFT_PROCESS_TEST_LEAK", "leak", 1);
  std::vector<std::string> lines;
  auto spec = shell("pwd; env | sort", dir.path());
  spec.env["ONLY_THIS"] = "1";
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  ::unsetenv("REDRAFT_PROCESS_TEST_LEAK");
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], dir.path().string());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "ONLY_THIS=1"), lines.end());
  for (const auto& l : lines) EXPECT_EQ(l.find("REDRAFT_PROCESS_TEST_LEAK"), std::string::npos);
}

TEST(RunProcess, DeliversStdin) {
  fixtures::TempDir dir;
  std::string big(300000, 'z');  // larger than a pipe buffer
  std::vector<std::string> lines;
  auto spec = shell("wc -c", dir.path());
  spec.stdin_data = big;
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(std::stoul(lines[0]), big.size());
}

TEST(RunProcess, AgentThatStopsReadingStdinDoesNotKillUs) {
  fixtures::TempDir dir;
  // The shell closes its stdin too, so nobody reads: our next write gets EPIPE.
  auto spec = shell("head -c 10 > /dev/null; exec 0<&-; sleep 1; echo read-some", dir.path());
  spec.stdin_data = std::string(4 * 1024 * 1024, 'p');  // far more than a pipe buffer
  std::vector<std::string> lines;
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);  // would die of SIGPIPE without the guard
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines, std::vector<std::string>{"read-some"});
}

TEST(RunProcess, AgentGetsDefaultSignalHandlingEvenIfWeIgnoreSigpipe) {
  fixtures::TempDir dir;
  auto previous = ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> lines;
  // With SIGPIPE ignored, `yes` would loop forever on EPIPE... or print errors; with the default
  // disposition it dies quietly once head is done.
  auto spec = shell("yes | head -n 2; grep SigIgn /proc/self/status", dir.path());
  spec.timeout = 30s;
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  ::signal(SIGPIPE, previous);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(lines.size(), 3u);
  // Bit 13 (SIGPIPE) of the ignored mask is clear in the agent's own process.
  unsigned long long ignored = std::stoull(lines[2].substr(lines[2].find(':') + 1), nullptr, 16);
  EXPECT_EQ(ignored & (1ULL << (SIGPIPE - 1)), 0ULL) << lines[2];
}

TEST(RunProcess, AgentThatClosesItsOutputStillTimesOut) {
  fixtures::TempDir dir;
  auto spec = shell("exec >/dev/null 2>&1; sleep 1000", dir.path());
  spec.timeout = 1s;
  spec.kill_grace = 500ms;
  auto started = std::chrono::steady_clock::now();
  auto r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST(RunProcess, TimeoutKillsTheWholeGroupIncludingChildren) {
  fixtures::TempDir dir;
  auto spec = shell("sleep 1000 & echo $! > child.pid; sleep 1000", dir.path());
  spec.timeout = 1500ms;
  auto started = std::chrono::steady_clock::now();
  auto r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  int child = read_pid(dir / "child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(process_gone(child));
}

TEST(RunProcess, IgnoredSigtermEscalatesToSigkill) {
  fixtures::TempDir dir;
  auto spec = shell("trap '' TERM; sleep 1000 & echo $! > child.pid; while :; do sleep 1; done",
                    dir.path());
  spec.timeout = 1s;
  spec.kill_grace = 500ms;
  auto r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  int child = read_pid(dir / "child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(process_gone(child));
}

TEST(RunProcess, BackgroundLeftoversAreKilledWhenTheAgentExits) {
  fixtures::TempDir dir;
  auto spec = shell("sleep 1000 & echo $! > child.pid; echo done", dir.path());
  auto started = std::chrono::steady_clock::now();
  auto r = run_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  int child = read_pid(dir / "child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(process_gone(child));
}

TEST(RunProcess, StartFailuresAreReported) {
  fixtures::TempDir dir;
  ProcessSpec spec;
  spec.argv = {"redraft-no-such-command"};
  spec.cwd = dir.path();
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  auto r = run_process(spec);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.start_error.find("command not found: redraft-no-such-command"), std::string::npos);

  spec.argv = {"sh", "-c", "true"};
  spec.cwd = dir / "missing";
  r = run_process(spec);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.start_error.find("No such file"), std::string::npos) << r.start_error;

  fixtures::write_file(dir / "not-exec.sh", "echo hi");
  spec.argv = {(dir / "not-exec.sh").string()};
  spec.cwd = dir.path();
  r = run_process(spec);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.start_error.find("Permission denied"), std::string::npos) << r.start_error;

  spec.argv = {};
  EXPECT_FALSE(run_process(spec).started);
}

TEST(RunProcess, LongLinesAreDeliveredInPieces) {
  fixtures::TempDir dir;
  std::vector<std::string> lines;
  auto spec = shell("head -c 200000 /dev/zero | tr '\\0' 'a'; echo", dir.path());
  spec.on_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0);
  std::size_t total = 0;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 64u * 1024u);
    total += l.size();
  }
  EXPECT_EQ(total, 200000u);
  EXPECT_GT(lines.size(), 1u);
}

}  // namespace
}  // namespace redraft::executor
