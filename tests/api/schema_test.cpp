// The CRD schema: drift of the checked-in files, structural validity, and agreement of its
// patterns, enums, required fields and defaults with validation.cpp and defaults.cpp.
#include "api/schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "api/validation.hpp"
#include "tests/api/branch_name_samples.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::api {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Crd, CheckedInFilesMatchTheGenerator) {
  for (const auto& file : schema::crd_files()) {
    const std::string path = std::string(REDRAFT_SOURCE_DIR) + "/config/crd/" + file.filename;
    EXPECT_EQ(read_file(path), schema::render_crd_file(file))
        << path << " is out of date with api/schema.cpp: run `cmake --build build --target crds` "
        << "and commit the result";
  }
}

TEST(Crd, GeneratorWritesTheFilesAndRejectsBadUsage) {
  fixtures::TempDir dir("redraft-crdgen");
  const auto out = dir / "nested" / "crd";
  auto run = fixtures::run_command({REDRAFT_CRDGEN_BINARY, out.string()});
  ASSERT_TRUE(run.ok()) << run.err;
  for (const auto& file : schema::crd_files()) {
    EXPECT_EQ(read_file((out / file.filename).string()), schema::render_crd_file(file));
  }
  // Up-to-date files are left alone (nothing printed, exit 0).
  run = fixtures::run_command({REDRAFT_CRDGEN_BINARY, out.string()});
  EXPECT_TRUE(run.ok());
  EXPECT_EQ(run.out, "");
  auto usage = fixtures::run_command({REDRAFT_CRDGEN_BINARY});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, ::testing::HasSubstr("usage: redraft-crdgen <output-directory>"));
}

TEST(Crd, OutputIsDeterministic) {
  auto first = schema::crd_files();
  auto second = schema::crd_files();
  ASSERT_EQ(first.size(), 3u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(schema::render_crd_file(first[i]), schema::render_crd_file(second[i]));
  }
}

TEST(Crd, RenderedYamlParsesBackToTheSameCrd) {
  for (const auto& file : schema::crd_files()) {
    std::string text = schema::render_crd_file(file);
    text = text.substr(text.find("---\n") + 4);
    EXPECT_EQ(parse_document(text), file.crd) << file.filename;
  }
}

TEST(Crd, NamesAndPrinterColumns) {
  struct Expected {
    json crd;
    std::string plural, kind, short_name;
    std::vector<std::string> columns;
  };
  std::vector<Expected> expected = {
      {schema::agent_crd(), "agents", "Agent", "rdag", {"Role", "Image", "Age"}},
      {schema::agentic_task_crd(),
       "agentictasks",
       "AgenticTask",
       "rdat",
       {"Kind", "Agent", "Branch", "Phase", "Verdict", "Reason", "Age"}},
      {schema::workload_crd(),
       "workloads",
       "Workload",
       "rdwl",
       {"Phase", "Items", "Succeeded", "Failed", "Age"}}};
  for (const auto& e : expected) {
    const auto& spec = e.crd["spec"];
    EXPECT_EQ(e.crd["apiVersion"], "apiextensions.k8s.io/v1");
    EXPECT_EQ(e.crd["metadata"]["name"], e.plural + ".redraft.dev");
    EXPECT_EQ(spec["group"], "redraft.dev");
    EXPECT_EQ(spec["scope"], "Namespaced");
    EXPECT_EQ(spec["names"]["kind"], e.kind);
    EXPECT_EQ(spec["names"]["plural"], e.plural);
    EXPECT_EQ(spec["names"]["shortNames"], json::array({e.short_name}));
    EXPECT_EQ(spec["names"]["categories"], json::array({"redraft"}));
    const auto& version = spec["versions"][0];
    EXPECT_EQ(version["name"], "v1alpha1");
    EXPECT_EQ(version["subresources"], json::parse(R"({"status": {}})"));
    std::vector<std::string> columns;
    for (const auto& c : version["additionalPrinterColumns"]) {
      columns.push_back(c["name"]);
      EXPECT_EQ(c["jsonPath"].get<std::string>().front(), '.');
    }
    EXPECT_EQ(columns, e.columns);
  }
}

