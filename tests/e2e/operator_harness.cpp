#include "tests/e2e/operator_harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "devserver_fixture.hpp"
#include "tests/fixtures/git_daemon.hpp"
#include "tests/fixtures/git_http_server.hpp"
#include "tests/fixtures/git_repo.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::e2e {

namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string read_or_empty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

// Parent pid of `pid` from /proc/<pid>/stat (the field after the parenthesised command name).
std::optional<pid_t> parent_of_process(pid_t pid) {
  std::string stat = read_or_empty("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  long ppid = 0;
  if (!(rest >> state >> ppid)) return std::nullopt;
  return static_cast<pid_t>(ppid);
}

std::vector<pid_t> children_of_self() {
  std::vector<pid_t> out;
  const pid_t self = ::getpid();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (parent_of_process(pid) == self) out.push_back(pid);
  }
  return out;
}

}  // namespace

std::string executor_binary() { return env_or("REDRAFT_EXECUTOR", REDRAFT_EXECUTOR_PATH); }
std::string localnode_binary() { return env_or("REDRAFT_LOCALNODE", REDRAFT_LOCALNODE_PATH); }
std::string operator_binary() { return env_or("REDRAFT_OPERATOR", REDRAFT_OPERATOR_PATH); }

// ---------------------------------------------------------------------------------------------
// ChildProcess

ChildProcess::ChildProcess(std::string name, std::vector<std::string> argv, fs::path stdout_file,
                           fs::path stderr_file)
    : name_(std::move(name)), stdout_file_(std::move(stdout_file)), stderr_file_(std::move(stderr_file)) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  const std::string out_path = stdout_file_.string(), err_path = stderr_file_.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(name_ + ": fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the test died between fork and prctl
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so a kill right after fork reaches the group
  pid_ = pid;
}

ChildProcess::~ChildProcess() { kill_now(); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    ::kill(-pid_, SIGKILL);  // anything left in its group
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (read_or_empty(stdout_file_).find(needle) != std::string::npos) return;
    if (!running()) {
      throw std::runtime_error(name_ + " exited (wait status " + std::to_string(status_) +
                               ") before printing \"" + needle + "\":\n" + output());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(name_ + " did not print \"" + needle + "\" in time:\n" + output());
    }
    std::this_thread::sleep_for(50ms);
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(20ms);
  }
  return kill_now();
}

int ChildProcess::kill_now() {
  if (pid_ <= 0) return status_;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  pid_ = -1;
  return status_;
}

std::string ChildProcess::output() const {
  return "--- " + name_ + " stdout ---\n" + read_or_empty(stdout_file_) + "--- " + name_ +
         " stderr ---\n" + read_or_empty(stderr_file_);
}

// ---------------------------------------------------------------------------------------------
// helpers

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

bool condition_true(const json& object, const std::string& type) {
  const json* conditions = nullptr;
  if (object.contains("status") && object["status"].contains("conditions")) conditions = &object["status"]["conditions"];
  if (!conditions || !conditions->is_array()) return false;
  for (const auto& c : *conditions) {
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  }
  return false;
}

std::string label(const json& object, const std::string& key) {
  const auto p = json::json_pointer("/metadata/labels");
  if (!object.contains(p)) return {};
  const auto& labels = object.at(p);
  return labels.contains(key) && labels[key].is_string() ? labels[key].get<std::string>() : std::string();
}

