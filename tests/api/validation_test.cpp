// Validation: every error names its field; hostile branch names are rejected; defaults.
#include "api/validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "tests/api/branch_name_samples.hpp"

namespace redraft::api {
namespace {

using ::testing::HasSubstr;

AgenticTask valid_task() {
  AgenticTask task;
  task.metadata.name = "t1";
  task.spec.kind = task_kind::kCode;
  task.spec.agentRef.name = "coder";
  task.spec.repo.url = "https://git.example.com/org/repo.git";
  task.spec.branch = "redraft/wl/issue-12";
  task.spec.issue = IssueRef{12, "title", "body"};
  return task;
}

Agent valid_agent() {
  Agent agent;
  agent.metadata.name = "coder";
  agent.spec.role = role::kCoder;
  agent.spec.command = {"/bin/sh", "-c", "run-agent"};
  return agent;
}

Workload valid_workload() {
  Workload wl;
  wl.metadata.name = "wl";
  wl.spec.repo.url = "git://127.0.0.1:9418/repo.git";
  wl.spec.issues = {1, 2};
  wl.spec.coderAgentRef.name = "coder";
  wl.spec.reviewerAgentRefs = {{"reviewer"}};
  return wl;
}

// All errors as "field: message" strings, for readable assertions.
template <typename T>
std::vector<std::string> errors_of(const T& object) {
  std::vector<std::string> out;
  for (const auto& e : validate(object)) out.push_back(e.to_string());
  return out;
}

template <typename T>
std::string only_error(const T& object) {
  auto errors = errors_of(object);
  if (errors.size() != 1)
    return "expected exactly one error, got: " + join_errors(validate(object));
  return errors.front();
}

TEST(Validation, ValidObjectsHaveNoErrors) {
  EXPECT_THAT(errors_of(valid_task()), ::testing::IsEmpty());
  EXPECT_THAT(errors_of(valid_agent()), ::testing::IsEmpty());
  EXPECT_THAT(errors_of(valid_workload()), ::testing::IsEmpty());
}

// ---- branch names ----

// The shared samples, plus one the CRD pattern leaves to maxLength (see schema_test).
const std::vector<std::string> kHostileBranches = [] {
  std::vector<std::string> names = samples::hostile_branch_names();
  names.push_back(std::string(256, 'a'));
  return names;
}();

const std::vector<std::string>& kValidBranches = samples::valid_branch_names();

TEST(BranchName, HostileNamesAreRejected) {
  for (const auto& name : kHostileBranches) {
    EXPECT_TRUE(branch_name_problem(name).has_value())
        << "accepted: " << ::testing::PrintToString(name);
  }
}

TEST(BranchName, ReasonableNamesAreAccepted) {
  for (const auto& name : kValidBranches) {
    EXPECT_EQ(branch_name_problem(name), std::nullopt) << ::testing::PrintToString(name);
  }
  EXPECT_EQ(branch_name_problem(std::string(255, 'a')), std::nullopt);
}

TEST(BranchName, MessagesExplainWithoutEchoingTheName) {
  EXPECT_EQ(branch_name_problem("-x"), "must not start with '-'");
  EXPECT_EQ(branch_name_problem("a..b"), "must not contain '..'");
  EXPECT_EQ(branch_name_problem("x.lock"), "path components must not end with '.lock'");
  EXPECT_EQ(branch_name_problem("a b"), "must not contain spaces or control characters");
  EXPECT_EQ(branch_name_problem(""), "must not be empty");
  EXPECT_THAT(*branch_name_problem("refs/heads/../x"), HasSubstr("refs/"));
  auto message = branch_name_problem("--upload-pack=evil");
  ASSERT_TRUE(message);
  EXPECT_THAT(*message, ::testing::Not(HasSubstr("evil")));
}

TEST(Validation, HostileBranchesAreRejectedInEveryBranchField) {
  for (const auto& name : kHostileBranches) {
    if (name.empty()) continue;  // empty means "unset" for the optional fields
    for (const std::string field : {"spec.branch", "spec.baseBranch", "spec.reviseFromBranch"}) {
      auto task = valid_task();
      if (field == "spec.branch") task.spec.branch = name;
      if (field == "spec.baseBranch") task.spec.baseBranch = name;
      if (field == "spec.reviseFromBranch") task.spec.reviseFromBranch = name;
      auto errors = validate(task);
      ASSERT_EQ(errors.size(), 1u)
          << field << " " << ::testing::PrintToString(name) << ": " << join_errors(errors);
      EXPECT_EQ(errors[0].field, field);
      EXPECT_EQ(errors[0].message, *branch_name_problem(name));
    }
  }
  auto task = valid_task();
  task.spec.branch = "";
  EXPECT_EQ(only_error(task), "spec.branch: must not be empty");
}

TEST(Validation, WorkloadBaseBranchAndPrefixAreChecked) {
  auto wl = valid_workload();
  wl.spec.baseBranch = "a..b";
  EXPECT_EQ(only_error(wl), "spec.baseBranch: must not contain '..'");
  wl = valid_workload();
  wl.spec.branchPrefix = "-bots/";
  EXPECT_THAT(only_error(wl), HasSubstr("spec.branchPrefix: must not start with '-'"));
  wl = valid_workload();
  wl.spec.branchPrefix = "bots//";
  EXPECT_THAT(only_error(wl), HasSubstr("spec.branchPrefix: must not contain '//'"));
  wl = valid_workload();
  wl.metadata.name = "x.lock";  // a valid object name, but "redraft/x.lock/1" is not a branch
  EXPECT_THAT(only_error(wl), HasSubstr("metadata.name: the default branch prefix"));
}

// ---- AgenticTask ----

TEST(Validation, TaskRequiredFields) {
  AgenticTask task;
  auto errors = errors_of(task);
  EXPECT_THAT(errors, ::testing::IsSupersetOf({
                          "spec.kind: Required value",
                          "spec.agentRef.name: Required value",
                          "spec.repo.url: Required value",
                          "spec.branch: must not be empty",
                      }));
}

TEST(Validation, CodeTasksNeedIssueOrPrompt) {
  auto task = valid_task();
  task.spec.issue.reset();
  EXPECT_EQ(only_error(task),
            "spec.issue: Required value: code tasks need spec.issue or spec.prompt");
  task.spec.prompt = "do it";
  EXPECT_THAT(errors_of(task), ::testing::IsEmpty());
  task.spec.kind = task_kind::kReview;
  task.spec.prompt.clear();
  EXPECT_THAT(errors_of(task), ::testing::IsEmpty());  // reviews review the pushed branch
}

TEST(Validation, ReviewTasksMustNotReviseFromABranch) {
  auto task = valid_task();
  task.spec.kind = task_kind::kReview;
  task.spec.reviseFromBranch = "redraft/wl/issue-12";
  EXPECT_EQ(only_error(task), "spec.reviseFromBranch: must not be set on review tasks");
}

TEST(Validation, EnumsNameFieldAndValue) {
  auto task = valid_task();
  task.spec.kind = "build";
  EXPECT_EQ(only_error(task),
            "spec.kind: Unsupported value: \"build\": supported values: \"code\", \"review\"");
  task = valid_task();
  task.spec.branchStrategy = "merge";
  EXPECT_THAT(only_error(task), HasSubstr("spec.branchStrategy: Unsupported value: \"merge\""));
  auto agent = valid_agent();
  agent.spec.role = "boss";
  EXPECT_THAT(only_error(agent), HasSubstr("spec.role: Unsupported value: \"boss\""));
  agent = valid_agent();
  agent.spec.promptVia = "pigeon";
  EXPECT_THAT(only_error(agent), HasSubstr("spec.promptVia: Unsupported value"));
  auto wl = valid_workload();
  wl.spec.branchStrategy = "squash";
  EXPECT_THAT(only_error(wl), HasSubstr("spec.branchStrategy: Unsupported value"));
}

TEST(Validation, EnumValuesAreEscaped) {
  auto task = valid_task();
  task.spec.kind = "x\nInjected: line";
  EXPECT_THAT(only_error(task), HasSubstr("\\n"));
  EXPECT_THAT(only_error(task), ::testing::Not(HasSubstr("\n")));
}

TEST(Validation, TaskNumbersAndShas) {
  auto task = valid_task();
  task.spec.issue->number = 0;
  EXPECT_EQ(only_error(task), "spec.issue.number: must be greater than or equal to 1");
  task = valid_task();
  task.spec.timeoutSeconds = 0;
  EXPECT_EQ(only_error(task), "spec.timeoutSeconds: must be greater than or equal to 1");
  task = valid_task();
  task.spec.backoffLimit = -1;
  EXPECT_EQ(only_error(task), "spec.backoffLimit: must be greater than or equal to 0");
  task = valid_task();
  task.spec.expectedRemoteSha = "HEAD~1";
  EXPECT_THAT(only_error(task), HasSubstr("spec.expectedRemoteSha: must be a full"));
  task.spec.expectedRemoteSha = std::string(40, 'a');
  EXPECT_THAT(errors_of(task), ::testing::IsEmpty());
}

TEST(Validation, BranchMustDifferFromBase) {
  auto task = valid_task();
  task.spec.branch = "main";
  EXPECT_THAT(only_error(task), HasSubstr("spec.branch: must differ from spec.baseBranch"));
}

TEST(Validation, AuthorAndForkAndAgentRef) {
  auto task = valid_task();
  task.spec.author = Person{"Evil <x>", ""};
  auto errors = errors_of(task);
  EXPECT_THAT(errors, ::testing::UnorderedElementsAre(
                          "spec.author.name: must not contain '<', '>' or line breaks",
                          "spec.author.email: Required value"));
  task = valid_task();
  task.spec.forkOf = LocalObjectReference{};
  EXPECT_EQ(only_error(task), "spec.forkOf.name: Required value");
  task = valid_task();
  task.spec.agentRef.name = "Not_A_Name";
  EXPECT_THAT(only_error(task), HasSubstr("spec.agentRef.name: must consist of lower case"));
}

// ---- repository URLs ----

TEST(Validation, RepoUrlsMustNotCarryCredentials) {
  for (const std::string url :
       {"https://user:s3cr3tT0ken@github.com/o/r.git", "https://ghp_s3cr3tT0ken@github.com/o/r.git",
        "http://x-access-token:s3cr3tT0ken@127.0.0.1/r", "ssh://git:s3cr3tT0ken@host/r.git",
        "git:s3cr3tT0ken@host:o/r.git", "git://s3cr3tT0ken@host/r"}) {
    auto task = valid_task();
    task.spec.repo.url = url;
    auto errors = validate(task);
    ASSERT_EQ(errors.size(), 1u) << url;
    EXPECT_EQ(errors[0].field, "spec.repo.url");
    EXPECT_THAT(errors[0].message, HasSubstr("credentials"));
    EXPECT_THAT(errors[0].to_string(), ::testing::Not(HasSubstr("s3cr3t")));
    task = valid_task();
    task.spec.repo.pushUrl = url;
    EXPECT_THAT(only_error(task), HasSubstr("spec.repo.pushUrl: must not contain credentials"));
  }
}

TEST(Validation, RepoUrlForms) {
  for (const std::string ok :
       {"https://github.com/o/r.git", "http://127.0.0.1:8080/r.git", "git://127.0.0.1:9418/r.git",
        "ssh://git@host/r.git", "git@github.com:o/r.git", "file:///tmp/r.git", "/tmp/r.git"}) {
    auto task = valid_task();
    task.spec.repo.url = ok;
    EXPECT_THAT(errors_of(task), ::testing::IsEmpty()) << ok;
  }
  for (const std::string bad :
       {"ext::sh -c evil", "ext::evil", "-uevil", "relative/path", "ftp://host/r",
        "https:///nohost", "a b://x", "HTTPS://github.com/o/r", "ssh://-oProxyCommand=x/r",
        "-oProxyCommand=x@host:r", "git@-oProxyCommand=x:r"}) {
    auto task = valid_task();
    task.spec.repo.url = bad;
    auto errors = validate(task);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].field, "spec.repo.url") << bad;
  }
}