// Structural schema rules (apiextensions.k8s.io/v1): every node has a type (or is
// int-or-string), objects declare properties or additionalProperties, arrays declare items,
// and metadata is just `type: object`.
void expect_structural(const json& node, const std::string& path) {
  if (node.value("x-kubernetes-int-or-string", false)) return;
  ASSERT_TRUE(node.contains("type")) << path << " has no type";
  const std::string type = node["type"];
  if (type == "object") {
    if (node.contains("properties")) {
      for (const auto& [name, child] : node["properties"].items()) {
        expect_structural(child, path + "." + name);
      }
    } else if (node.contains("additionalProperties")) {
      expect_structural(node["additionalProperties"], path + ".*");
    } else {
      EXPECT_EQ(path, ".metadata") << path << " is an object without properties";
    }
    if (node.contains("required")) {
      for (const auto& r : node["required"]) {
        EXPECT_TRUE(node["properties"].contains(r.get<std::string>())) << path << " requires " << r;
      }
    }
  } else if (type == "array") {
    ASSERT_TRUE(node.contains("items")) << path;
    expect_structural(node["items"], path + "[]");
  }
  if (node.contains("pattern")) {
    EXPECT_NO_THROW(std::regex(node["pattern"].get<std::string>(), std::regex::ECMAScript)) << path;
  }
  if (node.contains("default") && node.contains("enum")) {
    EXPECT_THAT(node["enum"], ::testing::Contains(node["default"])) << path;
  }
}

TEST(Crd, SchemasAreStructural) {
  for (const auto& file : schema::crd_files()) {
    const auto& root = schema::open_api_schema(file.crd);
    expect_structural(root, "");
    EXPECT_EQ(root["properties"]["metadata"], json::parse(R"({"type": "object"})"));
  }
}

// ---- agreement with validation ----

const json& props(const json& crd, std::initializer_list<const char*> path) {
  const json* node = &schema::open_api_schema(crd);
  for (const char* step : path) node = &node->at("properties").at(step);
  return *node;
}

bool matches(const std::string& pattern, const std::string& value) {
  return std::regex_search(value, std::regex(pattern, std::regex::ECMAScript));
}

TEST(SchemaAgreement, BranchPatternMatchesBranchNameProblemOnSamples) {
  const std::regex re(schema::branch_name_pattern(), std::regex::ECMAScript);
  std::vector<std::string> names = samples::hostile_branch_names();
  const auto& valid = samples::valid_branch_names();
  names.insert(names.end(), valid.begin(), valid.end());
  for (const auto& name : names) {
    EXPECT_EQ(std::regex_match(name, re), !branch_name_problem(name).has_value())
        << ::testing::PrintToString(name)
        << " problem: " << branch_name_problem(name).value_or("(none)");
  }
}

// Random names over an alphabet rich in the characters the rules care about: the pattern and
// branch_name_problem must agree on every one.
TEST(SchemaAgreement, BranchPatternMatchesBranchNameProblemOnRandomNames) {
  const std::regex re(schema::branch_name_pattern(), std::regex::ECMAScript);
  const std::string alphabet = "a.b/@{-lockHEADrfs ~:x";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> length(0, 9);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string name;
    for (std::size_t n = length(rng); n > 0; --n) name += alphabet[pick(rng)];
    bool valid = !branch_name_problem(name).has_value();
    accepted += valid ? 1 : 0;
    ASSERT_EQ(std::regex_match(name, re), valid) << ::testing::PrintToString(name);
  }
  EXPECT_GT(accepted, 1000);  // the sample really exercised both sides
}

TEST(SchemaAgreement, BranchPatternIsUsedForEveryBranchField) {
  const auto task = schema::agentic_task_crd();
  const auto wl = schema::workload_crd();
  for (const json* field :
       {&props(task, {"spec", "branch"}), &props(task, {"spec", "baseBranch"}),
        &props(task, {"spec", "reviseFromBranch"}), &props(wl, {"spec", "baseBranch"})}) {
    EXPECT_EQ((*field)["pattern"], schema::branch_name_pattern());
    EXPECT_EQ((*field)["maxLength"], kMaxBranchNameLength);
  }
  EXPECT_FALSE(branch_name_problem(std::string(kMaxBranchNameLength, 'a')));
  EXPECT_TRUE(branch_name_problem(std::string(kMaxBranchNameLength + 1, 'a')));
}

TEST(SchemaAgreement, LongNamesMatchQuickly) {
  // std::regex backtracks; a 255-character name must still match without blowing the stack.
  const std::regex re(schema::branch_name_pattern(), std::regex::ECMAScript);
  std::string name;
  while (name.size() < 250) name += "ab.c@d/";
  name += "x";
  EXPECT_EQ(std::regex_match(name, re), !branch_name_problem(name).has_value());
}

