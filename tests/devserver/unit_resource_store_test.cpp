// Storage semantics without HTTP: resourceVersions, conflicts, generation, finalizers,
// cascades, watch replay and 410.
#include "api_errors.hpp"
#include "resource_store.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace redraft::devserver;
using nlohmann::json;

namespace {

const json kCrd = json::parse(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"gadgets.example.com"},
  "spec":{"group":"example.com","scope":"Namespaced",
    "names":{"plural":"gadgets","singular":"gadget","kind":"Gadget"},
    "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
      "schema":{"openAPIV3Schema":{"type":"object","properties":{
        "spec":{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}},
        "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})");

class ResourceStoreTest : public ::testing::Test {
 protected:
  ResourceInfo info(const std::string& group, const std::string& version, const std::string& plural) {
    auto i = store.resolve(group, version, plural);
    EXPECT_TRUE(i) << plural;
    return *i;
  }
  json cm(const std::string& name) { return {{"metadata", {{"name", name}}}, {"data", {{"a", "1"}}}}; }
  std::uint64_t rv(const json& o) { return std::stoull(o["metadata"]["resourceVersion"].get<std::string>()); }
  ResourceStore store{100};
};

int code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.code();
  }
  return 0;
}

}  // namespace

TEST_F(ResourceStoreTest, ResourceVersionIsGlobalAndMonotonic) {
  const auto cms = info("", "v1", "configmaps");
  const auto secrets = info("", "v1", "secrets");
  const json a = store.create(cms, "default", cm("a"));
  const json s = store.create(secrets, "default", {{"metadata", {{"name", "s"}}}, {"stringData", {{"k", "v"}}}});
  const json b = store.create(cms, "default", cm("b"));
  EXPECT_LT(rv(a), rv(s));
  EXPECT_LT(rv(s), rv(b));
  EXPECT_EQ(s["data"]["k"], "dg==");  // stringData folded into base64 data
  EXPECT_FALSE(s.contains("stringData"));
}

TEST_F(ResourceStoreTest, ConflictsAndAlreadyExists) {
  const auto cms = info("", "v1", "configmaps");
  json a = store.create(cms, "default", cm("a"));
  EXPECT_EQ(code_of([&] { store.create(cms, "default", cm("a")); }), 409);
  json changed = a;
  changed["data"]["a"] = "2";
  store.update(cms, "default", "a", changed, "");
  EXPECT_EQ(code_of([&] { store.update(cms, "default", "a", changed, ""); }), 409);
  changed["metadata"].erase("resourceVersion");  // unconditional update is allowed
  changed["data"]["a"] = "3";
  EXPECT_EQ(store.update(cms, "default", "a", changed, "")["data"]["a"], "3");
  EXPECT_EQ(code_of([&] { store.update(cms, "default", "missing", changed, ""); }), 404);
  EXPECT_EQ(code_of([&] { store.create(cms, "default", cm("Bad_Name")); }), 422);
  EXPECT_EQ(code_of([&] { store.create(cms, "nope", cm("x")); }), 404);
}

