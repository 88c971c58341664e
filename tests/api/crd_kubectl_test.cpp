// The generated CRDs and the examples against a real API server (redraft-devserver over
// loopback HTTP) driven by the real kubectl: the CRDs install, the examples apply, the server
// applies the schema defaults we expect, hostile values are rejected naming the field, and the
// printer columns show up.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "api/schema.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fx = redraft::fixtures;

// One redraft-devserver child on an ephemeral port; killed (and reaped) in the destructor.
class DevServerProcess {
 public:
  explicit DevServerProcess(const fx::TempDir& dir) : kubeconfig_((dir / "kubeconfig").string()) {
    for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) start((dir / "server.log").string());
  }
  ~DevServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  DevServerProcess(const DevServerProcess&) = delete;
  DevServerProcess& operator=(const DevServerProcess&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& kubeconfig() const { return kubeconfig_; }

 private:
  void start(const std::string& log) {
    const auto port = fx::pick_free_port();
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
      // Die with the test process, even when it crashes before the destructor runs.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      const std::string port_text = std::to_string(port);
      ::execl(REDRAFT_DEVSERVER_BINARY, REDRAFT_DEVSERVER_BINARY, "--port", port_text.c_str(),
              "--write-kubeconfig", kubeconfig_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid < 0) return;
    // Ready when it accepts connections and has written the kubeconfig; a lost port race makes
    // it exit, and we try another port.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
      if (fx::wait_for_port(port, std::chrono::milliseconds(200)) && std::ifstream(kubeconfig_)) {
        pid_ = pid;
        return;
      }
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  std::string kubeconfig_;
  pid_t pid_ = -1;
};

std::string source(const std::string& relative) {
  return std::string(REDRAFT_SOURCE_DIR) + "/" + relative;
}

std::string read_source(const std::string& relative) {
  std::ifstream in(source(relative), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class CrdKubectl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fx::TempDir("redraft-api-kubectl");
    server_ = new DevServerProcess(*dir_);
    if (!server_->running()) return;
    auto applied = kubectl({"apply", "--validate=false", "-f", source("config/crd")});
    crds_installed_ = applied.ok();
    crd_apply_output_ = applied.out + applied.err;
    // The kinds become usable once the server has registered them: poll, do not sleep.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (crds_installed_ && std::chrono::steady_clock::now() < deadline) {
      if (kubectl({"get", "rdag,rdat,rdwl"}).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    crds_installed_ = false;
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->running()) << "redraft-devserver did not start";
    ASSERT_TRUE(crds_installed_) << "kubectl apply of config/crd failed: " << crd_apply_output_;
  }

  static fx::CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "kubectl");
    fx::CommandOptions options;
    options.env["KUBECONFIG"] = server_->kubeconfig();
    options.timeout = std::chrono::seconds(120);
    if (!input.empty()) options.stdin_data = input;
    return fx::run_command(args, options);
  }

  static fx::CommandResult apply(const std::string& manifest) {
    return kubectl({"apply", "--validate=false", "-f", "-"}, manifest);
  }

  static inline fx::TempDir* dir_ = nullptr;
  static inline DevServerProcess* server_ = nullptr;
  static inline bool crds_installed_ = false;
  static inline std::string crd_apply_output_;
};

TEST_F(CrdKubectl, CrdsAreServedWithShortNamesAndCategory) {
  auto crds = kubectl({"get", "crd", "-o", "name"});
  ASSERT_TRUE(crds.ok()) << crds.err;
  EXPECT_THAT(crds.out, HasSubstr("agents.redraft.dev"));
  EXPECT_THAT(crds.out, HasSubstr("agentictasks.redraft.dev"));
  EXPECT_THAT(crds.out, HasSubstr("workloads.redraft.dev"));
}

