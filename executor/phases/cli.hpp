// The redraft-executor command line (the contract the operator and the tests rely on):
//   redraft-executor {prepare|agent|publish|run} --task-file TASK --agent-file AGENT
//     --workspace DIR --state-dir DIR --result-file OUT [--git-credentials-dir DIR]
//   redraft-executor install --to DIR   (executor/phases/install.hpp)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace redraft::executor {

struct CliOptions {
  std::string command;  // prepare | agent | publish | run
  std::filesystem::path task_file;
  std::filesystem::path agent_file;
  std::filesystem::path workspace;
  std::filesystem::path state_dir;
  std::filesystem::path result_file;
  std::optional<std::filesystem::path> credentials_dir;
};

struct CliParse {
  std::optional<CliOptions> options;
  std::string error;  // when !options: what is wrong, naming the flag
  // Whatever --result-file was given, even when other arguments are bad: the error can still be
  // reported as a result document.
  std::optional<std::filesystem::path> result_file;
};

// Pure. `args` excludes the program name. Accepts "--flag value" and "--flag=value".
CliParse parse_cli(const std::vector<std::string>& args);

std::string usage();

}  // namespace redraft::executor