TEST_F(ResourceStoreTest, GenerateName) {
  const auto cms = info("", "v1", "configmaps");
  const json a = store.create(cms, "default", {{"metadata", {{"generateName", "gen-"}}}});
  const std::string name = a["metadata"]["name"];
  EXPECT_EQ(name.rfind("gen-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);
  EXPECT_EQ(code_of([&] { store.create(cms, "default", {{"metadata", json::object()}}); }), 422);
}

TEST_F(ResourceStoreTest, CrdSchemaStatusAndGeneration) {
  store.create(info("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "", kCrd);
  const auto gadgets = info("example.com", "v1", "gadgets");
  try {
    store.create(gadgets, "default", {{"metadata", {{"name", "g"}}}, {"spec", {{"n", "x"}}}});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
    EXPECT_NE(std::string(e.what()).find("Gadget.example.com \"g\" is invalid: spec.n: Invalid value"), std::string::npos) << e.what();
  }
  json g = store.create(gadgets, "default", {{"metadata", {{"name", "g"}}}, {"spec", {{"n", 1}}}, {"status", {{"x", 1}}}});
  EXPECT_FALSE(g.contains("status"));
  g["status"] = {{"phase", "ok"}};
  json s = store.update(gadgets, "default", "g", g, "status");
  EXPECT_EQ(s["metadata"]["generation"], 1);
  json p = store.patch(gadgets, "default", "g", PatchType::kMerge, {{"spec", {{"n", 2}}}}, "");
  EXPECT_EQ(p["metadata"]["generation"], 2);
  EXPECT_EQ(p["status"]["phase"], "ok");
}

TEST_F(ResourceStoreTest, WatchReplayAndExpiry) {
  ResourceStore small(2);
  const auto cms = *small.resolve("", "v1", "configmaps");
  const json a = small.create(cms, "default", cm("a"));
  small.create(cms, "default", cm("b"));
  small.create(cms, "default", cm("c"));
  auto from_b = small.watch(cms, "default", std::to_string(rv(a) + 1));
  ASSERT_EQ(from_b.initial.size(), 1u);
  EXPECT_EQ(from_b.initial[0].object["metadata"]["name"], "c");
  EXPECT_EQ(code_of([&] { small.watch(cms, "default", std::to_string(rv(a) - 1)); }), 410);
  EXPECT_EQ(code_of([&] { small.watch(cms, "default", "abc"); }), 400);
  auto fresh = small.watch(cms, "", "");
  EXPECT_EQ(fresh.initial.size(), 3u);
  small.create(cms, "default", cm("d"));
  auto ev = fresh.watcher->pop(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, "ADDED");
  EXPECT_EQ(ev->object["metadata"]["name"], "d");
  EXPECT_TRUE(small.bookmark_rv(*fresh.watcher));
  small.compact();
  EXPECT_EQ(code_of([&] { small.watch(cms, "default", std::to_string(rv(a) + 2)); }), 410);
}

TEST_F(ResourceStoreTest, FinalizersAndCascade) {
  const auto cms = info("", "v1", "configmaps");
  json owner = cm("owner");
  owner["metadata"]["finalizers"] = {"x/y"};
  owner = store.create(cms, "default", owner);
  json child = cm("child");
  child["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"uid", owner["metadata"]["uid"]}, {"kind", "ConfigMap"}, {"name", "owner"}}};
  store.create(cms, "default", child);
  const json marked = store.remove(cms, "default", "owner");
  EXPECT_TRUE(marked["metadata"].contains("deletionTimestamp"));
  EXPECT_NO_THROW(store.get(cms, "default", "child"));  // owner not gone yet
  json release = store.get(cms, "default", "owner");
  release["metadata"]["finalizers"] = json::array();
  store.update(cms, "default", "owner", release, "");
  EXPECT_EQ(code_of([&] { store.get(cms, "default", "owner"); }), 404);
  EXPECT_EQ(code_of([&] { store.get(cms, "default", "child"); }), 404);
}

TEST_F(ResourceStoreTest, ForegroundDeletesDependentsBeforeTheOwner) {
  const auto cms = info("", "v1", "configmaps");
  const json owner = store.create(cms, "default", cm("owner"));
  json child = cm("child");
  child["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"uid", owner["metadata"]["uid"]}, {"kind", "ConfigMap"}, {"name", "owner"}}};
  const json c = store.create(cms, "default", child);
  json grandchild = cm("grandchild");
  grandchild["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"uid", c["metadata"]["uid"]}, {"kind", "ConfigMap"}, {"name", "child"}}};
  store.create(cms, "default", grandchild);
  auto w = store.watch(cms, "default", store.current_rv());
  DeleteOptions fg;
  fg.propagation = "Foreground";
  store.remove(cms, "default", "owner", fg);
  std::vector<std::string> order;
  while (auto e = w.watcher->pop(std::chrono::steady_clock::now() + std::chrono::milliseconds(100)))
    if (e->type == "DELETED") order.push_back(e->object["metadata"]["name"]);
  EXPECT_EQ(order, (std::vector<std::string>{"grandchild", "child", "owner"}));
}

TEST_F(ResourceStoreTest, DependentWithTwoOwnersLivesUntilBothAreGone) {
  const auto cms = info("", "v1", "configmaps");
  const json a = store.create(cms, "default", cm("a"));
  const json b = store.create(cms, "default", cm("b"));
  json shared = cm("shared");
  shared["metadata"]["ownerReferences"] = {
      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "a"}, {"uid", a["metadata"]["uid"]}},
      {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "b"}, {"uid", b["metadata"]["uid"]}}};
  store.create(cms, "default", shared);
  store.remove(cms, "default", "a");
  const json left = store.get(cms, "default", "shared");
  ASSERT_EQ(left["metadata"]["ownerReferences"].size(), 1u);  // the dangling reference is dropped
  EXPECT_EQ(left["metadata"]["ownerReferences"][0]["name"], "b");
  store.remove(cms, "default", "b");
  EXPECT_EQ(code_of([&] { store.get(cms, "default", "shared"); }), 404);
}

TEST_F(ResourceStoreTest, NamespaceDeletionRemovesContents) {
  const auto ns = info("", "v1", "namespaces");
  const auto cms = info("", "v1", "configmaps");
  store.create(ns, "", {{"metadata", {{"name", "team"}}}});
  store.create(cms, "team", cm("a"));
  store.remove(ns, "", "team");
  EXPECT_EQ(code_of([&] { store.get(cms, "team", "a"); }), 404);
}

TEST(ObjectNames, Rules) {
  ResourceInfo ns;
  ns.plural = "namespaces";
  EXPECT_FALSE(check_object_name(ns, "team-a"));
  EXPECT_TRUE(check_object_name(ns, "team.a"));  // labels allow no dots
  ResourceInfo cm;
  cm.plural = "configmaps";
  EXPECT_FALSE(check_object_name(cm, "a.b-c"));
  auto bad = check_object_name(cm, "-x");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "metadata.name");
  EXPECT_TRUE(spec_changed({{"spec", 1}}, {{"spec", 2}}));
  EXPECT_FALSE(spec_changed({{"spec", 1}, {"status", 1}}, {{"spec", 1}, {"status", 2}, {"metadata", {{"labels", 1}}}}));
}