std::string str(const json& object, const json::json_pointer& pointer) {
  if (!object.contains(pointer)) return {};
  const auto& v = object.at(pointer);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// ---------------------------------------------------------------------------------------------
// OperatorHarness

OperatorHarness::OperatorHarness(HarnessOptions options) : options_(std::move(options)) {
  // Orphans (a pod's processes whose node died) are reparented to this process and swept at the end.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  dir_ = std::make_unique<fixtures::TempDir>("redraft-e2e");
  fs::create_directories(work_dir() / "remote");
  fs::create_directories(work_dir() / "logs");
  remote_repo_ = fixtures::make_bare_repo(work_dir() / "remote", "demo",
                                          {{"README.md", "# Demo project\n\nSays hello.\n"},
                                           {"src/main.c", "int main() { return 0; }\n"}});
  base_sha_ = fixtures::rev_parse(remote_repo_, "refs/heads/main");
  if (options_.git_token.empty()) {
    daemon_ = std::make_unique<fixtures::GitDaemon>(work_dir() / "remote");
  } else {
    http_ = std::make_unique<fixtures::GitHttpServer>(work_dir() / "remote", options_.git_token);
  }
  server_ = std::make_unique<testing::DevServer>();

  kubectl_ok({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd"});
  // The token the executor reads from /redraft/git-credentials/token (executor/git/credentials.cpp).
  apply(json{{"apiVersion", "v1"},
             {"kind", "Secret"},
             {"metadata", {{"name", kSecretName}, {"namespace", kNamespace}}},
             {"type", "Opaque"},
             {"stringData", {{"token", options_.git_token.empty() ? "unused-for-git-daemon" : options_.git_token}}}});
  if (options_.demo_agents) {
    apply_file(fs::path(REDRAFT_SOURCE_DIR) / "examples/agents/demo-coder.yaml");
    apply_file(fs::path(REDRAFT_SOURCE_DIR) / "examples/agents/demo-reviewer.yaml");
  }
  start_localnode();
  start_operator();
}

OperatorHarness::~OperatorHarness() {
  try {
    if (operator_) operator_->stop(10s);
    if (localnode_) localnode_->stop(15s);
  } catch (...) {
  }
  operator_.reset();
  localnode_.reset();
  server_.reset();
  daemon_.reset();
  http_.reset();
  sweep_orphans();
  dir_.reset();
}

void OperatorHarness::sweep_orphans() {
  for (int round = 0; round < 50; ++round) {
    auto children = children_of_self();
    if (children.empty()) return;
    for (pid_t pid : children) ::kill(pid, SIGKILL);
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
}

const fs::path& OperatorHarness::work_dir() const { return dir_->path(); }

void OperatorHarness::start_localnode() {
  const std::string executor_dir = fs::path(executor_binary()).parent_path().string();
  fs::create_directories(work_dir() / "node");
  localnode_ = std::make_unique<ChildProcess>(
      "redraft-localnode",
      std::vector<std::string>{localnode_binary(), "--kubeconfig", kubeconfig(), "--name", "local",
                               "--root", (work_dir() / "node").string(), "--bind-unscheduled",
                               "--image-path", "redraft/executor:dev=" + executor_dir},
      work_dir() / "logs/localnode.out", work_dir() / "logs/localnode.err");
  localnode_->wait_for_stdout("node local ready", 60s);
}

namespace {
int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}
}  // namespace

void OperatorHarness::start_operator(bool wait_ready) {
  if (operator_ && operator_->running()) throw std::logic_error("start_operator: already running");
  std::vector<std::string> argv{operator_binary(),
                                "--kubeconfig", kubeconfig(),
                                "--namespace", kNamespace,
                                "--executor-image", "redraft/executor:dev",
                                "--metrics-bind-address", "127.0.0.1:" + std::to_string(fixtures::pick_free_port()),
                                "--health-probe-bind-address", "127.0.0.1:" + std::to_string(fixtures::pick_free_port()),
                                "--log-format", "text"};
  argv.insert(argv.end(), options_.operator_args.begin(), options_.operator_args.end());
  // stdout and stderr of every run go to the same files (appended), for the leak checks; this
  // run is ready when the file holds one more ready line than before it started.
  const fs::path out_file = work_dir() / "logs/operator.out";
  const int ready_before = count_of(read_or_empty(out_file), "redraft-operator ready");
  operator_ = std::make_unique<ChildProcess>("redraft-operator", argv, out_file, work_dir() / "logs/operator.err");
  if (!wait_ready) return;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    if (count_of(read_or_empty(out_file), "redraft-operator ready") > ready_before) return;
    if (!operator_->running()) throw std::runtime_error("redraft-operator exited before ready:\n" + operator_->output());
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("redraft-operator not ready in time:\n" + operator_->output());
    }
    std::this_thread::sleep_for(50ms);
  }
}

void OperatorHarness::kill_operator() {
  if (operator_) operator_->kill_now();
}

bool OperatorHarness::operator_running() { return operator_ && operator_->running(); }
pid_t OperatorHarness::operator_pid() const { return operator_ ? operator_->pid() : -1; }

std::string OperatorHarness::operator_log() const {
  return read_or_empty(work_dir() / "logs/operator.out") + read_or_empty(work_dir() / "logs/operator.err");
}

std::string OperatorHarness::localnode_log() const {
  return read_or_empty(work_dir() / "logs/localnode.out") + read_or_empty(work_dir() / "logs/localnode.err");
}

std::string OperatorHarness::diagnostics() const {
  std::string d = "==== kubectl get rdwl,rdat,pods\n";
  auto r = kubectl({"get", "rdwl,rdat,pods", "-o", "wide"});
  d += r.out + r.err;
  r = kubectl({"get", "events", "-o",
               "custom-columns=OBJECT:.involvedObject.name,TYPE:.type,REASON:.reason,COUNT:.count,MESSAGE:.message"});
  d += "==== events\n" + r.out + r.err;
  r = kubectl({"get", "rdat", "-o",
               "custom-columns=NAME:.metadata.name,PHASE:.status.phase,VERDICT:.status.verdict,REASON:.status.reason,"
               "COMMIT:.status.commitSha,MESSAGE:.status.message"});
  d += "==== task status\n" + r.out + r.err;
  d += "==== remote branches\n";
  for (const auto& [b, sha] : branches()) d += b + " " + sha + "\n";
  d += "==== operator log (tail)\n" + tail_lines(operator_log(), 60);
  d += "==== localnode log (tail)\n" + tail_lines(localnode_log(), 40);
  return d;
}

// ---- git remote ----

std::string OperatorHarness::repo_url() const {
  return daemon_ ? daemon_->url_for("demo") : http_->url_for("demo");
}

std::optional<std::string> OperatorHarness::branch_sha(const std::string& branch) const {
  auto r = fixtures::try_git({"--git-dir", remote_repo_.string(), "rev-parse", "--verify", "--quiet",
                              "refs/heads/" + branch});
  if (!r.ok()) return std::nullopt;
  return trim(r.out);
}

std::map<std::string, std::string> OperatorHarness::branches() const {
  std::map<std::string, std::string> out;
  auto r = fixtures::try_git({"--git-dir", remote_repo_.string(), "for-each-ref",
                              "--format=%(refname:short) %(objectname)", "refs/heads"});
  std::istringstream lines(r.out);
  std::string name, sha;
  while (lines >> name >> sha) out[name] = sha;
  return out;
}

std::vector<std::string> OperatorHarness::history(const std::string& rev) const {
  std::vector<std::string> out;
  auto r = fixtures::try_git({"--git-dir", remote_repo_.string(), "rev-list", rev, "^" + base_sha_});
  std::istringstream lines(r.out);
  std::string sha;
  while (lines >> sha) out.push_back(sha);
  return out;
}

bool OperatorHarness::is_ancestor(const std::string& ancestor, const std::string& descendant) const {
  return fixtures::try_git({"--git-dir", remote_repo_.string(), "merge-base", "--is-ancestor", ancestor, descendant})
      .ok();
}

bool OperatorHarness::has_commit(const std::string& sha) const {
  return fixtures::try_git({"--git-dir", remote_repo_.string(), "cat-file", "-e", sha + "^{commit}"}).ok();
}

std::string OperatorHarness::parent_of(const std::string& sha) const {
  return trim(fixtures::git({"--git-dir", remote_repo_.string(), "rev-parse", sha + "^"}));
}

std::string OperatorHarness::trailers(const std::string& sha) const {
  return fixtures::git({"--git-dir", remote_repo_.string(), "log", "-1", "--format=%(trailers:only,unfold)", sha});
}

std::string OperatorHarness::show_file(const std::string& rev, const std::string& path) const {
  return fixtures::git({"--git-dir", remote_repo_.string(), "show", rev + ":" + path});
}

std::string OperatorHarness::push_foreign_commit(const std::string& branch, const std::string& path,
                                                 const std::string& content, const std::string& message) {
  fixtures::TempDir work("redraft-e2e-foreign");
  fixtures::git({"clone", "--quiet", "--branch", branch, remote_repo_.string(), work.path().string()});
  const std::string sha = fixtures::commit_file(work.path(), path, content, message);
  fixtures::git({"push", "--quiet", "origin", "HEAD:refs/heads/" + branch}, work.path());
  return sha;
}

// ---- kubectl ----

const std::string& OperatorHarness::kubeconfig() const { return server_->kubeconfig_path(); }

fixtures::CommandResult OperatorHarness::kubectl(const std::vector<std::string>& args, const std::string& input,
                                                 std::chrono::seconds timeout) const {
  std::vector<std::string> argv{"kubectl", "--kubeconfig", kubeconfig(), "-n", kNamespace};
  argv.insert(argv.end(), args.begin(), args.end());
  fixtures::CommandOptions options;
  if (!input.empty()) options.stdin_data = input;
  options.timeout = timeout;
  return fixtures::run_command(argv, options);
}

std::string OperatorHarness::kubectl_ok(const std::vector<std::string>& args, const std::string& input) const {
  auto r = kubectl(args, input);
  if (!r.ok()) {
    std::string line = "kubectl";
    for (const auto& a : args) line += " " + a;
    throw std::runtime_error(line + " failed (exit " + std::to_string(r.exit_code) + "):\n" + r.out + r.err);
  }
  return r.out;
}

json OperatorHarness::api_get(const std::string& path) const {
  auto r = server_->request("GET", path);
  if (r.status != 200) throw std::runtime_error("GET " + path + ": HTTP " + std::to_string(r.status) + ": " + r.body);
  return r.json();
}

void OperatorHarness::apply(const json& object) const { kubectl_ok({"apply", "-f", "-"}, object.dump()); }

void OperatorHarness::apply_file(const fs::path& file) const { kubectl_ok({"apply", "-f", file.string()}); }

std::optional<json> OperatorHarness::get(const std::string& resource, const std::string& name) const {
  auto r = kubectl({"get", resource, name, "-o", "json"});
  if (!r.ok()) return std::nullopt;
  return json::parse(r.out);
}

std::vector<json> OperatorHarness::list(const std::string& resource, const std::string& selector) const {
  std::vector<std::string> args{"get", resource, "-o", "json"};
  if (!selector.empty()) args.insert(args.end(), {"-l", selector});
  auto items = json::parse(kubectl_ok(args)).value("items", json::array());
  return {items.begin(), items.end()};
}

std::vector<json> OperatorHarness::tasks_of(const std::string& workload) const {
  return list("agentictasks.redraft.dev", "redraft.dev/workload=" + workload);
}

std::vector<json> OperatorHarness::pods_of(const std::string& workload) const {
  return list("pods", "redraft.dev/workload=" + workload);
}

std::vector<json> OperatorHarness::events_for(const std::string& name) const {
  std::vector<json> out;
  for (auto& e : list("events")) {
    if (e.contains("involvedObject") && e["involvedObject"].value("name", "") == name) out.push_back(std::move(e));
  }
  return out;
}

int OperatorHarness::event_count(const std::string& name, const std::string& reason) const {
  int n = 0;
  for (const auto& e : events_for(name)) {
    if (e.value("reason", "") != reason) continue;
    n += e.contains("count") && e["count"].is_number_integer() ? std::max(1, e["count"].get<int>()) : 1;
  }
  return n;
}

bool OperatorHarness::wait_for(const std::string& resource, const std::string& condition,
                               std::chrono::seconds timeout) const {
  auto r = kubectl({"wait", "--for=condition=" + condition, resource, "--timeout=" + std::to_string(timeout.count()) + "s"},
                   "", timeout + 30s);
  return r.ok();
}

// ---- objects ----

json OperatorHarness::workload(const WorkloadSpec& s, const std::string& repo_url) {
  json repo{{"url", repo_url}};
  if (s.credentials) repo["credentialsSecretRef"] = {{"name", kSecretName}};
  json spec{{"repo", repo}, {"baseBranch", "main"}, {"coderAgentRef", {{"name", s.coder}}}};
  if (!s.issues.empty()) spec["issues"] = s.issues;
  if (!s.tasks.empty()) {
    spec["tasks"] = json::array();
    for (const auto& [name, prompt] : s.tasks) spec["tasks"].push_back({{"name", name}, {"prompt", prompt}});
  }
  spec["reviewerAgentRefs"] = json::array();
  for (const auto& r : s.reviewers) spec["reviewerAgentRefs"].push_back({{"name", r}});
  if (s.revision_coder) spec["revisionCoderAgentRef"] = {{"name", *s.revision_coder}};
  if (s.max_review_iterations) spec["maxReviewIterations"] = *s.max_review_iterations;
  if (s.branch_strategy) spec["branchStrategy"] = *s.branch_strategy;
  if (s.parallelism) spec["parallelism"] = *s.parallelism;
  spec.update(s.extra_spec);
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", s.name}, {"namespace", kNamespace}}},
          {"spec", spec}};
}

