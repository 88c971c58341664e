// Test helper: a devserver plus a real redraft-localnode process registered against it, and
// small helpers to create pods (kubectl apply) and poll their state.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "devserver_fixture.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::testing {

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The container's state object (e.g. {"terminated": {...}}) from the pod's status; null when
// the pod is null or has no status for it.
nlohmann::json container_state(const nlohmann::json& pod, const std::string& container, bool init = false);

// Whether `pid` is a live (not zombie) process.
bool process_alive(pid_t pid);

class LocalNodeProcess {
 public:
  // Starts `redraft-localnode --kubeconfig K --root ROOT --name NAME ARGS...`.
  LocalNodeProcess(const std::string& kubeconfig, const std::filesystem::path& root,
                   const std::string& name, const std::vector<std::string>& args);
  ~LocalNodeProcess();  // SIGKILL + reap when still running
  LocalNodeProcess(const LocalNodeProcess&) = delete;
  LocalNodeProcess& operator=(const LocalNodeProcess&) = delete;

  static std::string binary_path();
  pid_t pid() const { return pid_; }
  bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout);
  // Sends `sig` and waits for the exit; returns the exit code (-1 for a signal/timeout).
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::filesystem::path stderr_file_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

class LocalNodeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts) the node process; waits for "node local ready".
  void start_node();
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "");
  void apply(const std::string& yaml);
  // The pod as JSON, or null when it does not exist.
  nlohmann::json pod(const std::string& name);
  // Polls until `pred(pod)` holds (pod may be null); returns the last pod seen.
  nlohmann::json wait_pod(const std::string& name, const std::function<bool(const nlohmann::json&)>& pred,
                          std::chrono::seconds timeout = std::chrono::seconds(60));
  nlohmann::json wait_phase(const std::string& name, const std::string& phase,
                            std::chrono::seconds timeout = std::chrono::seconds(60));
  // The container's log file content on the node (newest pod dir of that name).
  std::string node_log(const std::string& pod, const std::string& container);

  DevServer server;
  fixtures::TempDir dir{"localnode-test"};
  std::filesystem::path root, tools;
  std::unique_ptr<LocalNodeProcess> node;
};

}  // namespace redraft::testing
