#include "executor/phases/cli.hpp"

#include <map>

namespace redraft::executor {

std::string usage() {
  return "usage: redraft-executor {prepare|agent|publish|run} --task-file TASK --agent-file AGENT "
         "--workspace DIR --state-dir DIR --result-file OUT [--git-credentials-dir DIR]\n"
         "       redraft-executor install --to DIR\n"
         "       redraft-executor --version";
}

CliParse parse_cli(const std::vector<std::string>& args) {
  CliParse out;
  std::map<std::string, std::string> flags;
  std::string command;
  std::string error;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0) {
      std::string name = a, value;
      bool has_value = false;
      if (auto eq = a.find('='); eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        has_value = true;
      } else if (i + 1 < args.size()) {
        value = args[++i];
        has_value = true;
      }
      if (!has_value) {
        if (error.empty()) error = name + ": missing value";
        continue;
      }
      if (flags.count(name) != 0 && error.empty()) error = name + ": given more than once";
      flags[name] = value;
    } else if (command.empty()) {
      command = a;
    } else if (error.empty()) {
      error = "unexpected argument";
    }
  }
  if (auto it = flags.find("--result-file"); it != flags.end() && !it->second.empty()) {
    out.result_file = it->second;
  }
  static const char* known[] = {"--task-file", "--agent-file", "--workspace", "--state-dir",
                                "--result-file", "--git-credentials-dir"};
  for (const auto& [name, value] : flags) {
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (!ok && error.empty()) error = name + ": unknown flag";
  }
  if (error.empty() && command != "prepare" && command != "agent" && command != "publish" &&
      command != "run") {
    error = command.empty() ? "missing command (prepare|agent|publish|run)"
                            : "unknown command (expected prepare|agent|publish|run)";
  }
  for (const char* required : {"--task-file", "--agent-file", "--workspace", "--state-dir",
                               "--result-file"}) {
    if (error.empty() && (flags.count(required) == 0 || flags[required].empty())) {
      error = std::string(required) + ": required";
    }
  }
  if (!error.empty()) {
    out.error = error;
    return out;
  }
  CliOptions o;
  o.command = command;
  o.task_file = flags["--task-file"];
  o.agent_file = flags["--agent-file"];
  o.workspace = flags["--workspace"];
  o.state_dir = flags["--state-dir"];
  o.result_file = flags["--result-file"];
  if (auto it = flags.find("--git-credentials-dir"); it != flags.end()) {
    if (it->second.empty()) {
      out.error = "--git-credentials-dir: empty";
      return out;
    }
    o.credentials_dir = it->second;
  }
  out.options = std::move(o);
  return out;
}

}  // namespace redraft::executor
