#include "schema.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

namespace {

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
    "spec": {
      "type": "object",
      "required": ["repo", "role"],
      "properties": {
        "repo": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "minLength": 1}}},
        "role": {"type": "string", "enum": ["coder", "reviewer"]},
        "branch": {"type": "string", "pattern": "^[a-z0-9/-]+$", "maxLength": 20},
        "iterations": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
        "strategy": {"type": "string", "default": "rebase"},
        "reviewers": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
        "port": {"x-kubernetes-int-or-string": true}
      }
    },
    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
  }
})");

json valid_object() {
  return {{"apiVersion", "redraft.dev/v1alpha1"},
          {"kind", "Thing"},
          {"metadata", {{"name", "t"}}},
          {"spec", {{"repo", {{"url", "https://x"}}}, {"role", "coder"}}}};
}

std::string messages(const std::vector<FieldCause>& causes) {
  std::string out;
  for (const auto& c : causes) out += c.field + ": " + c.message + "\n";
  return out;
}

}  // namespace

TEST(Schema, DefaultsAreApplied) {
  json obj = valid_object();
  EXPECT_TRUE(admit_custom_resource(kSchema, obj).empty());
  EXPECT_EQ(obj["spec"]["iterations"], 1);
  EXPECT_EQ(obj["spec"]["strategy"], "rebase");
  json explicit_zero = valid_object();
  explicit_zero["spec"]["iterations"] = 0;
  EXPECT_TRUE(admit_custom_resource(kSchema, explicit_zero).empty());
  EXPECT_EQ(explicit_zero["spec"]["iterations"], 0);  // a set value is never overwritten
}

TEST(Schema, UnknownFieldsArePrunedUnlessPreserved) {
  json obj = valid_object();
  obj["spec"]["bogus"] = 1;
  obj["spec"]["repo"]["nope"] = true;
  obj["spec"]["extra"] = {{"anything", {{"goes", 1}}}};
  obj["spec"]["env"] = {{"A", "1"}};
  obj["topLevelJunk"] = "x";
  obj["metadata"]["labels"] = {{"keep", "me"}};
  EXPECT_TRUE(admit_custom_resource(kSchema, obj).empty());
  EXPECT_FALSE(obj["spec"].contains("bogus"));
  EXPECT_FALSE(obj["spec"]["repo"].contains("nope"));
  EXPECT_FALSE(obj.contains("topLevelJunk"));
  EXPECT_EQ(obj["spec"]["extra"]["anything"]["goes"], 1);
  EXPECT_EQ(obj["spec"]["env"]["A"], "1");
  EXPECT_EQ(obj["metadata"]["labels"]["keep"], "me");
}

TEST(Schema, RequiredFieldsAreNamed) {
  json obj = valid_object();
  obj["spec"].erase("repo");
  const auto causes = admit_custom_resource(kSchema, obj);
  ASSERT_EQ(causes.size(), 1u) << messages(causes);
  EXPECT_EQ(causes[0].field, "spec.repo");
  EXPECT_EQ(causes[0].reason, "FieldValueRequired");
  EXPECT_EQ(causes[0].message, "Required value");
}

TEST(Schema, TypeEnumPatternRangeAndLengthErrors) {
  json obj = valid_object();
  obj["spec"]["role"] = "boss";
  obj["spec"]["branch"] = "Bad..Branch";
  obj["spec"]["iterations"] = 11;
  obj["spec"]["reviewers"] = json::array({{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}});
  obj["spec"]["repo"]["url"] = "";
  const auto causes = admit_custom_resource(kSchema, obj);
  const std::string all = messages(causes);
  EXPECT_NE(all.find("spec.role: Unsupported value: \"boss\": supported values: \"coder\", \"reviewer\""), std::string::npos) << all;
  EXPECT_NE(all.find("spec.branch: Invalid value: \"Bad..Branch\": spec.branch in body should match '^[a-z0-9/-]+$'"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.iterations: Invalid value: 11: spec.iterations in body should be less than or equal to 10"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.reviewers: Too many: 3: must have at most 2 items"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.repo.url: Invalid value: \"\": spec.repo.url in body should be at least 1 chars long"), std::string::npos) << all;

  json typed = valid_object();
  typed["spec"]["iterations"] = "three";
  typed["spec"]["branch"] = std::string(21, 'a');
  typed["spec"]["port"] = true;
  const std::string t = messages(admit_custom_resource(kSchema, typed));
  EXPECT_NE(t.find("spec.iterations: Invalid value: \"string\": spec.iterations in body must be of type integer"), std::string::npos) << t;
  EXPECT_NE(t.find("spec.branch: Too long: may not be longer than 20"), std::string::npos) << t;
  EXPECT_NE(t.find("spec.port: Invalid value: \"boolean\""), std::string::npos) << t;

  json negative = valid_object();
  negative["spec"]["iterations"] = -1;
  const std::string n = messages(admit_custom_resource(kSchema, negative));
  EXPECT_NE(n.find("spec.iterations: Invalid value: -1: spec.iterations in body should be greater than or equal to 0"), std::string::npos) << n;
}

