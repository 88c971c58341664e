// Drives the real redraft-executor binary the way a task Pod does: task/agent files, a shared
// state dir, one process per phase (or `run`), scripted agents written by the test.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::gittest {

struct PhaseRun {
  fixtures::CommandResult process;
  nlohmann::json result;  // the --result-file document (null when none was written)
  api::AgenticTaskStatus status;
  std::string result_line;  // the JSON after "REDRAFT-RESULT " on the last stdout line
  std::string all_output() const { return process.out + process.err; }
};

// A minimal AgenticTask document for the executor.
nlohmann::json make_task(const std::string& kind, const std::string& url, const std::string& branch);

// A coder/reviewer Agent whose command is `/bin/sh <script>`.
nlohmann::json make_agent(const std::string& role, const std::filesystem::path& script,
                          int timeout_seconds = 120);

class ExecutorRun {
 public:
  // Lays out task.json, agent.json, workspace/, state/, result.json under a fresh temp dir.
  ExecutorRun(const nlohmann::json& task, const nlohmann::json& agent);

  // Writes a scripted agent: `body` runs with `set -e` in the workspace.
  static std::filesystem::path write_script(const std::filesystem::path& path, const std::string& body);

  void set_credentials(const std::map<std::string, std::string>& files);
  // Extra environment for the executor process.
  void set_env(const std::string& name, const std::string& value) { env_[name] = value; }

  PhaseRun phase(const std::string& command);

  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path workspace() const { return dir_.path() / "workspace"; }
  std::filesystem::path state_dir() const { return dir_.path() / "state"; }

 private:
  fixtures::TempDir dir_;
  std::optional<std::filesystem::path> credentials_dir_;
  std::map<std::string, std::string> env_;
};

// Path of the binary under test.
std::string executor_binary();

}  // namespace redraft::gittest