TEST(SchemaAgreement, RepoUrlPatternMatchesValidation) {
  const std::string pattern = schema::repo_url_pattern();
  const std::vector<std::string> samples = {"https://github.com/o/r.git",
                                            "http://127.0.0.1:8080/r.git",
                                            "git://127.0.0.1:9418/r.git",
                                            "ssh://git@host/r.git",
                                            "ssh://@host/r",
                                            "ssh://host:22/r",
                                            "git@github.com:o/r.git",
                                            "host:path",
                                            "host:/abs",
                                            "host:",
                                            "file:///tmp/r.git",
                                            "file://host/x",
                                            "/tmp/r.git",
                                            "/a://b",
                                            "HTTPS://github.com/o/r",
                                            "https://user:tok@github.com/o/r",
                                            "https://tok@github.com/o/r",
                                            "ssh://git:tok@host/r",
                                            "ssh://a@b@host/r",
                                            "git:tok@host:o/r.git",
                                            "git://tok@host/r",
                                            "ext::sh -c evil",
                                            "ext::evil",
                                            "-uevil",
                                            "relative/path",
                                            "ftp://host/r",
                                            "https:///nohost",
                                            "https://-x/r",
                                            "ssh://-oProxy=x/r",
                                            "-oProxy@host:r",
                                            "host::x",
                                            "host:a::b",
                                            "a/b::c",
                                            "host:a/b::c",
                                            "host:path://x",
                                            "host:a@b/c",
                                            "",
                                            "https://host/a b",
                                            "https://host/\x7f"};
  const std::regex re(pattern, std::regex::ECMAScript);
  for (const auto& url : samples) {
    AgenticTask task;
    task.spec.repo.url = url;
    bool valid = true;
    for (const auto& e : validate(task)) valid = valid && e.field != "spec.repo.url";
    EXPECT_EQ(std::regex_match(url, re), valid) << ::testing::PrintToString(url);
  }
  const auto task = schema::agentic_task_crd();
  EXPECT_EQ(props(task, {"spec", "repo", "url"})["pattern"], pattern);
  EXPECT_EQ(props(task, {"spec", "repo", "pushUrl"})["pattern"], pattern);
}

TEST(SchemaAgreement, NamePatterns) {
  const std::vector<std::string> object_names = {"a",
                                                 "coder",
                                                 "a.b",
                                                 "a-b",
                                                 "1a",
                                                 "A",
                                                 "a_b",
                                                 "-a",
                                                 "a-",
                                                 "a..b",
                                                 "a.-b",
                                                 ".a",
                                                 "",
                                                 std::string(253, 'a'),
                                                 std::string(254, 'a')};
  const auto task_crd = schema::agentic_task_crd();
  const auto& agent_ref = props(task_crd, {"spec", "agentRef", "name"});
  for (const auto& name : object_names) {
    AgenticTask task;
    task.spec.agentRef.name = name;
    bool valid = true;
    for (const auto& e : validate(task)) valid = valid && e.field != "spec.agentRef.name";
    bool schema_ok = name.size() <= agent_ref["maxLength"].get<std::size_t>() &&
                     matches(agent_ref["pattern"], name);
    EXPECT_EQ(schema_ok, valid) << ::testing::PrintToString(name);
  }
  const auto wl_crd = schema::workload_crd();
  const auto& task_name = props(wl_crd, {"spec", "tasks"})["items"]["properties"]["name"];
  for (const std::string& name :
       std::vector<std::string>{"docs", "a1", "a-b", "1a", "a-", "A", "", "a_b", "-a",
                                std::string(40, 'a'), std::string(41, 'a')}) {
    Workload wl;
    wl.spec.tasks = {{name, "p"}};
    bool valid = true;
    for (const auto& e : validate(wl)) valid = valid && e.field != "spec.tasks[0].name";
    bool schema_ok = name.size() <= task_name["maxLength"].get<std::size_t>() &&
                     matches(task_name["pattern"], name);
    EXPECT_EQ(schema_ok, valid) << ::testing::PrintToString(name);
  }
}

TEST(SchemaAgreement, InstructionsPathPatternMatchesValidation) {
  const auto crd = schema::agent_crd();
  const auto& field = props(crd, {"spec", "instructionsPath"});
  EXPECT_EQ(field["pattern"], schema::repo_path_pattern());
  const std::regex re(schema::repo_path_pattern(), std::regex::ECMAScript);
  for (const std::string path : {".redraft/agents/coder.md",
                                 "a",
                                 ".",
                                 "./a",
                                 ".a/b",
                                 "..a",
                                 "a..",
                                 "...",
                                 "a//b",
                                 "a/",
                                 "..",
                                 "../x",
                                 "a/../b",
                                 "a/..",
                                 "/etc/passwd",
                                 "/",
                                 "a\nb",
                                 "a\tb",
                                 "a/./b",
                                 "x/.../y",
                                 "a\x7f"}) {
    Agent agent;
    agent.spec.role = role::kCoder;
    agent.spec.command = {"x"};
    agent.spec.instructionsPath = path;
    bool valid = validate(agent).empty();
    EXPECT_EQ(std::regex_match(path, re), valid) << ::testing::PrintToString(path);
  }
}

