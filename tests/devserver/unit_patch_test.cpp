#include "api_errors.hpp"
#include "patch.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

TEST(Patch, ContentTypes) {
  EXPECT_EQ(patch_type_from_content_type("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(patch_type_from_content_type("application/json-patch+json; charset=utf-8"), PatchType::kJson);
  EXPECT_EQ(patch_type_from_content_type("application/strategic-merge-patch+json"), PatchType::kStrategic);
  EXPECT_EQ(patch_type_from_content_type("application/apply-patch+yaml"), PatchType::kApply);
  EXPECT_EQ(patch_type_from_content_type("text/plain"), PatchType::kUnknown);
}

TEST(Patch, MergePatchSetsAndDeletes) {
  const json cur = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"list", {1, 2}}};
  const json out = apply_merge_patch(cur, {{"b", {{"c", nullptr}, {"e", 5}}}, {"list", {9}}});
  EXPECT_EQ(out, (json{{"a", 1}, {"b", {{"d", 3}, {"e", 5}}}, {"list", {9}}}));
}

TEST(Patch, JsonPatchAppliesAndReportsFailures) {
  const json cur = {{"spec", {{"n", 1}}}};
  const json out = apply_json_patch(cur, json::parse(R"([{"op":"replace","path":"/spec/n","value":2},
                                                          {"op":"add","path":"/spec/m","value":"x"}])"));
  EXPECT_EQ(out["spec"]["n"], 2);
  EXPECT_EQ(out["spec"]["m"], "x");
  try {
    apply_json_patch(cur, json::parse(R"([{"op":"test","path":"/spec/n","value":7}])"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
  }
  EXPECT_THROW(apply_json_patch(cur, json::object()), ApiError);
}

TEST(Patch, StrategicMergesNamedListsByName) {
  const json cur = {{"spec", {{"containers", {{{"name", "a"}, {"image", "a:1"}}, {{"name", "b"}, {"image", "b:1"}}}}}}};
  const json patch = json::parse(R"({"spec":{
      "$setElementOrder/containers":[{"name":"b"},{"name":"a"},{"name":"c"}],
      "containers":[{"name":"a","image":"a:2"},{"name":"c","image":"c:1"}]}})");
  const json out = apply_strategic_merge_patch(cur, patch);
  const json& cs = out["spec"]["containers"];
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0]["name"], "b");
  EXPECT_EQ(cs[1]["image"], "a:2");
  EXPECT_EQ(cs[2]["name"], "c");
  EXPECT_FALSE(out["spec"].contains("$setElementOrder/containers"));
}

TEST(Patch, StrategicDeleteDirectiveAndNulls) {
  const json cur = {{"metadata", {{"labels", {{"a", "1"}, {"b", "2"}}}}},
                    {"spec", {{"env", {{{"name", "X"}, {"value", "1"}}, {{"name", "Y"}, {"value", "2"}}}}}}};
  const json patch = json::parse(R"({"metadata":{"labels":{"a":null}},
                                     "spec":{"env":[{"name":"X","$patch":"delete"}]}})");
  const json out = apply_strategic_merge_patch(cur, patch);
  EXPECT_EQ(out["metadata"]["labels"], (json{{"b", "2"}}));
  ASSERT_EQ(out["spec"]["env"].size(), 1u);
  EXPECT_EQ(out["spec"]["env"][0]["name"], "Y");
}