// ---- Agent ----

TEST(Validation, AgentFields) {
  auto agent = valid_agent();
  agent.spec.command.clear();
  EXPECT_THAT(only_error(agent), HasSubstr("spec.command: Required value"));
  agent = valid_agent();
  agent.spec.command = {"run", ""};
  EXPECT_EQ(only_error(agent), "spec.command[1]: must not be empty");
  agent = valid_agent();
  agent.spec.role.clear();
  EXPECT_EQ(only_error(agent), "spec.role: Required value");
  agent = valid_agent();
  agent.spec.timeoutSeconds = -5;
  EXPECT_EQ(only_error(agent), "spec.timeoutSeconds: must be greater than or equal to 1");
  agent = valid_agent();
  agent.spec.instructionsPath = "../../etc/passwd";
  EXPECT_THAT(only_error(agent), HasSubstr("spec.instructionsPath: must not contain '..'"));
  agent.spec.instructionsPath = "/etc/passwd";
  EXPECT_THAT(only_error(agent), HasSubstr("spec.instructionsPath: must be a relative path"));
  agent.spec.instructionsPath = ".redraft/agents/coder.md";
  EXPECT_THAT(errors_of(agent), ::testing::IsEmpty());
}

TEST(Validation, AgentEnvAndResources) {
  auto agent = valid_agent();
  EnvVar both{"A", std::string("v"), EnvVarSource{KeySelector{"s", "k", {}}, {}, {}}};
  EnvVar none{"B", std::nullopt, EnvVarSource{}};
  EnvVar bad_name{"1BAD", std::string("v"), std::nullopt};
  EnvVar dup{"A", std::string("w"), std::nullopt};
  EnvVar missing_key{"C", std::nullopt, EnvVarSource{KeySelector{"s", "", {}}, {}, {}}};
  agent.spec.env = {both, none, bad_name, dup, missing_key};
  agent.spec.resources =
      ResourceRequirements{{{"cpu", "2"}, {"memory", "lots"}}, {{"cpu", "500m"}}};
  EXPECT_THAT(errors_of(agent),
              ::testing::UnorderedElementsAre(
                  "spec.env[0].valueFrom: may not be specified when `value` is not empty",
                  "spec.env[1].valueFrom: must specify exactly one of secretKeyRef, "
                  "configMapKeyRef, fieldRef",
                  HasSubstr("spec.env[2].name: must consist of"),
                  "spec.env[3].name: Duplicate value: \"A\"",
                  "spec.env[4].valueFrom.secretKeyRef.key: Required value",
                  HasSubstr("spec.resources.limits.memory: must be a quantity")));
}

