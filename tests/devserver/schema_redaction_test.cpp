// 422 messages of the devserver never quote URL credentials: the schema validator masks the
// userinfo of URLs in the values it quotes (pattern, enum, date-time, minLength, duplicates),
// checked on the pure validator and over real HTTP and kubectl.
#include "devserver_fixture.hpp"
#include "schema.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using nlohmann::json;
using redraft::devserver::FieldCause;
using redraft::devserver::validate_against_schema;
using redraft::testing::DevServer;

namespace {

std::string all_messages(const std::vector<FieldCause>& causes) {
  std::string text;
  for (const auto& c : causes) text += c.field + ": " + c.message + "\n";
  return text;
}

json object_with(const json& spec) { return {{"spec", spec}}; }

json schema_for(const json& spec_properties) {
  return {{"type", "object"},
          {"properties", {{"spec", {{"type", "object"}, {"properties", spec_properties}}}}}};
}

TEST(SchemaRedaction, PatternFailureMasksUserAndPassword) {
  const json schema = schema_for({{"url", {{"type", "string"}, {"pattern", "^https://[^@]+$"}}}});
  auto causes = validate_against_schema(schema, object_with({{"url", "https://user:pw@example.com/r"}}));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "spec.url");
  EXPECT_EQ(causes[0].message,
            "Invalid value: \"https://***@example.com/r\": spec.url in body should match "
            "'^https://[^@]+$'");
}

TEST(SchemaRedaction, EveryMessageThatQuotesAValueIsMasked) {
  const json schema = schema_for({
      {"enumUrl", {{"type", "string"}, {"enum", json::array({"https://example.com/a"})}}},
      {"when", {{"type", "string"}, {"format", "date-time"}}},
      {"short", {{"type", "string"}, {"minLength", 100}}},
      {"mirrors", {{"type", "array"}, {"x-kubernetes-list-type", "set"}, {"items", {{"type", "string"}}}}},
      {"remotes",
       {{"type", "array"},
        {"x-kubernetes-list-type", "map"},
        {"x-kubernetes-list-map-keys", json::array({"url"})},
        {"items", {{"type", "object"}, {"properties", {{"url", {{"type", "string"}}}}}}}}},
  });
  const json spec = {
      {"enumUrl", "https://tok1@example.com/a"},
      {"when", "http://u2:p2@time.example"},
      {"short", "https://u3:p3@h/x"},
      {"mirrors", json::array({"https://u4:p4@m", "https://u4:p4@m"})},
      {"remotes", json::array({{{"url", "https://tok5@r"}}, {{"url", "https://tok5@r"}}})},
  };
  auto causes = validate_against_schema(schema, object_with(spec));
  const std::string text = all_messages(causes);
  ASSERT_EQ(causes.size(), 5u) << text;
  for (const char* secret : {"tok1", "u2", "p2", "u3", "p3", "u4", "p4", "tok5"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in\n" << text;
  }
  EXPECT_NE(text.find("Unsupported value: \"https://***@example.com/a\""), std::string::npos) << text;
  EXPECT_NE(text.find("Invalid value: \"http://***@time.example\""), std::string::npos) << text;
  EXPECT_NE(text.find("Invalid value: \"https://***@h/x\""), std::string::npos) << text;
  EXPECT_NE(text.find("Duplicate value: \"https://***@m\""), std::string::npos) << text;
  EXPECT_NE(text.find("Duplicate value: {\"url\":\"https://***@r\"}"), std::string::npos) << text;
}

TEST(SchemaRedaction, ValuesWithoutUserinfoAreQuotedUnchanged) {
  const json schema = schema_for({{"v", {{"type", "string"}, {"pattern", "^x$"}}}});
  for (const std::string value :
       {"https://example.com/@scope/pkg", "git@github.com:org/repo.git", "bob@example.com",
        "https://h:8080/p?who=a@b", "ext::sh -c x"}) {
    auto causes = validate_against_schema(schema, object_with({{"v", value}}));
    ASSERT_EQ(causes.size(), 1u) << value;
    EXPECT_EQ(causes[0].message, "Invalid value: " + json(value).dump() + ": spec.v in body should match '^x$'");
  }
}

constexpr const char* kCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "repos.test.redraft.dev"},
  "spec": {"group": "test.redraft.dev", "scope": "Namespaced",
    "names": {"plural": "repos", "singular": "repo", "kind": "Repo"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
          "url": {"type": "string", "pattern": "^https://[^@/]+/.*$"}}}}}}}]}})";

TEST(SchemaRedactionHttp, A422OverHttpAndThroughKubectlNeverShowsThePassword) {
  DevServer server;
  auto crd = server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kCrd);
  ASSERT_EQ(crd.status, 201) << crd.body;
  const json repo = {{"apiVersion", "test.redraft.dev/v1"},
                     {"kind", "Repo"},
                     {"metadata", {{"name", "r"}}},
                     {"spec", {{"url", "https://user:s3cret@example.com/r"}}}};
  auto created = server.request("POST", "/apis/test.redraft.dev/v1/namespaces/default/repos", repo.dump());
  ASSERT_EQ(created.status, 422) << created.body;
  EXPECT_EQ(created.body.find("s3cret"), std::string::npos) << created.body;
  EXPECT_EQ(created.body.find("user:"), std::string::npos) << created.body;
  const json status = created.json();
  EXPECT_EQ(status["reason"], "Invalid");
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.url");
  EXPECT_NE(status["message"].get<std::string>().find("https://***@example.com/r"), std::string::npos)
      << status.dump();

  auto applied = server.kubectl({"apply", "-f", "-"}, repo.dump());
  EXPECT_NE(applied.exit_code, 0) << applied.output;
  EXPECT_NE(applied.output.find("spec.url"), std::string::npos) << applied.output;
  EXPECT_EQ(applied.output.find("s3cret"), std::string::npos) << applied.output;
}

}  // namespace
