// Helpers shared by the runtime-cache integration tests: polling with a deadline, and a child
// process whose stdout lines are collected (for the leader-election helper).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <condition_variable>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/runtime/cache/informer.hpp"

namespace redraft::testing {

// Informer options for the ConfigMaps of namespace "default" (what most cache tests watch).
inline runtime::cache::InformerOptions cm_options() {
  runtime::cache::InformerOptions o;
  o.type = runtime::resources::kConfigMaps;
  o.namespace_ = "default";
  return o;
}

// A minimal ConfigMap named `name` in `ns`.
inline nlohmann::json configmap(const std::string& name, const std::string& ns = "default") {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"k", "v"}}}};
}

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A child process (argv[0] is a path) with stdout captured line by line. The destructor
// SIGKILLs and reaps it if it is still running.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  void signal(int sig);
  // Waits for the process to exit; returns its exit status (-1 on timeout / killed by signal).
  int wait_exit(std::chrono::milliseconds timeout);
  // Waits until a line equal to `line` has been printed (counting earlier ones too).
  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout);
  bool has_line(const std::string& line) const;
  std::vector<std::string> lines() const;

 private:
  void read_loop(int fd);
  int pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

}  // namespace redraft::testing
