#include "tests/git/executor_harness.hpp"

#include <filesystem>

#include "api/codec.hpp"

namespace redraft::gittest {

std::string executor_binary() { return REDRAFT_EXECUTOR_PATH; }

nlohmann::json make_task(const std::string& kind, const std::string& url, const std::string& branch) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "AgenticTask"},
          {"metadata",
           {{"name", "t1"},
            {"namespace", "default"},
            {"labels", {{"redraft.dev/workload", "wl"}, {"redraft.dev/iteration", "1"}}}}},
          {"spec",
           {{"kind", kind},
            {"agentRef", {{"name", "scripted"}}},
            {"repo", {{"url", url}, {"credentialsSecretRef", {{"name", "git"}}}}},
            {"baseBranch", "main"},
            {"branch", branch},
            {"prompt", "do the thing"}}}};
}

nlohmann::json make_agent(const std::string& role, const std::filesystem::path& script,
                          int timeout_seconds) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Agent"},
          {"metadata", {{"name", "scripted"}, {"namespace", "default"}}},
          {"spec",
           {{"role", role},
            {"image", "scripted"},
            {"command", {"/bin/sh", script.string()}},
            {"timeoutSeconds", timeout_seconds}}}};
}

ExecutorRun::ExecutorRun(const nlohmann::json& task, const nlohmann::json& agent) : dir_("redraft-exec") {
  fixtures::write_file(dir_.path() / "task.json", task.dump(2));
  fixtures::write_file(dir_.path() / "agent.json", agent.dump(2));
}

std::filesystem::path ExecutorRun::write_script(const std::filesystem::path& path, const std::string& body) {
  fixtures::write_file(path, "#!/bin/sh\nset -e\n" + body + "\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

void ExecutorRun::set_credentials(const std::map<std::string, std::string>& files) {
  credentials_dir_ = dir_.path() / "creds";
  std::filesystem::create_directories(*credentials_dir_);
  for (const auto& [name, content] : files) fixtures::write_file(*credentials_dir_ / name, content);
}

PhaseRun ExecutorRun::phase(const std::string& command) {
  std::vector<std::string> argv{executor_binary(), command,
                                "--task-file", (dir_.path() / "task.json").string(),
                                "--agent-file", (dir_.path() / "agent.json").string(),
                                "--workspace", workspace().string(),
                                "--state-dir", state_dir().string(),
                                "--result-file", (dir_.path() / "result.json").string()};
  if (credentials_dir_) {
    argv.push_back("--git-credentials-dir");
    argv.push_back(credentials_dir_->string());
  }
  std::filesystem::remove(dir_.path() / "result.json");
  fixtures::CommandOptions options;
  options.timeout = std::chrono::seconds(240);
  // Keep the machine's git configuration out of libgit2 as well.
  options.env = {{"GIT_CONFIG_NOSYSTEM", "1"}, {"HOME", dir_.path().string()}};
  for (const auto& [k, v] : env_) options.env[k] = v;
  PhaseRun run;
  run.process = fixtures::run_command(argv, options);
  if (std::filesystem::exists(dir_.path() / "result.json")) {
    run.result = nlohmann::json::parse(fixtures::read_file(dir_.path() / "result.json"));
    api::from_json(run.result, run.status);
  }
  // The last non-empty stdout line must be the result.
  std::string out = run.process.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  auto nl = out.rfind('\n');
  std::string last = nl == std::string::npos ? out : out.substr(nl + 1);
  const std::string prefix = "REDRAFT-RESULT ";
  if (last.rfind(prefix, 0) == 0) run.result_line = last.substr(prefix.size());
  return run;
}

}  // namespace redraft::gittest
