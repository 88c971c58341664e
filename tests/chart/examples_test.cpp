// Every YAML file under examples/ (each document of it) decodes as its kind, validates with zero
// errors before and after defaulting, and round-trips exactly; the real agent profiles in
// examples/agents/ come as a coder and a reviewer per CLI, take API keys only from Secrets, and
// tell reviewers to write the REDRAFT_RESULT_FILE verdict. (tests/api/examples_test.cpp checks
// four named files; this one finds the files itself so a new example cannot go untested.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "api/validation.hpp"
#include "tests/chart/chart_support.hpp"

namespace redraft::chart_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<fs::path> yaml_files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <typename T>
void expect_valid(const json& document) {
  T object = document.get<T>();
  EXPECT_EQ(json(object), document) << "decode→encode must reproduce the example exactly";
  EXPECT_THAT(api::validate(object), ::testing::IsEmpty()) << api::join_errors(api::validate(object));
  api::apply_defaults(object);
  EXPECT_THAT(api::validate(object), ::testing::IsEmpty()) << api::join_errors(api::validate(object));
}

TEST(Examples, EveryDocumentUnderExamplesValidates) {
  const auto files = yaml_files_under(source_path("examples"));
  ASSERT_FALSE(files.empty());
  int checked = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::vector<json> documents;
    ASSERT_NO_THROW(documents = api::parse_documents(read_text(file.string())));
    for (const auto& doc : documents) {
      if (doc.value("apiVersion", "") != api::kApiVersion) continue;  // e.g. a Secret template
      const std::string kind = doc.value("kind", "");
      SCOPED_TRACE(kind + " " + doc["metadata"].value("name", ""));
      EXPECT_FALSE(doc["metadata"].contains("namespace")) << "examples omit the namespace";
      if (kind == "Agent") {
        expect_valid<api::Agent>(doc);
      } else if (kind == "AgenticTask") {
        expect_valid<api::AgenticTask>(doc);
      } else if (kind == "Workload") {
        expect_valid<api::Workload>(doc);
      } else {
        ADD_FAILURE() << "unknown kind " << kind;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 12) << "the 4 example files, the demo agents and 8 CLI profiles";
}

struct Profile {
  std::string cli;
  std::string prompt_via;
};

// The CLIs with profiles, and how each takes its prompt.
const std::vector<Profile> kProfiles = {
    {"claude-code", "stdin"}, {"codex", "stdin"}, {"aider", "arg"}, {"gemini-cli", "stdin"}};

api::Agent load_agent(const std::string& file) {
  return api::decode<api::Agent>(read_text(source_path("examples/agents/" + file)));
}

bool looks_secret(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  return name.find("KEY") != std::string::npos || name.find("TOKEN") != std::string::npos ||
         name.find("SECRET") != std::string::npos || name.find("PASSWORD") != std::string::npos;
}

TEST(AgentProfiles, CoderAndReviewerPerCli) {
  for (const auto& p : kProfiles) {
    for (const std::string role : {"coder", "reviewer"}) {
      const std::string file = p.cli + "-" + role + ".yaml";
      SCOPED_TRACE(file);
      ASSERT_TRUE(fs::exists(source_path("examples/agents/" + file)));
      const api::Agent agent = load_agent(file);
      EXPECT_EQ(agent.metadata.name, p.cli + "-" + role) << "the name matches the file";
      EXPECT_EQ(agent.spec.role, role);
      EXPECT_EQ(agent.spec.promptVia, p.prompt_via);
      EXPECT_FALSE(agent.spec.command.empty());
      EXPECT_TRUE(agent.spec.timeoutSeconds.has_value());
      EXPECT_TRUE(agent.spec.resources.has_value());
      // A comment cites where the flags come from.
      EXPECT_THAT(read_text(source_path("examples/agents/" + file)), ::testing::HasSubstr("https://"));

      int secrets = 0;
      for (const auto& env : agent.spec.env) {
        if (!looks_secret(std::string(env.name.view()))) continue;
        ++secrets;
        EXPECT_FALSE(env.value.has_value()) << env.name.view() << " must not be a literal value";
        ASSERT_TRUE(env.valueFrom && env.valueFrom->secretKeyRef) << env.name.view() << " comes from a Secret";
      }
      EXPECT_GE(secrets, 1) << "an API key from a Secret";

      if (role == "reviewer") {
        EXPECT_THAT(std::string(agent.spec.instructions.view()), ::testing::HasSubstr("REDRAFT_RESULT_FILE"));
        EXPECT_THAT(std::string(agent.spec.instructions.view()), ::testing::HasSubstr("\"verdict\""));
      }
    }
  }
}

TEST(AgentProfiles, TheScriptedDemoAgentsStay) {
  EXPECT_EQ(load_agent("demo-coder.yaml").spec.role, "coder");
  EXPECT_EQ(load_agent("demo-reviewer.yaml").spec.role, "reviewer");
}

}  // namespace
}  // namespace redraft::chart_test