TEST_F(CrdKubectl, ExamplesApplyAndServerDefaultsMatchApplyDefaults) {
  for (const std::string file :
       {"agent-coder.yaml", "agent-reviewer.yaml", "agentictask.yaml", "workload.yaml"}) {
    auto result = kubectl({"apply", "--validate=false", "-f", source("examples/" + file)});
    EXPECT_TRUE(result.ok()) << file << ": " << result.out << result.err;
  }
  // Apply the AgenticTask without the optional fields, then compare what the server stored
  // (schema defaults applied) with our own defaulting of the same document.
  AgenticTask minimal = decode<AgenticTask>(read_source("examples/agentictask.yaml"));
  minimal.metadata.name = "minimal-task";
  minimal.spec.baseBranch.clear();
  minimal.spec.branchStrategy.clear();
  minimal.spec.allowOverwrite.reset();
  minimal.spec.backoffLimit.reset();
  auto applied = apply(json(minimal).dump());
  ASSERT_TRUE(applied.ok()) << applied.out << applied.err;
  auto got = kubectl({"get", "rdat", "minimal-task", "-o", "json"});
  ASSERT_TRUE(got.ok()) << got.err;
  AgenticTask stored = decode<AgenticTask>(got.out);
  apply_defaults(minimal);
  EXPECT_EQ(json(stored.spec), json(minimal.spec));

  Agent agent = decode<Agent>(read_source("examples/agent-reviewer.yaml"));
  agent.metadata.name = "minimal-agent";
  agent.spec.promptVia.clear();
  agent.spec.timeoutSeconds.reset();
  ASSERT_TRUE(apply(json(agent).dump()).ok());
  got = kubectl({"get", "rdag", "minimal-agent", "-o", "json"});
  ASSERT_TRUE(got.ok()) << got.err;
  apply_defaults(agent);
  EXPECT_EQ(json(decode<Agent>(got.out).spec), json(agent.spec));

  Workload wl = decode<Workload>(read_source("examples/workload.yaml"));
  wl.metadata.name = "minimal-wl";
  wl.spec.baseBranch.clear();
  wl.spec.maxReviewIterations.reset();
  wl.spec.branchStrategy.clear();
  wl.spec.allowOverwrite.reset();
  ASSERT_TRUE(apply(json(wl).dump()).ok());
  got = kubectl({"get", "rdwl", "minimal-wl", "-o", "json"});
  ASSERT_TRUE(got.ok()) << got.err;
  Workload stored_wl = decode<Workload>(got.out);
  apply_defaults(wl);
  wl.spec.branchPrefix.clear();  // derived from the name: the operator's default, not the schema's
  EXPECT_EQ(json(stored_wl.spec), json(wl.spec));
}

TEST_F(CrdKubectl, HostileBranchNamesAreRejectedNamingTheField) {
  const AgenticTask base = decode<AgenticTask>(read_source("examples/agentictask.yaml"));
  int n = 0;
  for (const std::string branch :
       {"-x", "--upload-pack=x", "a..b", "a b", "refs/heads/../x", "x.lock", "a@{b", "a/", "a.",
        "a//b", ".a", "a~b", "a:b", "HEAD"}) {
    for (const std::string field : {"branch", "baseBranch", "reviseFromBranch"}) {
      AgenticTask task = base;
      task.metadata.name = "hostile-" + std::to_string(n++);
      if (field == "branch") task.spec.branch = branch;
      if (field == "baseBranch") task.spec.baseBranch = branch;
      if (field == "reviseFromBranch") task.spec.reviseFromBranch = branch;
      auto result = apply(json(task).dump());
      EXPECT_FALSE(result.ok()) << field << "=" << branch << " was accepted";
      EXPECT_THAT(result.err, HasSubstr("spec." + field)) << branch;
    }
  }
  AgenticTask fine = base;
  fine.metadata.name = "fine-branch";
  fine.spec.branch = "feature/x_y.z";
  auto result = apply(json(fine).dump());
  EXPECT_TRUE(result.ok()) << result.err;
}

// The rejection quotes the branch pattern (as the real API server does); issue 9 made it short
// enough for a person to read: the whole message stays under 1 KB.
TEST_F(CrdKubectl, BranchRejectionQuotesTheShortPattern) {
  AgenticTask task = decode<AgenticTask>(read_source("examples/agentictask.yaml"));
  task.metadata.name = "hostile-lock";
  task.spec.branch = "feature/x.lock";
  auto result = apply(json(task).dump());
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.err, HasSubstr("spec.branch"));
  EXPECT_THAT(result.err, HasSubstr(schema::branch_name_pattern()));
  EXPECT_LT(result.err.size(), 1024u) << result.err;
}