TEST(SchemaAgreement, TextLimitsMatchValidation) {
  const auto task_crd = schema::agentic_task_crd();
  for (const char* name : {"prompt", "promptPrefix", "intent"}) {
    EXPECT_EQ(props(task_crd, {"spec", name})["maxLength"], kMaxTextLength) << name;
  }
  EXPECT_EQ(props(task_crd, {"spec", "issue", "body"})["maxLength"], kMaxTextLength);
  const auto agent_crd = schema::agent_crd();
  EXPECT_EQ(props(agent_crd, {"spec", "instructions"})["maxLength"], kMaxTextLength);
  const auto wl_crd = schema::workload_crd();
  EXPECT_EQ(props(wl_crd, {"spec", "intent"})["maxLength"], kMaxTextLength);
  EXPECT_EQ(props(wl_crd, {"spec", "tasks"})["items"]["properties"]["prompt"]["maxLength"],
            kMaxTextLength);
}

std::vector<std::string> enum_of(const json& field) {
  return field.at("enum").get<std::vector<std::string>>();
}

TEST(SchemaAgreement, EnumsAcceptWhatValidationAccepts) {
  const auto agent = schema::agent_crd();
  const auto task = schema::agentic_task_crd();
  const auto wl = schema::workload_crd();
  EXPECT_THAT(enum_of(props(agent, {"spec", "role"})), ::testing::ElementsAre("coder", "reviewer"));
  EXPECT_THAT(enum_of(props(agent, {"spec", "promptVia"})),
              ::testing::ElementsAre("file", "stdin", "arg"));
  EXPECT_THAT(enum_of(props(task, {"spec", "kind"})), ::testing::ElementsAre("code", "review"));
  for (const json* field :
       {&props(task, {"spec", "branchStrategy"}), &props(wl, {"spec", "branchStrategy"})}) {
    EXPECT_THAT(enum_of(*field), ::testing::ElementsAre("restore", "rebase", "reset"));
  }
  // Every enum value passes validation, and a value outside the enum fails it.
  for (const auto& value : enum_of(props(agent, {"spec", "role"}))) {
    Agent a;
    a.spec.role = value;
    a.spec.command = {"x"};
    EXPECT_THAT(validate(a), ::testing::IsEmpty()) << value;
  }
  for (const auto& value : enum_of(props(task, {"spec", "kind"}))) {
    AgenticTask t;
    t.spec.kind = value;
    t.spec.agentRef.name = "a";
    t.spec.repo.url = "/r";
    t.spec.branch = "b";
    t.spec.prompt = "p";
    EXPECT_THAT(validate(t), ::testing::IsEmpty()) << value;
    t.spec.kind = value + "x";
    EXPECT_THAT(validate(t), ::testing::Not(::testing::IsEmpty()));
  }
  EXPECT_THAT(enum_of(props(task, {"status", "verdict"})),
              ::testing::ElementsAre("PUSHED", "NO-CHANGES", "GO", "NO-GO", "INCOMPLETE"));
  EXPECT_THAT(enum_of(props(task, {"status", "phase"})),
              ::testing::ElementsAre("Pending", "Running", "Succeeded", "Failed"));
}

TEST(SchemaAgreement, RequiredFieldsAreRequiredByValidation) {
  // Each schema-required spec field, when missing, is reported by validation under its path.
  auto required = [](const json& crd) {
    return props(crd, {"spec"}).at("required").get<std::vector<std::string>>();
  };
  EXPECT_THAT(required(schema::agent_crd()), ::testing::ElementsAre("command", "role"));
  EXPECT_THAT(required(schema::agentic_task_crd()),
              ::testing::ElementsAre("agentRef", "branch", "kind", "repo"));
  EXPECT_THAT(required(schema::workload_crd()), ::testing::ElementsAre("coderAgentRef", "repo"));
  auto fields = [](const std::vector<FieldError>& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(e.field);
    return out;
  };
  EXPECT_THAT(fields(validate(Agent{})), ::testing::IsSupersetOf({"spec.command", "spec.role"}));
  EXPECT_THAT(
      fields(validate(AgenticTask{})),
      ::testing::IsSupersetOf({"spec.agentRef.name", "spec.branch", "spec.kind", "spec.repo.url"}));
  EXPECT_THAT(fields(validate(Workload{})),
              ::testing::IsSupersetOf({"spec.coderAgentRef.name", "spec.repo.url"}));
}

