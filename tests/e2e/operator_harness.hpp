// End-to-end harness: the whole local stack as separate processes, exactly as a user runs it.
//
//   redraft-devserver  (tests/devserver/devserver_fixture.hpp)
//   redraft-localnode  --bind-unscheduled --image-path redraft/executor:dev=<executor dir>
//   redraft-operator   --namespace default --executor-image redraft/executor:dev
//   a sample repository served by `git daemon` (or by git http-backend with a token)
//
// plus helpers to apply Agents/Workloads with the real kubectl, wait for conditions, read tasks,
// pods and events, read the remote's branches with the git CLI, SIGKILL and restart the
// operator, and tear everything down with no process left behind (the test process is made a
// child subreaper, so whatever a pod leaves orphaned is reparented to it and killed at the end).
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/fixtures/command.hpp"

namespace redraft::testing {
class DevServer;
}
namespace redraft::fixtures {
class GitDaemon;
class GitHttpServer;
class TempDir;
}  // namespace redraft::fixtures

namespace redraft::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

// The binaries under test: compile definitions from tests/e2e/CMakeLists.txt, each overridable
// by an environment variable (REDRAFT_EXECUTOR, REDRAFT_LOCALNODE, REDRAFT_OPERATOR).
std::string executor_binary();
std::string localnode_binary();
std::string operator_binary();

// A child process in its own process group, stdout and stderr appended to files.
class ChildProcess {
 public:
  ChildProcess(std::string name, std::vector<std::string> argv, std::filesystem::path stdout_file,
               std::filesystem::path stderr_file);
  ~ChildProcess();  // SIGKILL to the group, reaped
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Waits until the stdout file holds `line` (a substring of a line); throws with both logs when
  // the process exits first or the timeout passes.
  void wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout);
  // SIGTERM, up to `grace` for an exit, then SIGKILL to the group. Returns the wait status.
  int stop(std::chrono::milliseconds grace);
  // SIGKILL the whole group, reap. Returns the wait status.
  int kill_now();
  std::string output() const;  // stdout then stderr, as written so far

 private:
  std::string name_;
  std::filesystem::path stdout_file_, stderr_file_;
  pid_t pid_ = -1;
  int status_ = 0;
};

struct HarnessOptions {
  // Serve the sample repository through git http-backend requiring this token (as the basic-auth
  // password); empty ⇒ `git daemon`, no authentication.
  std::string git_token{};
  // Extra operator flags.
  std::vector<std::string> operator_args{};
  // Apply examples/agents/demo-coder.yaml and demo-reviewer.yaml at start.
  bool demo_agents = true;
};

struct WorkloadSpec {
  std::string name{};
  std::vector<int> issues{1};
  std::vector<std::pair<std::string, std::string>> tasks{};  // {name, prompt}
  std::string coder = "demo-coder";
  std::vector<std::string> reviewers{"demo-reviewer"};
  std::optional<std::string> revision_coder = "demo-coder";
  std::optional<int> max_review_iterations{};
  std::optional<std::string> branch_strategy{};
  std::optional<int> parallelism{};
  bool credentials = true;  // spec.repo.credentialsSecretRef = git-credentials
  json extra_spec = json::object();  // merged into spec last
};

class OperatorHarness {
 public:
  static constexpr const char* kNamespace = "default";
  static constexpr const char* kSecretName = "git-credentials";

  explicit OperatorHarness(HarnessOptions options = {});
  ~OperatorHarness();
  OperatorHarness(const OperatorHarness&) = delete;
  OperatorHarness& operator=(const OperatorHarness&) = delete;

  const std::filesystem::path& work_dir() const;