TEST_F(CrdKubectl, SchemaRejectsBadValuesNamingTheField) {
  const AgenticTask base = decode<AgenticTask>(read_source("examples/agentictask.yaml"));
  struct Case {
    std::string field;
    std::function<void(AgenticTask&)> mutate;
  };
  const std::vector<Case> cases = {
      {"spec.kind", [](AgenticTask& t) { t.spec.kind = "build"; }},
      {"spec.branchStrategy", [](AgenticTask& t) { t.spec.branchStrategy = "merge"; }},
      {"spec.repo.url", [](AgenticTask& t) { t.spec.repo.url = "https://user:pw@example.com/r"; }},
      {"spec.repo.url", [](AgenticTask& t) { t.spec.repo.url = "ext::sh -c x"; }},
      {"spec.timeoutSeconds", [](AgenticTask& t) { t.spec.timeoutSeconds = 0; }},
      {"spec.backoffLimit", [](AgenticTask& t) { t.spec.backoffLimit = -1; }},
      {"spec.expectedRemoteSha", [](AgenticTask& t) { t.spec.expectedRemoteSha = "HEAD"; }},
      {"spec.agentRef.name", [](AgenticTask& t) { t.spec.agentRef.name = "Bad_Name"; }},
  };
  int n = 0;
  for (const auto& c : cases) {
    AgenticTask task = base;
    task.metadata.name = "bad-" + std::to_string(n++);
    c.mutate(task);
    auto result = apply(json(task).dump());
    EXPECT_FALSE(result.ok()) << c.field << " accepted";
    EXPECT_THAT(result.err, HasSubstr(c.field));
  }
  // Required fields.
  json missing = json(base);
  missing["metadata"]["name"] = "missing-branch";
  missing["spec"].erase("branch");
  auto result = apply(missing.dump());
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.err, HasSubstr("spec.branch"));
}

// examples/workload.yaml with `from` replaced by `to` (exactly once) and a fresh name, as a
// user would edit a manifest by hand.
std::string edited_workload(const std::string& name, const std::string& from,
                            const std::string& to) {
  std::string text = read_source("examples/workload.yaml");
  for (const auto& [old_text, new_text] :
       {std::pair{std::string("name: widgets-q3\n"), "name: " + name + "\n"}, std::pair{from, to}}) {
    const auto at = text.find(old_text);
    EXPECT_NE(at, std::string::npos) << "examples/workload.yaml no longer contains: " << old_text;
    if (at != std::string::npos) text.replace(at, old_text.size(), new_text);
  }
  return text;
}