void OperatorHarness::apply_workload(const WorkloadSpec& spec) const { apply(workload(spec, repo_url())); }

json OperatorHarness::scripted_agent(const std::string& name, const std::string& role, const std::string& script,
                                     int timeout_seconds) {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Agent"},
          {"metadata", {{"name", name}, {"namespace", kNamespace}}},
          {"spec",
           {{"role", role},
            {"image", "busybox:1.36"},
            {"promptVia", "file"},
            {"timeoutSeconds", timeout_seconds},
            {"command", {"sh", "-c"}},
            {"args", {script, name}}}}};
}

namespace {
json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string v = node.as<std::string>();
      // Only the fields the examples use: integers stay integers, everything else a string.
      if (node.Tag() != "!" && !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::stoll(v);
      }
      return v;
    }
    default:
      return nullptr;
  }
}
}  // namespace

json OperatorHarness::example_agent(const std::string& file, const std::string& new_name, const std::string& script_prefix) {
  json agent = yaml_to_json(YAML::LoadFile(std::string(REDRAFT_SOURCE_DIR) + "/examples/agents/" + file));
  if (!new_name.empty()) {
    agent["metadata"]["name"] = new_name;
    if (agent["spec"]["args"].size() > 1) agent["spec"]["args"][1] = new_name;
  }
  if (!script_prefix.empty()) {
    agent["spec"]["args"][0] = script_prefix + "\n" + agent["spec"]["args"][0].get<std::string>();
  }
  agent["metadata"]["namespace"] = kNamespace;
  return agent;
}

}  // namespace redraft::e2e