// ---- Workload ----

TEST(Validation, WorkloadRequiredFields) {
  Workload wl;
  EXPECT_THAT(errors_of(wl),
              ::testing::IsSupersetOf({
                  "spec.repo.url: Required value",
                  "spec.coderAgentRef.name: Required value",
                  "spec.issues: Required value: at least one of spec.issues or spec.tasks",
              }));
}

TEST(Validation, WorkloadItems) {
  auto wl = valid_workload();
  wl.spec.issues = {3, 0, 3};
  EXPECT_THAT(errors_of(wl),
              ::testing::UnorderedElementsAre("spec.issues[1]: must be greater than or equal to 1",
                                              "spec.issues[2]: Duplicate value: 3"));
  wl = valid_workload();
  wl.spec.issues.clear();
  wl.spec.tasks = {{"docs", "write docs"}, {"docs", "again"}, {"12", "numeric"},
                   {"Bad_Name", "x"},      {"ok", ""},        {std::string(41, 'a'), "long"}};
  EXPECT_THAT(errors_of(wl),
              ::testing::UnorderedElementsAre(
                  "spec.tasks[1].name: Duplicate value: \"docs\"",
                  "spec.tasks[2].name: must start with a lower case letter",
                  HasSubstr("spec.tasks[3].name: must"), "spec.tasks[4].prompt: Required value",
                  "spec.tasks[5].name: must be no more than 40 characters"));
}