  // ---- git remote ----
  std::string repo_url() const;                           // what Workloads use
  const std::filesystem::path& remote_repo() const { return remote_repo_; }  // the bare repository
  const std::string& base_sha() const { return base_sha_; }                 // main at start
  std::optional<std::string> branch_sha(const std::string& branch) const;
  std::map<std::string, std::string> branches() const;  // branch ⇒ SHA on the remote
  // SHAs reachable from `rev` (newest first), up to and excluding the base.
  std::vector<std::string> history(const std::string& rev) const;
  bool is_ancestor(const std::string& ancestor, const std::string& descendant) const;
  bool has_commit(const std::string& sha) const;
  std::string parent_of(const std::string& sha) const;
  std::string trailers(const std::string& sha) const;
  std::string show_file(const std::string& rev, const std::string& path) const;
  // Commits `path` = `content` on top of the remote branch's tip and pushes it (someone else's
  // push). Returns the new SHA.
  std::string push_foreign_commit(const std::string& branch, const std::string& path,
                                  const std::string& content, const std::string& message);

  // ---- kubectl ----
  const std::string& kubeconfig() const;
  fixtures::CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "",
                                  std::chrono::seconds timeout = 120s) const;
  // kubectl that must succeed (throws std::runtime_error with its output otherwise).
  std::string kubectl_ok(const std::vector<std::string>& args, const std::string& input = "") const;
  // GET on the API server over HTTP, no kubectl (for tight polling loops); throws unless 200.
  json api_get(const std::string& path) const;
  void apply(const json& object) const;
  void apply_file(const std::filesystem::path& file) const;
  std::optional<json> get(const std::string& resource, const std::string& name) const;
  std::vector<json> list(const std::string& resource, const std::string& selector = "") const;
  std::vector<json> tasks_of(const std::string& workload) const;  // by the workload label
  std::vector<json> pods_of(const std::string& workload) const;
  // Events whose involvedObject is `name` (any kind), oldest first.
  std::vector<json> events_for(const std::string& name) const;
  // The count of events with `reason` for `name` (aggregated counts summed), 0 when none.
  int event_count(const std::string& name, const std::string& reason) const;
  // `kubectl wait --for=condition=<condition> <resource>` until the timeout; true when met.
  bool wait_for(const std::string& resource, const std::string& condition,
                std::chrono::seconds timeout) const;

  // ---- objects ----
  static json workload(const WorkloadSpec& spec, const std::string& repo_url);
  void apply_workload(const WorkloadSpec& spec) const;
  // An Agent running `sh -c script` from the host PATH (image busybox:1.36 is not mapped).
  static json scripted_agent(const std::string& name, const std::string& role, const std::string& script,
                             int timeout_seconds = 120);
  // examples/agents/<file> as JSON, optionally renamed and with `prefix` prepended to its script.
  static json example_agent(const std::string& file, const std::string& new_name = "",
                            const std::string& script_prefix = "");

  // ---- the operator ----
  // Starts the operator; with wait_ready, returns once this run printed "redraft-operator ready".
  void start_operator(bool wait_ready = true);
  void kill_operator();  // SIGKILL, reaped; the next start_operator() brings it back
  bool operator_running();
  pid_t operator_pid() const;
  std::string operator_log() const;   // stdout+stderr of every run so far
  std::string localnode_log() const;
  // Everything useful when a test fails: rdwl/rdat/pods, events, the last operator log lines.
  std::string diagnostics() const;

 private:
  void start_localnode();
  void sweep_orphans();

  HarnessOptions options_;
  std::unique_ptr<fixtures::TempDir> dir_;
  std::filesystem::path remote_repo_;
  std::string base_sha_;
  std::unique_ptr<fixtures::GitDaemon> daemon_;
  std::unique_ptr<fixtures::GitHttpServer> http_;
  std::unique_ptr<testing::DevServer> server_;
  std::unique_ptr<ChildProcess> localnode_;
  std::unique_ptr<ChildProcess> operator_;
};

// Polls `condition` every 100 ms until it is true or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// "condition" of a status (metav1.Condition list) is True.
bool condition_true(const json& object, const std::string& type);
std::string label(const json& object, const std::string& key);
std::string str(const json& object, const json::json_pointer& pointer);  // "" when absent

}  // namespace redraft::e2e