TEST(Schema, ListTypesFormatsAndIntOrStringPatterns) {
  const json schema = json::parse(R"({"type":"object","properties":{
    "issues":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"integer"}},
    "env":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
           "items":{"type":"object","properties":{"name":{"type":"string"},"value":{"type":"string"}}}},
    "when":{"type":"string","format":"date-time"},
    "cpu":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}],"pattern":"^[0-9]+m?$"},
    "labels":{"type":"object","maxProperties":1,"additionalProperties":{"type":"string"}}}})");
  json ok = json::parse(R"({"issues":[1,2],"env":[{"name":"A","value":"1"},{"name":"B","value":"1"}],
                            "when":"2026-01-02T03:04:05Z","cpu":"500m","labels":{"a":"b"}})");
  EXPECT_TRUE(admit_custom_resource(schema, ok).empty()) << messages(admit_custom_resource(schema, ok));
  json int_cpu = json::parse(R"({"cpu":2})");
  EXPECT_TRUE(admit_custom_resource(schema, int_cpu).empty());
  json bad = json::parse(R"({"issues":[1,1],"env":[{"name":"A","value":"1"},{"name":"A","value":"2"}],
                             "when":"yesterday","cpu":"lots","labels":{"a":"b","c":"d"}})");
  const std::string all = messages(admit_custom_resource(schema, bad));
  EXPECT_NE(all.find("issues[1]: Duplicate value: 1"), std::string::npos) << all;
  EXPECT_NE(all.find("env[1]: Duplicate value: {\"name\":\"A\"}"), std::string::npos) << all;
  EXPECT_NE(all.find("when: Invalid value: \"yesterday\": when in body must be of type date-time"), std::string::npos) << all;
  EXPECT_NE(all.find("cpu: Invalid value: \"lots\": cpu in body should match"), std::string::npos) << all;
  EXPECT_NE(all.find("labels: Too many: 2: must have at most 1 items"), std::string::npos) << all;
}

TEST(Schema, NullsOfNonNullableFieldsAreDropped) {
  json obj = valid_object();
  obj["spec"]["branch"] = nullptr;
  EXPECT_TRUE(admit_custom_resource(kSchema, obj).empty());
  EXPECT_FALSE(obj["spec"].contains("branch"));
}

TEST(Schema, PatternsStdRegexCannotCompileAreNotEnforced) {
  // RE2 accepts (?P<name>...), ECMAScript does not: such a pattern is skipped, never a crash.
  const json schema = json::parse(R"({"type":"object","properties":{"v":{"type":"string","pattern":"^(?P<x>a)$"}}})");
  json obj = {{"v", "anything"}};
  EXPECT_TRUE(admit_custom_resource(schema, obj).empty());
  // Compiled patterns are reused; results stay per-text.
  const json anchored = json::parse(R"({"type":"object","properties":{"v":{"type":"string","pattern":"^a+$"}}})");
  json good = {{"v", "aaa"}}, bad = {{"v", "aab"}};
  EXPECT_TRUE(admit_custom_resource(anchored, good).empty());
  EXPECT_EQ(admit_custom_resource(anchored, bad).size(), 1u);
}

TEST(Schema, NoSchemaAdmitsAnything) {
  json obj = {{"spec", {{"whatever", 1}}}};
  EXPECT_TRUE(admit_custom_resource(json(), obj).empty());
  EXPECT_EQ(obj["spec"]["whatever"], 1);
}