TEST(SchemaAgreement, BoundsMatchValidation) {
  // For each bounded field: the schema's minimum/maximum, and validation accepting exactly the
  // values inside them.
  struct Case {
    json crd;
    std::vector<const char*> path;
    std::int64_t minimum, maximum;
    std::function<std::vector<FieldError>(std::int64_t)> validate_with;
  };
  const std::vector<Case> cases = {
      {schema::agent_crd(),
       {"spec", "timeoutSeconds"},
       1,
       kMaxTimeoutSeconds,
       [](std::int64_t v) {
         Agent a;
         a.spec.timeoutSeconds = v;
         return validate(a);
       }},
      {schema::agentic_task_crd(),
       {"spec", "timeoutSeconds"},
       1,
       kMaxTimeoutSeconds,
       [](std::int64_t v) {
         AgenticTask t;
         t.spec.timeoutSeconds = v;
         return validate(t);
       }},
      {schema::agentic_task_crd(),
       {"spec", "backoffLimit"},
       0,
       kMaxBackoffLimit,
       [](std::int64_t v) {
         AgenticTask t;
         t.spec.backoffLimit = v;
         return validate(t);
       }},
      {schema::workload_crd(),
       {"spec", "maxReviewIterations"},
       0,
       kMaxReviewIterations,
       [](std::int64_t v) {
         Workload w;
         w.spec.maxReviewIterations = v;
         return validate(w);
       }},
      {schema::workload_crd(), {"spec", "parallelism"}, 1, kMaxParallelism, [](std::int64_t v) {
         Workload w;
         w.spec.parallelism = v;
         return validate(w);
       }}};
  for (const auto& c : cases) {
    const json* node = &schema::open_api_schema(c.crd);
    for (const char* step : c.path) node = &node->at("properties").at(step);
    const std::string field = std::string("spec.") + c.path.back();
    EXPECT_EQ((*node)["minimum"], c.minimum) << field;
    EXPECT_EQ((*node)["maximum"], c.maximum) << field;
    auto reported = [&](std::int64_t v) {
      for (const auto& e : c.validate_with(v)) {
        if (e.field == field) return true;
      }
      return false;
    };
    EXPECT_FALSE(reported(c.minimum)) << field;
    EXPECT_FALSE(reported(c.maximum)) << field;
    EXPECT_TRUE(reported(c.minimum - 1)) << field;
    EXPECT_TRUE(reported(c.maximum + 1)) << field;
  }
}

// Applying the schema's defaults to an empty spec gives what apply_defaults() gives.
json schema_defaults(const json& schema_node) {
  json out = json::object();
  for (const auto& [name, child] : schema_node["properties"].items()) {
    if (child.contains("default")) {
      out[name] = child["default"];
      if (child["type"] == "object") {
        for (const auto& [inner, inner_schema] : child["properties"].items()) {
          if (inner_schema.contains("default")) out[name][inner] = inner_schema["default"];
        }
      }
    }
  }
  return out;
}

TEST(SchemaAgreement, DefaultsMatchApplyDefaults) {
  Agent agent;
  apply_defaults(agent);
  const auto agent_crd = schema::agent_crd();
  EXPECT_EQ(schema_defaults(props(agent_crd, {"spec"})), json(agent)["spec"]);
  AgenticTask task;
  apply_defaults(task);
  const auto task_crd = schema::agentic_task_crd();
  EXPECT_EQ(schema_defaults(props(task_crd, {"spec"})), json(task)["spec"]);
  Workload wl;  // unnamed: the name-derived branchPrefix is not a schema default
  apply_defaults(wl);
  const auto wl_crd = schema::workload_crd();
  EXPECT_EQ(schema_defaults(props(wl_crd, {"spec"})), json(wl)["spec"]);
}

TEST(SchemaAgreement, QuantitiesAreIntOrString) {
  const auto crd = schema::agent_crd();
  const auto& limits = props(crd, {"spec", "resources", "limits"});
  const auto& quantity = limits["additionalProperties"];
  EXPECT_EQ(quantity["x-kubernetes-int-or-string"], true);
  const std::regex re(quantity["pattern"].get<std::string>(), std::regex::ECMAScript);
  for (const std::string ok : {"1", "500m", "1Gi", "0.5", "1e3", "+2", "128974848"}) {
    EXPECT_TRUE(std::regex_match(ok, re)) << ok;
  }
  for (const std::string bad : {"lots", "1 Gi", "Gi", "", "1GB"}) {
    EXPECT_FALSE(std::regex_match(bad, re)) << bad;
  }
}

}  // namespace
}  // namespace redraft::api