TEST(Validation, WorkloadNumbersAndRefs) {
  auto wl = valid_workload();
  wl.spec.maxReviewIterations = -1;
  wl.spec.parallelism = 0;
  wl.spec.reviewerAgentRefs = {{"ok"}, {""}};
  wl.spec.revisionCoderAgentRef = LocalObjectReference{"UPPER"};
  EXPECT_THAT(errors_of(wl), ::testing::UnorderedElementsAre(
                                 "spec.maxReviewIterations: must be greater than or equal to 0",
                                 "spec.parallelism: must be greater than or equal to 1",
                                 "spec.reviewerAgentRefs[1].name: Required value",
                                 HasSubstr("spec.revisionCoderAgentRef.name: must consist")));
  wl = valid_workload();
  wl.spec.maxReviewIterations = 0;  // disables review rounds: valid
  EXPECT_THAT(errors_of(wl), ::testing::IsEmpty());
  wl.metadata.name = std::string(181, 'w');
  EXPECT_THAT(only_error(wl), HasSubstr("metadata.name: must be no more than 180 characters"));
}

TEST(Validation, HugeTextsAreRejectedNamingTheField) {
  const std::string huge(kMaxTextLength + 1, 'x');
  auto task = valid_task();
  task.spec.prompt = huge;
  task.spec.issue->body = huge;
  EXPECT_THAT(errors_of(task), ::testing::UnorderedElementsAre(
                                   "spec.prompt: must be no more than 262144 bytes",
                                   "spec.issue.body: must be no more than 262144 bytes"));
  task = valid_task();
  task.spec.prompt = std::string(kMaxTextLength, 'x');
  EXPECT_THAT(errors_of(task), ::testing::IsEmpty());
  auto wl = valid_workload();
  wl.spec.tasks = {{"big", huge}};
  wl.spec.intent = huge;
  EXPECT_THAT(errors_of(wl), ::testing::UnorderedElementsAre(
                                 "spec.tasks[0].prompt: must be no more than 262144 bytes",
                                 "spec.intent: must be no more than 262144 bytes"));
  auto agent = valid_agent();
  agent.spec.instructions = huge;
  EXPECT_EQ(only_error(agent), "spec.instructions: must be no more than 262144 bytes");
}

