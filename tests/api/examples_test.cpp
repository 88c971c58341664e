// The shipped examples decode, validate with zero errors (before and after defaulting) and
// round-trip exactly through the typed structs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "api/validation.hpp"

namespace redraft::api {
namespace {

using nlohmann::json;

std::string example(const std::string& name) {
  const std::string path = std::string(REDRAFT_SOURCE_DIR) + "/examples/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
void check_example(const std::string& name, const std::string& kind) {
  SCOPED_TRACE(name);
  const std::string text = example(name);
  const json document = parse_document(text);
  EXPECT_EQ(document["apiVersion"], kApiVersion);
  EXPECT_EQ(document["kind"], kind);
  EXPECT_FALSE(document["metadata"].contains("namespace")) << "examples omit the namespace";

  T object = decode<T>(text);
  EXPECT_EQ(json(object), document) << "decode→encode must reproduce the example exactly";
  EXPECT_THAT(validate(object), ::testing::IsEmpty()) << join_errors(validate(object));
  apply_defaults(object);
  EXPECT_THAT(validate(object), ::testing::IsEmpty()) << join_errors(validate(object));
}

TEST(Examples, AgentCoder) {
  check_example<Agent>("agent-coder.yaml", "Agent");
  auto agent = decode<Agent>(example("agent-coder.yaml"));
  EXPECT_EQ(agent.spec.role, role::kCoder);
}

TEST(Examples, AgentReviewer) {
  check_example<Agent>("agent-reviewer.yaml", "Agent");
  auto agent = decode<Agent>(example("agent-reviewer.yaml"));
  EXPECT_EQ(agent.spec.role, role::kReviewer);
}

TEST(Examples, AgenticTask) {
  check_example<AgenticTask>("agentictask.yaml", "AgenticTask");
  auto task = decode<AgenticTask>(example("agentictask.yaml"));
  EXPECT_EQ(task.spec.agentRef.name, decode<Agent>(example("agent-coder.yaml")).metadata.name);
}

TEST(Examples, Workload) {
  check_example<Workload>("workload.yaml", "Workload");
  auto wl = decode<Workload>(example("workload.yaml"));
  EXPECT_EQ(wl.spec.coderAgentRef.name, decode<Agent>(example("agent-coder.yaml")).metadata.name);
  ASSERT_EQ(wl.spec.reviewerAgentRefs.size(), 1u);
  EXPECT_EQ(wl.spec.reviewerAgentRefs[0].name,
            decode<Agent>(example("agent-reviewer.yaml")).metadata.name);
  apply_defaults(wl);
  EXPECT_EQ(wl.spec.branchPrefix, "redraft/widgets-q3/");
}

TEST(Examples, DecodingAsTheWrongKindFailsWithTheField) {
  try {
    decode<Workload>(example("agentictask.yaml"));
    FAIL() << "decoded an AgenticTask as a Workload";
  } catch (const DecodeError& e) {
    EXPECT_THAT(e.what(), ::testing::StartsWith("kind: "));
  }
}

}  // namespace
}  // namespace redraft::api
