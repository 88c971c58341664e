#include "hack/localnode/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace redraft::localnode {
namespace fs = std::filesystem;

namespace {

constexpr int kErrorFd = 3;

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + errno_text(errno));
}

void write_all(int fd, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void write_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("open " + path);
  ssize_t n = ::write(fd, content.data(), content.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    errno = err;
    fail("write " + path);
  }
}

void enter_namespaces() {
  if (::geteuid() == 0) {
    if (::unshare(CLONE_NEWNS | CLONE_NEWPID) != 0)
      fail("cannot create private mount and PID namespaces for the container (unshare CLONE_NEWNS|CLONE_NEWPID)");
  } else {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0)
      fail("cannot create a private mount namespace for the container: not root, and unprivileged "
           "user namespaces are not available (unshare CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID); run "
           "redraft-localnode as root or enable user namespaces");
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  // Nothing mounted from here on may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    fail("make / private in the container's mount namespace");
}

bool is_ancestor(const std::string& dir, const std::string& path) {
  if (dir == "/") return path.size() > 1;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

void bind_mount(const std::string& source, const std::string& target, bool recursive) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | (recursive ? MS_REC : 0), nullptr) != 0)
    fail("bind mount " + source + " at " + target);
}

void make_placeholder(const std::string& path, bool directory) {
  if (directory) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir " + path);
  } else {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) fail("create " + path);
    ::close(fd);
  }
}

// Rebuilds host directory `host` at `view` as a tmpfs whose entries are bind mounts of the
// host's, descending into the directories that lie on the way to a mount target.
void mirror(const std::string& host, const std::string& view, const std::vector<std::string>& targets) {
  if (::mount("tmpfs", view.c_str(), "tmpfs", 0, "mode=0755") != 0) fail("mount tmpfs at " + view);
  DIR* dir = ::opendir(host.c_str());
  if (!dir) fail("open directory " + host);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  for (const auto& name : names) {
    const std::string h = host == "/" ? "/" + name : host + "/" + name;
    const std::string v = view + "/" + name;
    if (std::find(targets.begin(), targets.end(), h) != targets.end()) continue;  // mounted later
    struct stat st {};
    if (::lstat(h.c_str(), &st) != 0) continue;  // vanished
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(h.c_str(), buf, sizeof buf - 1);
      if (n < 0) continue;
      buf[n] = 0;
      if (::symlink(buf, v.c_str()) != 0) fail("symlink " + v);
      continue;
    }
    const bool directory = S_ISDIR(st.st_mode);
    bool on_the_way = false;
    for (const auto& t : targets) on_the_way = on_the_way || is_ancestor(h, t);
    make_placeholder(v, directory);
    if (directory && on_the_way) {
      mirror(h, v, targets);
    } else {
      bind_mount(h, v, directory);
    }
  }
}

void remount_read_only(const std::string& target) {
  struct statvfs sv {};
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (::statvfs(target.c_str(), &sv) == 0) {
    // A user namespace may not drop these flags of a mount it inherited.
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  }
  if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0)
    fail("remount " + target + " read-only");
}

void create_parents(const std::string& view_path) {
  std::size_t pos = 1;
  while ((pos = view_path.find('/', pos)) != std::string::npos) {
    std::string dir = view_path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir " + dir);
    ++pos;
  }
}

void build_view(const LaunchSpec& spec) {
  const std::string root = spec.root_dir.string();
  // Mount targets resolved through the host's symlinks (/var/run → /run), so that every
  // directory created below lies on a tmpfs of ours.
  std::vector<std::pair<std::string, const MountPlan*>> mounts;
  for (const auto& m : spec.mounts) {
    std::string t = fs::weakly_canonical(fs::path(m.target)).lexically_normal().string();
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    if (t == "/") throw std::runtime_error("mountPath \"/\" is not supported");
    mounts.emplace_back(t, &m);
  }
  std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) {
    return std::count(a.first.begin(), a.first.end(), '/') <
           std::count(b.first.begin(), b.first.end(), '/');
  });
  std::vector<std::string> targets;
  for (const auto& [t, m] : mounts) {
    // Directories inside another mount are created in that volume (as the kubelet does).
    bool inside_other = false;
    for (const auto& [o, om] : mounts) inside_other = inside_other || is_ancestor(o, t);
    if (!inside_other) targets.push_back(t);
  }
  mirror("/", root, targets);
  for (const auto& [t, m] : mounts) {
    const std::string v = root + t;
    create_parents(v);
    struct stat st {};
    if (::stat(m->source.c_str(), &st) != 0) fail("volume source " + m->source.string());
    make_placeholder(v, S_ISDIR(st.st_mode));
    bind_mount(m->source.string(), v, true);
  }
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it)
    if (it->second->read_only) remount_read_only(root + it->first);
}

