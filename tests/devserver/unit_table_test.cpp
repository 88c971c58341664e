#include "jsonpath.hpp"
#include "table.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

TEST(JsonPath, FieldsIndexesWildcardsAndFilters) {
  const json doc = json::parse(R"({"spec":{"items":[{"name":"a","n":1},{"name":"b","n":2}]},
    "status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Done","status":"False"}]}})");
  EXPECT_EQ(jsonpath_select(doc, ".spec.items[1].name"), std::vector<json>{"b"});
  EXPECT_EQ(jsonpath_select(doc, ".spec.items[*].name"), (std::vector<json>{"a", "b"}));
  EXPECT_EQ(jsonpath_select(doc, ".status.conditions[?(@.type==\"Ready\")].status"), std::vector<json>{"True"});
  EXPECT_EQ(jsonpath_select(doc, "{.status.conditions[?(@.type=='Done')].status}"), std::vector<json>{"False"});
  EXPECT_EQ(jsonpath_select(doc, ".spec.items[-1].n"), std::vector<json>{2});
  EXPECT_TRUE(jsonpath_select(doc, ".spec.missing.deeper").empty());
  EXPECT_THROW(jsonpath_select(doc, "spec"), std::invalid_argument);
  EXPECT_THROW(jsonpath_select(doc, ".spec.items[x]"), std::invalid_argument);
}

TEST(Table, HumanDuration) {
  using std::chrono::seconds;
  EXPECT_EQ(human_duration(seconds(5)), "5s");
  EXPECT_EQ(human_duration(seconds(119)), "119s");
  EXPECT_EQ(human_duration(seconds(200)), "3m20s");
  EXPECT_EQ(human_duration(seconds(3600)), "60m");
  EXPECT_EQ(human_duration(seconds(5 * 3600)), "5h");
  EXPECT_EQ(human_duration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(human_duration(seconds(3 * 86400)), "3d");
  EXPECT_EQ(human_duration(seconds(-10)), "<invalid>");
}

TEST(Table, BuiltinsGetNameAndAge) {
  ResourceInfo info;
  info.kind = "ConfigMap";
  TableOptions opts;
  opts.resource_version = "7";
  opts.now = std::chrono::system_clock::from_time_t(1700000000 + 90);
  const json obj = {{"metadata", {{"name", "cm"}, {"creationTimestamp", "2023-11-14T22:13:20Z"}}}};
  const json t = render_table(info, {obj}, opts);
  EXPECT_EQ(t["kind"], "Table");
  ASSERT_EQ(t["columnDefinitions"].size(), 2u);
  EXPECT_EQ(t["columnDefinitions"][1]["name"], "Age");
  EXPECT_EQ(t["rows"][0]["cells"], (json{"cm", "90s"}));
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["metadata"]["resourceVersion"], "7");
}

TEST(Table, PrinterColumnsDriveCells) {
  ResourceInfo info;
  info.kind = "Thing";
  info.columns = {{"Phase", "string", ".status.phase", "", "", 0},
                  {"Count", "integer", ".spec.count", "", "", 0},
                  {"Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", "", "", 1},
                  {"Missing", "string", ".status.nothing", "", "", 0}};
  const json obj = json::parse(R"({"metadata":{"name":"t1"},"spec":{"count":3},
      "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})");
  TableOptions opts;
  opts.include_object = true;
  const json t = render_table(info, {obj}, opts);
  EXPECT_EQ(t["rows"][0]["cells"], (json{"t1", "Running", 3, "True", nullptr}));
  EXPECT_EQ(t["columnDefinitions"][3]["priority"], 1);
  EXPECT_EQ(t["rows"][0]["object"]["spec"]["count"], 3);
}
