#include "localnode_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace redraft::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' &&
         line[close + 2] != 'X';
}

std::string LocalNodeProcess::binary_path() {
  if (const char* env = std::getenv("REDRAFT_LOCALNODE")) return env;
  return REDRAFT_LOCALNODE_BINARY;
}

LocalNodeProcess::LocalNodeProcess(const std::string& kubeconfig, const fs::path& root,
                                   const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv{binary_path(), "--kubeconfig", kubeconfig, "--root", root.string(),
                                "--name", name};
  argv.insert(argv.end(), args.begin(), args.end());
  stderr_file_ = root.parent_path() / ("localnode-" + name + "-" + std::to_string(::time(nullptr)) + ".log");
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    int err = ::open(stderr_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  const int fd = out[0];
  reader_ = std::thread([this, fd] {
    std::string pending;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::lock_guard lock(mu_);
        lines_.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    ::close(fd);
  });
}

LocalNodeProcess::~LocalNodeProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();
}

bool LocalNodeProcess::wait_for_line(const std::string& line, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    for (const auto& l : lines_)
      if (l == line) return true;
    return false;
  });
}

int LocalNodeProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (reaped_) return -1;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string LocalNodeProcess::stderr_text() const {
  std::ifstream in(stderr_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void LocalNodeTest::SetUp() {
  root = dir / "root";
  tools = dir / "tools";
  fs::create_directories(root);
  fs::create_directories(tools);
  {
    std::ofstream tool(tools / "hello-tool");
    tool << "#!/bin/sh\necho tool-ran \"$@\"\n";
  }
  fs::permissions(tools / "hello-tool", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  start_node();
}

void LocalNodeTest::start_node() {
  node = std::make_unique<LocalNodeProcess>(
      server.kubeconfig_path(), root, "local",
      std::vector<std::string>{"--bind-unscheduled", "--heartbeat-seconds", "1", "--config-retry-seconds",
                               "1", "--image-path", "example.com/tools:1=" + tools.string()});
  ASSERT_TRUE(node->wait_for_line("node local ready", 60s)) << node->stderr_text();
}

void LocalNodeTest::TearDown() {
  if (HasFailure() && node) std::cerr << "--- localnode stderr ---\n" << node->stderr_text() << "\n";
  if (node) node->stop(SIGTERM);
}

CommandResult LocalNodeTest::kubectl(const std::vector<std::string>& args, const std::string& input) {
  return server.kubectl(args, input);
}

void LocalNodeTest::apply(const std::string& yaml) {
  auto r = server.kubectl({"apply", "-f", "-"}, yaml);
  ASSERT_EQ(r.exit_code, 0) << r.output << "\n" << yaml;
}

nlohmann::json LocalNodeTest::pod(const std::string& name) {
  auto r = server.request("GET", "/api/v1/namespaces/default/pods/" + name);
  if (r.status == 404) return nullptr;
  if (r.status != 200) return nullptr;
  return r.json();
}

nlohmann::json LocalNodeTest::wait_pod(const std::string& name,
                                       const std::function<bool(const nlohmann::json&)>& pred,
                                       std::chrono::seconds timeout) {
  nlohmann::json last;
  eventually(
      [&] {
        last = pod(name);
        return pred(last);
      },
      timeout);
  return last;
}

nlohmann::json LocalNodeTest::wait_phase(const std::string& name, const std::string& phase,
                                         std::chrono::seconds timeout) {
  auto p = wait_pod(
      name, [&](const nlohmann::json& p) { return !p.is_null() && p.value("/status/phase"_json_pointer, "") == phase; },
      timeout);
  EXPECT_EQ(p.is_null() ? "<none>" : p.value("/status/phase"_json_pointer, ""), phase)
      << name << ": " << (p.is_null() ? "" : p["status"].dump(1));
  return p;
}

nlohmann::json container_state(const nlohmann::json& pod, const std::string& container, bool init) {
  if (pod.is_null()) return nullptr;
  const char* list = init ? "initContainerStatuses" : "containerStatuses";
  for (const auto& c : pod["status"].value(list, nlohmann::json::array()))
    if (c.value("name", "") == container) return c.value("state", nlohmann::json());
  return nullptr;
}

std::string LocalNodeTest::node_log(const std::string& pod, const std::string& container) {
  fs::path best;
  fs::file_time_type best_time{};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / "pods", ec)) {
    const std::string n = e.path().filename().string();
    if (!n.starts_with("default_" + pod + "_")) continue;
    auto t = fs::last_write_time(e.path(), ec);
    if (best.empty() || t > best_time) {
      best = e.path();
      best_time = t;
    }
  }
  if (best.empty()) return "";
  std::ifstream in(best / "logs" / (container + ".log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace redraft::testing
