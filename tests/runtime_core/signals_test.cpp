#include <chrono>
#include <csignal>
#include <string>
#include <vector>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "operator/runtime/signals/shutdown_sequence.hpp"
#include "operator/runtime/signals/shutdown_signal.hpp"

extern char** environ;

using namespace std::chrono_literals;
namespace s = redraft::runtime::signals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

namespace {

// Runs the helper with its stdout on a pipe; kills and reaps it if the test bails out early.
class Helper {
 public:
  explicit Helper(const char* mode) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    const char* argv[] = {SIGNAL_HELPER_PATH, mode, nullptr};
    const int rc = posix_spawn(&pid_, SIGNAL_HELPER_PATH, &actions, nullptr,
                               const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (rc != 0) throw std::runtime_error("cannot start " SIGNAL_HELPER_PATH);
  }
  ~Helper() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Reads stdout until `text` appeared (or EOF / a generous timeout). Returns everything read.
  std::string read_until(const std::string& text, std::chrono::seconds timeout = 30s) {
    const auto deadline = Clock::now() + timeout;
    while (output_.find(text) == std::string::npos && Clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return output_;
  }

  void signal(int sig) { ASSERT_EQ(kill(pid_, sig), 0); }

  // Waits (polling) for the process to exit; returns its wait status, or -1 on timeout.
  int wait_exit(std::chrono::seconds timeout = 30s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

// True when every piece occurs in `text`, each after the previous one.
bool in_order(const std::string& text, const std::vector<std::string>& pieces) {
  std::size_t pos = 0;
  for (const auto& piece : pieces) {
    pos = text.find(piece, pos);
    if (pos == std::string::npos) return false;
    pos += piece.size();
  }
  return true;
}

}  // namespace

TEST(ShutdownSignal, FirstSignalDrainsTheControllerThenReleasesTheLeaseAndExitsZero) {
  Helper helper("graceful");
  ASSERT_TRUE(in_order(helper.read_until("ready"), {"reconcile start\n", "ready\n"}));
  helper.signal(SIGTERM);
  const int status = helper.wait_exit();
  ASSERT_NE(status, -1) << "helper did not exit";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const auto out = helper.read_until("exiting");
  // The running reconcile finished before the lease was released, then the process exited.
  EXPECT_TRUE(in_order(out, {"signal " + std::to_string(SIGTERM) + "\n", "reconcile end\n",
                             "lease released\n", "exiting\n"}))
      << out;
}

TEST(ShutdownSignal, SigintIsHandledLikeSigterm) {
  Helper helper("graceful");
  ASSERT_THAT(helper.read_until("ready"), HasSubstr("ready"));
  helper.signal(SIGINT);
  const int status = helper.wait_exit();
  ASSERT_TRUE(status != -1 && WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_THAT(helper.read_until("exiting"), HasSubstr("signal " + std::to_string(SIGINT)));
}

TEST(ShutdownSignal, SecondSignalExitsAtOnceWhileTheDrainHangs) {
  Helper helper("hang");
  ASSERT_THAT(helper.read_until("ready"), HasSubstr("ready"));
  helper.signal(SIGTERM);
  ASSERT_THAT(helper.read_until("draining"), HasSubstr("draining"));
  helper.signal(SIGTERM);
  const int status = helper.wait_exit();
  ASSERT_NE(status, -1) << "second signal did not end the process";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), s::immediate_exit_code(SIGTERM));
  EXPECT_EQ(s::immediate_exit_code(SIGTERM), 143);
  EXPECT_THAT(helper.read_until("exiting", 1s), testing::Not(HasSubstr("exiting")));
}

TEST(ShutdownSignal, InProcessCallbackRunsOnItsOwnThreadAndHandlersAreRestored) {
  struct sigaction before {};
  sigaction(SIGUSR1, nullptr, &before);
  {
    int received = 0;
    std::thread::id callback_thread;
    s::ShutdownSignal shutdown(
        [&](int sig) {
          received = sig;
          callback_thread = std::this_thread::get_id();
        },
        {SIGUSR1});
    EXPECT_FALSE(shutdown.requested());
    EXPECT_THROW(s::ShutdownSignal([](int) {}, {SIGUSR2}), std::logic_error);  // one per process
    raise(SIGUSR1);
    ASSERT_TRUE(shutdown.wait_for(30s));
    EXPECT_TRUE(shutdown.requested());
    EXPECT_EQ(received, SIGUSR1);
    EXPECT_NE(callback_thread, std::this_thread::get_id());
  }
  struct sigaction after {};
  sigaction(SIGUSR1, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  // With the instance gone a new one can be installed (and destroyed without any signal).
  s::ShutdownSignal again([](int) {}, {SIGUSR1});
  EXPECT_FALSE(again.wait_for(10ms));
}

TEST(ShutdownSequence, RunsEveryStepInOrderOnceEvenWhenOneThrows) {
  std::vector<std::string> ran;
  s::ShutdownSequence sequence;
  sequence.add("controllers", [&] {
    ran.push_back("controllers");
    throw std::runtime_error("drain failed");
  });
  sequence.add("leader lease", [&] { ran.push_back("leader lease"); });
  EXPECT_EQ(sequence.run(), std::vector<std::string>{"controllers"});
  EXPECT_EQ(ran, (std::vector<std::string>{"controllers", "leader lease"}));
  EXPECT_TRUE(sequence.run().empty());  // a second run does nothing
  EXPECT_EQ(ran.size(), 2u);
  EXPECT_THROW(sequence.add("", [] {}), std::invalid_argument);
}
