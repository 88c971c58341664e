#include "executor/agent/process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace redraft::executor {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxLineBytes = 64 * 1024;
constexpr int kTickMs = 100;  // how often a silent child is checked for exit

std::string find_in_path(const std::string& command, const std::map<std::string, std::string>& env) {
  if (command.find('/') != std::string::npos) return command;
  auto it = env.find("PATH");
  std::string path = it == env.end() ? "/usr/local/bin:/usr/bin:/bin" : it->second;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// Splits a byte stream into lines for the callback; over-long lines are delivered in pieces.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<void(std::string_view)>& sink) : sink_(sink) {}
  void feed(std::string_view data) {
    buffer_.append(data);
    std::size_t start = 0;
    while (true) {
      std::size_t nl = buffer_.find('\n', start);
      if (nl == std::string::npos) break;
      emit(std::string_view(buffer_).substr(start, nl - start));
      start = nl + 1;
    }
    buffer_.erase(0, start);
    while (buffer_.size() >= kMaxLineBytes) {
      emit(std::string_view(buffer_).substr(0, kMaxLineBytes));
      buffer_.erase(0, kMaxLineBytes);
    }
  }
  void finish() {
    if (!buffer_.empty()) emit(buffer_);
    buffer_.clear();
  }

 private:
  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!sink_) return;
    // A newline can arrive together with more than a line's worth of bytes: cut here too.
    while (line.size() > kMaxLineBytes) {
      sink_(line.substr(0, kMaxLineBytes));
      line.remove_prefix(kMaxLineBytes);
    }
    sink_(line);
  }
  const std::function<void(std::string_view)>& sink_;
  std::string buffer_;
};

// Blocks SIGPIPE for the calling thread while the prompt is written to an agent that may stop
// reading (EPIPE is handled as a normal outcome), then discards a pending one and restores the
// mask, so the executor is never killed by an agent closing its stdin early.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &previous_);
  }
  ~SigpipeGuard() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&pipe, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t previous_;
};

bool reap(pid_t pid, int& status) {
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid;
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  ProcessResult result;
  auto started_at = Clock::now();
  if (spec.argv.empty() || spec.argv[0].empty()) {
    result.start_error = "no command given";
    return result;
  }
  std::string program = find_in_path(spec.argv[0], spec.env);
  if (program.empty()) {
    result.start_error = "command not found: " + spec.argv[0];
    return result;
  }

  // Prepared before fork; the child only makes async-signal-safe calls.
  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> c_args, c_env;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  for (auto& e : env_strings) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  std::string cwd = spec.cwd.string();

  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (spec.stdin_data && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    result.start_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  SigpipeGuard sigpipe_guard;
  pid_t pid = ::fork();
  if (pid < 0) {
    result.start_error = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    // Own process group, so a timeout can kill everything the agent started.
    ::setpgid(0, 0);
    // The agent starts with default signal handling whatever the executor blocks or ignores
    // (ignored dispositions and the mask survive exec).
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int in_fd = in_pipe[0] >= 0 ? in_pipe[0] : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(in_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    // Nothing else the executor has open (sockets, repository files) is inherited.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    int err = 0;
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      err = errno;
    } else {
      ::execve(program.c_str(), c_args.data(), c_env.data());
      err = errno;
    }
    ssize_t ignored = ::write(err_pipe[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before we could signal it
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (in_pipe[0] >= 0) ::close(in_pipe[0]);

  // The error pipe closes on a successful exec; otherwise it carries the child's errno.
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (in_pipe[1] >= 0) ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    result.start_error = "cannot start " + spec.argv[0] + " in " + cwd + ": " +
                         std::strerror(child_errno);
    return result;
  }
  result.started = true;

  LineSplitter lines(spec.on_line);
  int out_fd = out_pipe[0];
  int in_fd = in_pipe[1];
  std::size_t written = 0;
  if (in_fd >= 0) {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    if (spec.stdin_data->empty()) {
      ::close(in_fd);
      in_fd = -1;
    }
  }
  auto deadline = started_at + spec.timeout;
  constexpr auto kNever = Clock::time_point::max();
  auto kill_at = kNever;      // SIGKILL time once SIGTERM was sent
  auto drain_until = kNever;  // leader gone: bounded wait for the pipe
  bool leader_done = false;
  int status = 0;
  char buffer[65536];
  // Timeout escalation, shared by both wait loops: SIGTERM the group at the deadline (unless
  // the leader was already reaped), then SIGKILL it once the grace period has passed.
  auto escalate = [&](Clock::time_point now) {
    if (!leader_done && !result.timed_out && now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + spec.kill_grace;
    }
    if (now >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = kNever;
    }
  };

  while (out_fd >= 0) {
    auto now = Clock::now();
    escalate(now);
    if (!leader_done && reap(pid, status)) {
      leader_done = true;
      // The agent is finished: whatever it left running in its group must not keep touching
      // the workspace while it is committed. Output already written is still drained.
      ::kill(-pid, SIGKILL);
      drain_until = now + std::chrono::seconds(2);
    }
    if (now >= drain_until) break;

    pollfd fds[2];
    nfds_t n = 0;
    fds[n++] = {out_fd, POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    int rc = ::poll(fds, n, kTickMs);
    if (rc < 0 && errno != EINTR) break;
    if (rc <= 0) continue;
    if (n > 1 && fds[1].revents) {
      const std::string& data = *spec.stdin_data;
      ssize_t w = ::write(in_fd, data.data() + written, data.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written >= data.size()) {
        ::close(in_fd);  // EOF for the agent (or it stopped reading: EPIPE)
        in_fd = -1;
      }
    }
    if (fds[0].revents) {
      ssize_t r = ::read(out_fd, buffer, sizeof buffer);
      if (r > 0) {
        lines.feed(std::string_view(buffer, static_cast<std::size_t>(r)));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(out_fd);
        out_fd = -1;
      }
    }
  }
  lines.finish();
  if (out_fd >= 0) ::close(out_fd);
  if (in_fd >= 0) ::close(in_fd);
  if (!leader_done) {
    // Pipe closed but the leader still runs (it closed its output): wait within the deadline.
    while (!reap(pid, status)) {
      escalate(Clock::now());  // leader_done is false here, as in the first loop's check
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid, SIGKILL);
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  result.seconds = std::chrono::duration<double>(Clock::now() - started_at).count();
  return result;
}

}  // namespace redraft::executor
