// Running the agent CLI: its own process group, explicit environment, prompt via stdin when
// asked, output streamed line by line, and a timeout that kills the whole group (SIGTERM, then
// SIGKILL after a grace period) — children the agent spawned included.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::executor {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in env's PATH when it has no '/'
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  // the complete environment (nothing is inherited)
  std::optional<std::string> stdin_data;   // unset ⇒ /dev/null
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds kill_grace{std::chrono::seconds(10)};
  // Called for each output line (stdout and stderr merged, without the newline). A final line
  // without newline is delivered too. Over-long lines are delivered in pieces.
  std::function<void(std::string_view line)> on_line;
};

struct ProcessResult {
  bool started = false;
  std::string start_error;        // why it could not be started (command not found, ...)
  std::optional<int> exit_code;   // normal exit
  std::optional<int> term_signal; // killed by a signal
  bool timed_out = false;
  double seconds = 0;
};

ProcessResult run_process(const ProcessSpec& spec);

}  // namespace redraft::executor