void close_other_fds() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, kErrorFd + 1, ~0U, 0) == 0) return;
#endif
  for (int fd = kErrorFd + 1; fd < 4096; ++fd) ::close(fd);
}

void no_op_handler(int) {}

// SIGTERM and friends reach the command through its process group; the helper and the
// namespace's init only pass its exit on.
void ignore_forwarded_signals() {
  struct sigaction sa {};
  sa.sa_handler = no_op_handler;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM})
    ::sigaction(sig, &sa, nullptr);
}

[[noreturn]] void exec_command(const LaunchSpec& spec) {
  std::vector<std::string> args = spec.argv, env = spec.env;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Handlers set by the helper/init are reset by exec; ignored signals are not, so restore them.
  for (int sig = 1; sig < 32; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  close_other_fds();
  ::fcntl(kErrorFd, F_SETFD, FD_CLOEXEC);
  environ = envp.data();  // execvp searches the container's PATH
  ::execvp(argv[0], argv.data());
  const int err = errno;
  if (err == ENOENT && std::strchr(argv[0], '/') == nullptr)
    throw std::runtime_error("exec: \"" + spec.argv[0] + "\": executable file not found in $PATH");
  errno = err;
  fail("exec: \"" + spec.argv[0] + "\"");
}

// Pid 1 of the container's PID namespace: shows the namespace's own /proc, starts the command
// and reaps whatever is reparented to it. When the command exits, init exits with its code, and
// the kernel kills every process left in the namespace (double-forked daemons included).
[[noreturn]] void container_init(const LaunchSpec& spec) {
  try {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the helper gone ⇒ the whole namespace goes
    const std::string proc = spec.root_dir.string() + "/proc";
    // Without a fresh /proc, `ps` and /proc/self would show the host's pids. A user namespace
    // may be refused this mount; the host's /proc then stays visible.
    if (::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 && ::geteuid() == 0)
      fail("mount /proc in the container");
    if (::chdir(spec.root_dir.c_str()) != 0) fail("chdir " + spec.root_dir.string());
    if (::chroot(".") != 0) fail("chroot " + spec.root_dir.string());
    const std::string wd = spec.working_dir.empty() ? "/" : spec.working_dir;
    std::error_code ec;
    fs::create_directories(wd, ec);
    if (::chdir(wd.c_str()) != 0) fail("workingDir " + wd);
    const pid_t command = ::fork();
    if (command < 0) fail("fork the command");
    if (command == 0) {
      try {
        exec_command(spec);
      } catch (const std::exception& e) {
        write_all(kErrorFd, e.what());
      }
      ::_exit(128);
    }
    ::close(kErrorFd);
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(-1, &status, 0);
      if (done < 0 && errno == EINTR) continue;
      if (done < 0) ::_exit(128);
      if (done == command) ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
  } catch (const std::exception& e) {
    write_all(kErrorFd, e.what());
  }
  ::_exit(128);
}

[[noreturn]] void helper_main(const fs::path& spec_file) {
  std::ifstream in(spec_file);
  if (!in) throw std::runtime_error("cannot read the launch spec " + spec_file.string());
  LaunchSpec spec = launch_spec_from_json(nlohmann::json::parse(in));
  if (spec.argv.empty()) throw std::runtime_error("empty command");
  enter_namespaces();
  build_view(spec);
  // If the node dies, its containers die with it (the node fails them on restart).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) throw std::runtime_error("the node exited while the container started");
  // The helper stays outside the container's PID namespace as the process the node waits for; it
  // must outlive a SIGTERM sent to the whole group so that it reports the command's own exit.
  ignore_forwarded_signals();
  const pid_t init = ::fork();
  if (init < 0) fail("fork the container's init");
  if (init == 0) container_init(spec);
  ::close(kErrorFd);
  int status = 0;
  while (::waitpid(init, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(128);
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

struct Proc {
  pid_t ppid, pgrp, session;
  unsigned long long start_time;
};

// Fields of /proc/PID/stat after the command name: state ppid pgrp session ... starttime (22).
std::optional<Proc> read_proc_stat(const std::string& pid_text, bool include_zombies) {
  std::ifstream stat("/proc/" + pid_text + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string state, skip;
  long ppid = 0, pgrp = 0, session = 0;
  rest >> state >> ppid >> pgrp >> session;
  for (int field = 7; field < 22; ++field) rest >> skip;  // tty_nr .. itrealvalue
  unsigned long long start = 0;
  rest >> start;
  if (!rest) return std::nullopt;
  if (!include_zombies && (state == "Z" || state == "X")) return std::nullopt;
  return Proc{static_cast<pid_t>(ppid), static_cast<pid_t>(pgrp), static_cast<pid_t>(session), start};
}

std::map<pid_t, Proc> all_processes() {
  std::map<pid_t, Proc> procs;
  DIR* dir = ::opendir("/proc");
  if (!dir) return procs;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (auto p = read_proc_stat(e->d_name, false)) procs[static_cast<pid_t>(std::atol(e->d_name))] = *p;
  }
  ::closedir(dir);
  return procs;
}

// The container's processes: its session and process group, and every descendant of its leader
// (a child that started a session of its own is still the container's).
std::vector<pid_t> session_members(pid_t leader) {
  const std::map<pid_t, Proc> procs = all_processes();
  std::set<pid_t> out;
  for (const auto& [pid, p] : procs)
    if (p.session == leader || p.pgrp == leader) out.insert(pid);
  // Descendants of any member found so far, until nothing new appears.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, p] : procs) {
      if (!out.contains(pid) && (p.ppid == leader || out.contains(p.ppid))) {
        out.insert(pid);
        grew = true;
      }
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace

nlohmann::json to_json(const LaunchSpec& spec) {
  nlohmann::json mounts = nlohmann::json::array();
  for (const auto& m : spec.mounts)
    mounts.push_back({{"source", m.source.string()}, {"target", m.target}, {"readOnly", m.read_only}});
  return {{"argv", spec.argv}, {"env", spec.env}, {"workingDir", spec.working_dir},
          {"rootDir", spec.root_dir.string()}, {"mounts", mounts}};
}

LaunchSpec launch_spec_from_json(const nlohmann::json& j) {
  LaunchSpec s;
  s.argv = j.at("argv").get<std::vector<std::string>>();
  s.env = j.at("env").get<std::vector<std::string>>();
  s.working_dir = j.value("workingDir", "");
  s.root_dir = j.at("rootDir").get<std::string>();
  for (const auto& m : j.at("mounts"))
    s.mounts.push_back({m.at("source").get<std::string>(), m.at("target").get<std::string>(),
                        m.value("readOnly", false)});
  return s;
}

void run_container_helper(const fs::path& spec_file) {
  try {
    helper_main(spec_file);
  } catch (const std::exception& e) {
    write_all(kErrorFd, e.what());
  } catch (...) {
    write_all(kErrorFd, "container set-up failed");
  }
  ::_exit(128);
}

Launched launch_container(const fs::path& self_exe, const LaunchSpec& spec, const fs::path& spec_file,
                          const fs::path& log_file) {
  Launched out;
  {
    // The spec holds the container's environment (Secret values included): owner-only, and
    // removed as soon as the helper has read it (once the command runs).
    const std::string text = to_json(spec).dump();
    int fd = ::open(spec_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (fd >= 0) ::close(fd);
    if (!written) {
      out.error = "cannot write " + spec_file.string();
      return out;
    }
  }
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    out.error = "cannot open the log file " + log_file.string() + ": " + errno_text(errno);
    return out;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    out.error = std::string("pipe: ") + errno_text(errno);
    return out;
  }
  // Keep the write end away from fd 3 so that the dup2 below always clears FD_CLOEXEC.
  int error_w = ::fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 10);
  ::close(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  posix_spawn_file_actions_adddup2(&actions, error_w, kErrorFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigemptyset(&all);
  // Ignored signals stay ignored across exec: reset every catchable one.
  for (int sig = 1; sig < 32; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&all, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::string exe = self_exe.string(), flag = "--run-container", spec_arg = spec_file.string();
  std::string arg0 = "redraft-localnode";
  char* argv[] = {arg0.data(), flag.data(), spec_arg.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(error_w);
  ::close(log_fd);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    out.error = "cannot spawn the container helper " + exe + ": " + errno_text(rc);
    return out;
  }
  std::string message;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  std::error_code ec;
  fs::remove(spec_file, ec);
  if (!message.empty()) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.error = message;
    return out;
  }
  out.pid = pid;
  return out;
}

void signal_container(pid_t leader, int sig) {
  if (leader <= 1) return;
  ::kill(-leader, sig);
  for (pid_t p : session_members(leader)) ::kill(p, sig);
}

bool container_processes_alive(pid_t leader) { return leader > 1 && !session_members(leader).empty(); }

std::optional<int> reap_if_exited(pid_t leader) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(leader), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == EINTR ? std::nullopt : std::optional<int>(128 + SIGKILL);
  if (info.si_pid == 0) return std::nullopt;
  signal_container(leader, SIGKILL);
  int status = 0;
  while (::waitpid(leader, &status, 0) < 0) {
    if (errno != EINTR) return 128 + SIGKILL;
  }
  return exit_code_of(status);
}

std::string container_id_of(const ProcessIdentity& id) {
  return "localnode://" + std::to_string(id.pid) + "/" + std::to_string(id.start_time) + "/" + id.boot_id;
}

std::optional<ProcessIdentity> parse_container_id(const std::string& container_id) {
  static const std::string prefix = "localnode://";
  if (!container_id.starts_with(prefix)) return std::nullopt;
  const std::string rest = container_id.substr(prefix.size());
  const auto a = rest.find('/');
  const auto b = a == std::string::npos ? a : rest.find('/', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const std::string pid = rest.substr(0, a), start = rest.substr(a + 1, b - a - 1), boot = rest.substr(b + 1);
  const auto digits = [](const std::string& t) {
    return !t.empty() && t.size() < 20 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(pid) || !digits(start) || boot.empty() || boot.find('/') != std::string::npos) return std::nullopt;
  ProcessIdentity id;
  id.pid = static_cast<pid_t>(std::stoll(pid));
  id.start_time = std::stoull(start);
  id.boot_id = boot;
  if (id.pid <= 1) return std::nullopt;
  return id;
}

std::string current_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::optional<ProcessIdentity> identity_of(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto p = read_proc_stat(std::to_string(pid), true);
  if (!p) return std::nullopt;
  return ProcessIdentity{pid, p->start_time, current_boot_id()};
}

std::string kill_leftovers(const ProcessIdentity& id) {
  if (id.pid <= 1) return "no pid";
  if (id.boot_id != current_boot_id()) return "recorded in another boot (" + id.boot_id + ")";
  if (auto now = identity_of(id.pid)) {
    if (now->start_time != id.start_time)
      return "pid " + std::to_string(id.pid) + " now belongs to another process (started at " +
             std::to_string(now->start_time) + ", the container's at " + std::to_string(id.start_time) + ")";
    signal_container(id.pid, SIGKILL);
    return "";
  }
  // The leader is gone. Its pid cannot be reused while a session or process group still carries
  // it, so those members are the container's; the start-time bound rules out the rest.
  for (const auto& [pid, p] : all_processes())
    if ((p.session == id.pid || p.pgrp == id.pid) && p.start_time >= id.start_time) ::kill(pid, SIGKILL);
  return "";
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 128;
}

}  // namespace redraft::localnode
