#include "executor/phases/executor_cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "executor/phases/cli.hpp"
#include "executor/phases/install.hpp"
#include "executor/phases/phases.hpp"
#include "executor/phases/state.hpp"
#include "executor/phases/watchdog.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {
namespace {

// Inputs that cannot be decoded are reported as InvalidSpec naming the flag and the field.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string read_input(const std::filesystem::path& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(std::string(flag) + ": cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename T>
T decode_input(const std::filesystem::path& path, const char* flag) {
  std::string text = read_input(path, flag);
  try {
    T value = api::decode<T>(text);
    api::apply_defaults(value);
    return value;
  } catch (const std::exception& e) {
    throw InputError(std::string(flag) + ": " + e.what());
  }
}

bool emit(api::AgenticTaskStatus status, const std::filesystem::path& out) {
  // Last line of defence: every free-text field is redacted once more before it leaves.
  status.message = redacted(status.message);
  status.summary = redacted(status.summary);
  for (auto& f : status.findings) {
    f.message = redacted(f.message);
    f.suggestion = redacted(f.suggestion);
  }
  std::string json = result_json(status);
  bool written = true;
  try {
    write_file_atomically(out, json);
  } catch (const std::exception& e) {
    // Some result paths (a termination-log file) cannot be renamed over; write in place.
    std::ofstream direct(out, std::ios::binary | std::ios::trunc);
    direct << json;
    written = static_cast<bool>(direct.flush());
    if (!written) spdlog::error("cannot write --result-file: {}", e.what());
  }
  spdlog::default_logger()->flush();
  std::cout << "REDRAFT-RESULT " << json << std::endl;
  return written;
}

// Runs a git phase (prepare/publish) under the git deadline. On expiry the result says why,
// is saved for the later phases and emitted, and the process ends: a thread stuck in a blocking
// libgit2 read cannot be cancelled any other way.
template <typename Body>
void with_git_deadline(const CliOptions& opt, const char* phase, const char* reason,
                       api::AgenticTaskStatus snapshot, Body&& body) {
  const char* env = std::getenv("REDRAFT_GIT_TIMEOUT_SECONDS");
  const auto timeout = git_timeout_from(env != nullptr ? std::optional<std::string_view>(env) : std::nullopt);
  Watchdog dog(timeout, [&opt, phase, reason, timeout, snapshot]() mutable {
    mark_failed(snapshot, reason,
                std::string(phase) + ": git did not finish within " + std::to_string(timeout.count()) +
                    "s (remote not responding); the process was stopped");
    try {
      save_result(opt.state_dir, snapshot);
    } catch (const std::exception&) {
      // The result below still reports the failure.
    }
    bool ok = emit(snapshot, opt.result_file);
    std::_Exit(ok ? kExitResultWritten : kExitNoResult);
  });
  body();
}

}  // namespace

std::string result_json(const api::AgenticTaskStatus& status) {
  nlohmann::json j;
  api::to_json(j, status);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string version_line() { return std::string(kExecutorName) + " " + REDRAFT_VERSION; }

int run_executor(const std::vector<std::string>& args) {
  if (args.size() == 1 && args.front() == "--version") {
    std::cout << version_line() << std::endl;
    return 0;
  }
  // install writes no result document: it runs before anything else in the Pod.
  if (!args.empty() && args.front() == "install") {
    return run_install(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  install_redacting_default_logger();
  CliParse parsed = parse_cli(args);
  api::AgenticTaskStatus status;
  if (!parsed.options) {
    if (!parsed.result_file) {
      std::cerr << "redraft-executor: " << parsed.error << "\n" << usage() << std::endl;
      return kExitUsage;
    }
    mark_failed(status, api::reason::kInvalidSpec, "command line: " + parsed.error);
    return emit(status, *parsed.result_file) ? kExitResultWritten : kExitNoResult;
  }
  const CliOptions& opt = *parsed.options;
  const bool prepare = opt.command == "prepare" || opt.command == "run";
  const bool agent = opt.command == "agent" || opt.command == "run";
  const bool publish = opt.command == "publish" || opt.command == "run";

  std::error_code ec;
  std::filesystem::create_directories(opt.state_dir, ec);
  if (!prepare) status = load_result(opt.state_dir);

  PhaseInputs in;
  in.workspace = opt.workspace;
  in.state_dir = opt.state_dir;
  try {
    in.task = decode_input<api::AgenticTask>(opt.task_file, "--task-file");
    if (agent) in.agent = decode_input<api::Agent>(opt.agent_file, "--agent-file");
    if (opt.credentials_dir && (prepare || publish)) {
      in.credentials = git::load_credentials(*opt.credentials_dir);
    }
  } catch (const std::exception& e) {
    if (prepare) status = {};
    mark_failed(status, api::reason::kInvalidSpec, e.what());
    if (prepare) save_result(opt.state_dir, status);
    return emit(status, opt.result_file) ? kExitResultWritten : kExitNoResult;
  }

  // Task strings are not logged before validation: a name with a newline could forge log lines.
  spdlog::info("redraft-executor {}", opt.command);
  try {
    if (prepare) {
      api::AgenticTaskStatus fresh;
      fresh.branch = in.task.spec.branch;
      with_git_deadline(opt, "prepare", api::reason::kCloneFailed, fresh, [&] { run_prepare(in, status); });
      save_result(opt.state_dir, status);
    }
    if (agent) {
      run_agent(in, status);
      save_result(opt.state_dir, status);
    }
    if (publish) {
      with_git_deadline(opt, "publish", api::reason::kPushFailed, status, [&] { run_publish(in, status); });
      save_result(opt.state_dir, status);
    }
  } catch (const std::exception& e) {
    // The phases do not throw; this is the last line of defence so a result is always written.
    mark_failed(status, api::reason::kInternalError, e.what());
  }
  return emit(status, opt.result_file) ? kExitResultWritten : kExitNoResult;
}

}  // namespace redraft::executor