TEST(Validation, JoinErrors) {
  EXPECT_EQ(join_errors({{"a", "x"}, {"b", "y"}}), "a: x; b: y");
  EXPECT_EQ(join_errors({}), "");
}

// ---- defaults ----

TEST(Defaults, Agent) {
  Agent agent;
  apply_defaults(agent);
  EXPECT_EQ(agent.spec.promptVia, "file");
  EXPECT_EQ(agent.spec.timeoutSeconds, 1800);
  agent.spec.promptVia = "stdin";
  agent.spec.timeoutSeconds = 5;
  apply_defaults(agent);
  EXPECT_EQ(agent.spec.promptVia, "stdin");
  EXPECT_EQ(agent.spec.timeoutSeconds, 5);
}

TEST(Defaults, AgenticTask) {
  AgenticTask task;
  apply_defaults(task);
  EXPECT_EQ(task.spec.baseBranch, "main");
  EXPECT_EQ(task.spec.branchStrategy, "restore");
  EXPECT_EQ(task.spec.backoffLimit, 1);
  EXPECT_EQ(task.spec.allowOverwrite, false);
  ASSERT_TRUE(task.spec.author);
  EXPECT_EQ(task.spec.author->name, "Redraft");
  EXPECT_EQ(task.spec.author->email, "redraft@redraft.dev");
  EXPECT_FALSE(task.spec.timeoutSeconds.has_value());  // comes from the Agent

  AgenticTask custom;
  custom.spec.baseBranch = "develop";
  custom.spec.branchStrategy = "reset";
  custom.spec.backoffLimit = 0;
  custom.spec.allowOverwrite = true;
  custom.spec.author = Person{"Bot", "bot@x"};
  AgenticTask expected = custom;
  apply_defaults(custom);
  EXPECT_EQ(custom, expected);
}

TEST(Defaults, Workload) {
  Workload wl;
  wl.metadata.name = "fixes";
  apply_defaults(wl);
  EXPECT_EQ(wl.spec.baseBranch, "main");
  EXPECT_EQ(wl.spec.maxReviewIterations, 1);
  EXPECT_EQ(wl.spec.branchStrategy, "rebase");
  EXPECT_EQ(wl.spec.allowOverwrite, true);
  EXPECT_EQ(wl.spec.branchPrefix, "redraft/fixes/");
  EXPECT_FALSE(wl.spec.parallelism.has_value());

  Workload zero;
  zero.metadata.name = "z";
  zero.spec.maxReviewIterations = 0;
  zero.spec.allowOverwrite = false;
  zero.spec.branchPrefix = "bots/";
  apply_defaults(zero);
  EXPECT_EQ(zero.spec.maxReviewIterations, 0);
  EXPECT_EQ(zero.spec.allowOverwrite, false);
  EXPECT_EQ(zero.spec.branchPrefix, "bots/");

  Workload unnamed;  // generateName: no prefix can be derived yet
  apply_defaults(unnamed);
  EXPECT_TRUE(unnamed.spec.branchPrefix.empty());
}

TEST(Defaults, AreIdempotent) {
  auto wl = valid_workload();
  apply_defaults(wl);
  auto once = wl;
  apply_defaults(wl);
  EXPECT_EQ(wl, once);
  auto task = valid_task();
  apply_defaults(task);
  auto task_once = task;
  apply_defaults(task);
  EXPECT_EQ(task, task_once);
  EXPECT_THAT(errors_of(task), ::testing::IsEmpty());
  EXPECT_THAT(errors_of(wl), ::testing::IsEmpty());
}

}  // namespace
}  // namespace redraft::api
