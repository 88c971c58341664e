// Shared bits of the operator benchmarks: the real `redraft-operator` process (started, waited
// for, measured, stopped), its /metrics scraped over HTTP, and the objects the benchmarks apply.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "devserver_fixture.hpp"
#include "tests/fixtures/command.hpp"

namespace redraft::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline const char* verdict(bool met) { return met ? "met" : "MISSED"; }

// $REDRAFT_OPERATOR, else the build tree's binary.
inline std::string operator_binary() {
  if (const char* env = std::getenv("REDRAFT_OPERATOR"); env && *env) return env;
  return REDRAFT_OPERATOR_PATH;
}

// A directory for the operator logs that outlives the devserver's work dir (read them after a
// run); created once per process.
inline const std::string& log_dir() {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/redraft-operator-bench-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return tmpl;
  }();
  return dir;
}

// VmRSS and VmHWM of a process, in KiB (-1 when unreadable).
struct Rss {
  long rss_kib = -1;
  long hwm_kib = -1;
};

inline Rss rss_of(int pid) {
  Rss out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) out.rss_kib = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmHWM:", 0) == 0) out.hwm_kib = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return out;
}

// CPU seconds (user + system) a process has used so far; -1 when unreadable.
inline double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The pid of the process whose command line contains `needle` (e.g. the devserver's kubeconfig
// path), or -1.
inline int find_pid(const std::string& needle) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != ::getpid()) return std::stoi(name);
  }
  return -1;
}

// GET http://127.0.0.1:port/path; the body, or throws.
inline std::string http_get(std::uint16_t port, const std::string& path) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  asio::ip::tcp::resolver resolver(ioc);
  asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  if (res.result_int() != 200) {
    throw std::runtime_error("GET " + path + ": HTTP " + std::to_string(res.result_int()));
  }
  return res.body();
}

// One Prometheus text-format series: `name{labels} value`.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

inline std::vector<Sample> parse_metrics(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      const std::size_t end = line.find('}', i);
      if (end == std::string::npos) continue;
      std::string labels = line.substr(i + 1, end - i - 1);
      std::size_t p = 0;
      while (p < labels.size()) {
        const std::size_t eq = labels.find('=', p);
        if (eq == std::string::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') break;
        std::size_t q = eq + 2;
        std::string value;
        while (q < labels.size() && labels[q] != '"') {
          if (labels[q] == '\\' && q + 1 < labels.size()) ++q;
          value += labels[q++];
        }
        s.labels[labels.substr(p, eq - p)] = value;
        p = q + 1;
        if (p < labels.size() && labels[p] == ',') ++p;
      }
      i = end + 1;
    }
    s.value = std::strtod(line.c_str() + i, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

inline double metric_sum(const std::vector<Sample>& samples, const std::string& name) {
  double sum = 0;
  for (const auto& s : samples) {
    if (s.name == name) sum += s.value;
  }
  return sum;
}

// rest_client_requests_total summed by method and by code (keys "GET", "code=200", ...).
inline std::map<std::string, double> requests_by(const std::vector<bench::Sample>& m) {
  std::map<std::string, double> out;
  for (const auto& s : m) {
    if (s.name != "rest_client_requests_total") continue;
    out[s.labels.count("method") ? s.labels.at("method") : "?"] += s.value;
    out[std::string("code=") + (s.labels.count("code") ? s.labels.at("code") : "?")] += s.value;
  }
  return out;
}

// The real redraft-operator process: stdout is read for the ready line (and drained after),
// stderr goes to a log file. Killed (SIGKILL) by the kernel if the benchmark dies.
class OperatorProcess {
 public:
  OperatorProcess(const std::string& kubeconfig, const std::string& log_path,
                  std::vector<std::string> extra_args = {})
      : metrics_port_(fixtures::pick_free_port()), probe_port_(fixtures::pick_free_port()) {
    std::vector<std::string> args = {operator_binary(),
                                     "--kubeconfig",
                                     kubeconfig,
                                     "--metrics-bind-address",
                                     "127.0.0.1:" + std::to_string(metrics_port_),
                                     "--health-probe-bind-address",
                                     "127.0.0.1:" + std::to_string(probe_port_)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) throw std::runtime_error("cannot open " + log_path);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out[1], 1);
      ::dup2(log, 2);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(out[1]);
    ::close(log);
    pid_ = pid;
    out_fd_ = out[0];
    reader_ = std::thread([this] {
      char buf[4096];
      std::string line;
      for (;;) {
        const ssize_t n = ::read(out_fd_, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] != '\n') {
            line += buf[i];
            continue;
          }
          if (line.find("redraft-operator ready") != std::string::npos) ready_ = true;
          line.clear();
        }
      }
      ended_ = true;
    });
  }
  ~OperatorProcess() {
    stop();
    if (reader_.joinable()) reader_.join();
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  int pid() const { return pid_; }
  std::uint16_t metrics_port() const { return metrics_port_; }

  // Seconds until "redraft-operator ready" appeared on stdout; throws after `timeout`.
  double wait_ready(std::chrono::seconds timeout) {
    const auto t0 = Clock::now();
    while (!ready_) {
      if (ended_) throw std::runtime_error("redraft-operator exited before it was ready");
      if (Clock::now() - t0 > timeout) throw std::runtime_error("redraft-operator not ready in time");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return seconds_since(t0);
  }

  std::vector<Sample> metrics() const { return parse_metrics(http_get(metrics_port_, "/metrics")); }

  // Waits until every work queue is empty and no worker is busy, seen on `rounds` scrapes in a
  // row 100 ms apart (the operator has nothing left to do). False after `timeout`.
  bool wait_quiet(std::chrono::seconds timeout, int rounds = 5) const {
    const auto t0 = Clock::now();
    int quiet = 0;
    while (Clock::now() - t0 < timeout) {
      const auto m = metrics();
      const bool idle = metric_sum(m, "workqueue_depth") == 0 &&
                        metric_sum(m, "controller_runtime_active_workers") == 0;
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= rounds) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // SIGTERM, then SIGKILL after 20 s; the exit status (128+signal when killed).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto t0 = Clock::now();
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (Clock::now() - t0 > std::chrono::seconds(20)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

 private:
  std::uint16_t metrics_port_, probe_port_;
  int pid_ = -1;
  int out_fd_ = -1;
  int exit_code_ = -1;
  std::atomic<bool> ready_{false}, ended_{false};
  std::thread reader_;
};

// A devserver with the CRDs applied and namespace `ns` created. The watch history is made large
// so that a benchmark's many writes never push a watcher into a 410 relist that a real
// apiserver (etcd keeps 5 minutes of history) would not cause either.
inline std::unique_ptr<testing::DevServer> start_devserver(const std::string& ns) {
  testing::DevServerOptions options;
  options.extra_args = {"--history-size", "400000"};
  auto server = std::make_unique<testing::DevServer>(options);
  auto applied = server->kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
  if (applied.exit_code != 0) throw std::runtime_error("kubectl apply of the CRDs failed: " + applied.output);
  auto created = server->kubectl({"create", "namespace", ns});
  if (created.exit_code != 0) throw std::runtime_error("kubectl create namespace failed: " + created.output);
  return server;
}

inline nlohmann::json agent(const std::string& ns, const std::string& name, const std::string& role) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Agent"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"role", role},
            {"image", "ghcr.io/example/agent-cli:1.4.2"},
            {"command", nlohmann::json::array({"agent-cli", role == "coder" ? "run" : "review"})},
            {"promptVia", "file"},
            {"timeoutSeconds", 900}}}};
}

}  // namespace redraft::bench