TEST_F(CrdKubectl, InvalidWorkloadsAreRefusedNamingTheFieldAndNotCreated) {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::vector<std::string> expected;  // substrings of kubectl's error
  };
  const std::vector<Case> cases = {
      // (a) wrong types
      {"bad-type-iterations", "maxReviewIterations: 2\n", "maxReviewIterations: \"three\"\n",
       {"spec.maxReviewIterations", "must be of type integer"}},
      {"bad-type-overwrite", "allowOverwrite: true\n", "allowOverwrite: \"yes please\"\n",
       {"spec.allowOverwrite", "must be of type boolean"}},
      {"bad-type-issues", "  - 42\n", "  - forty-two\n",
       {"spec.issues[0]", "must be of type integer"}},
      // (b) missing required fields, top-level and nested
      {"missing-coder", "\n  coderAgentRef:\n    name: coder", "",
       {"spec.coderAgentRef: Required value"}},
      {"missing-repo-url", "\n    url: https://git.example.com/acme/widgets.git", "",
       {"spec.repo.url: Required value"}},
      {"missing-task-prompt",
       "\n    prompt: Add the changes of this release to CHANGELOG.md under \"Unreleased\".", "",
       {"spec.tasks[0].prompt: Required value"}},
      // (c) enum, pattern and range violations
      {"bad-enum-strategy", "branchStrategy: rebase\n", "branchStrategy: bogus\n",
       {"spec.branchStrategy: Unsupported value: \"bogus\"",
        "supported values: \"restore\", \"rebase\", \"reset\""}},
      {"bad-pattern-base", "baseBranch: main\n", "baseBranch: \"a..b\"\n",
       {"spec.baseBranch: Invalid value: \"a..b\""}},
      {"bad-pattern-base-option", "baseBranch: main\n", "baseBranch: \"--upload-pack=x\"\n",
       {"spec.baseBranch: Invalid value: \"--upload-pack=x\""}},
      {"bad-pattern-task-name", "  - name: changelog\n", "  - name: Change_Log\n",
       {"spec.tasks[0].name: Invalid value: \"Change_Log\""}},
      {"bad-range-parallelism", "parallelism: 2\n", "parallelism: 0\n",
       {"spec.parallelism: Invalid value: 0", "greater than or equal to 1"}},
      {"bad-range-iterations", "maxReviewIterations: 2\n", "maxReviewIterations: 51\n",
       {"spec.maxReviewIterations: Invalid value: 51", "less than or equal to 50"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    // kubectl's defaults (--validate=strict): what a user typing `kubectl apply -f` gets.
    auto result = kubectl({"apply", "-f", "-"}, edited_workload(c.name, c.from, c.to));
    EXPECT_FALSE(result.ok()) << "accepted: " << result.out;
    EXPECT_THAT(result.err, HasSubstr("The Workload \"" + c.name + "\" is invalid"));
    for (const auto& expected : c.expected) EXPECT_THAT(result.err, HasSubstr(expected));
    auto got = kubectl({"get", "rdwl", c.name, "-o", "name"});
    EXPECT_FALSE(got.ok()) << c.name << " was created: " << got.out;
    EXPECT_THAT(got.err, HasSubstr("NotFound"));
  }
  // The unedited manifest under one of those names is fine: the edits alone were refused.
  auto fine = kubectl({"apply", "-f", "-"}, edited_workload("bad-type-iterations", "", ""));
  EXPECT_TRUE(fine.ok()) << fine.err;
  EXPECT_TRUE(kubectl({"get", "rdwl", "bad-type-iterations"}).ok());
}

TEST_F(CrdKubectl, PrinterColumns) {
  ASSERT_TRUE(
      kubectl({"apply", "--validate=false", "-f", source("examples/agent-coder.yaml")}).ok());
  ASSERT_TRUE(
      kubectl({"apply", "--validate=false", "-f", source("examples/agentictask.yaml")}).ok());
  ASSERT_TRUE(kubectl({"apply", "--validate=false", "-f", source("examples/workload.yaml")}).ok());
  auto agents = kubectl({"get", "rdag"});
  ASSERT_TRUE(agents.ok()) << agents.err;
  EXPECT_THAT(agents.out, ::testing::ContainsRegex("NAME +ROLE +IMAGE +AGE"));
  EXPECT_THAT(agents.out, ::testing::ContainsRegex("coder +coder +ghcr.io/example/agent-cli"));
  auto tasks = kubectl({"get", "rdat", "fix-issue-42"});
  ASSERT_TRUE(tasks.ok()) << tasks.err;
  EXPECT_THAT(tasks.out,
              ::testing::ContainsRegex("NAME +KIND +AGENT +BRANCH +PHASE +VERDICT +REASON +AGE"));
  EXPECT_THAT(tasks.out,
              ::testing::ContainsRegex("fix-issue-42 +code +coder +redraft/manual/issue-42"));
  auto workloads = kubectl({"get", "rdwl"});
  ASSERT_TRUE(workloads.ok()) << workloads.err;
  EXPECT_THAT(workloads.out,
              ::testing::ContainsRegex("NAME +PHASE +ITEMS +SUCCEEDED +FAILED +AGE"));
  auto category = kubectl({"get", "redraft", "-o", "name"});
  ASSERT_TRUE(category.ok()) << category.err;
  EXPECT_THAT(category.out, HasSubstr("agentictask.redraft.dev/fix-issue-42"));
  EXPECT_THAT(category.out, HasSubstr("workload.redraft.dev/widgets-q3"));
}

}  // namespace
}  // namespace redraft::api
