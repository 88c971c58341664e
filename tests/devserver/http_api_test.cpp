// The devserver binary over real HTTP on 127.0.0.1: discovery, CRUD, conflicts, the status
// subresource, watches (resourceVersion, bookmarks, timeouts, 410), faults, auth and TLS.
#include "devserver_fixture.hpp"

#include <gtest/gtest.h>

#include <set>

#include <thread>

using redraft::testing::DevServer;
using redraft::testing::DevServerOptions;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.test.redraft.dev"},
  "spec": {"group": "test.redraft.dev", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"], "properties": {
          "size": {"type": "integer", "minimum": 1}, "color": {"type": "string", "default": "blue"}}},
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}})";

const std::string kWidgets = "/apis/test.redraft.dev/v1/namespaces/default/widgets";

json widget(const std::string& name, int size) {
  return {{"apiVersion", "test.redraft.dev/v1"}, {"kind", "Widget"}, {"metadata", {{"name", name}}}, {"spec", {{"size", size}}}};
}

json configmap(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"labels", labels}}}, {"data", {{"k", "v"}}}};
}

class HttpApiTest : public ::testing::Test {
 protected:
  void install_crd() {
    auto r = server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kCrd);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json create(const std::string& path, const json& obj) {
    auto r = server.request("POST", path, obj.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  DevServer server;
};

}  // namespace

TEST_F(HttpApiTest, DiscoveryDocuments) {
  auto version = server.request("GET", "/version");
  ASSERT_EQ(version.status, 200);
  EXPECT_EQ(version.json()["major"], "1");
  auto api = server.request("GET", "/api").json();
  EXPECT_EQ(api["versions"][0], "v1");
  auto core = server.request("GET", "/api/v1").json();
  EXPECT_EQ(core["kind"], "APIResourceList");
  auto groups = server.request("GET", "/apis").json();
  std::set<std::string> names;
  for (const auto& g : groups["groups"]) names.insert(g["name"].get<std::string>());
  for (const char* g : {"apps", "coordination.k8s.io", "events.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io"})
    EXPECT_TRUE(names.count(g)) << g;
  EXPECT_EQ(server.request("GET", "/apis/coordination.k8s.io/v1").json()["resources"][0]["name"], "leases");
  EXPECT_EQ(server.request("GET", "/apis/nope.example.com/v1").status, 404);
}

TEST_F(HttpApiTest, CrdRegistersItsResourceLive) {
  EXPECT_EQ(server.request("GET", kWidgets).status, 404);
  install_crd();
  auto disc = server.request("GET", "/apis/test.redraft.dev/v1");
  ASSERT_EQ(disc.status, 200) << disc.body;
  EXPECT_EQ(disc.json()["resources"][0]["name"], "widgets");
  auto crd = server.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.redraft.dev").json();
  bool established = false;
  for (const auto& c : crd["status"]["conditions"]) established = established || (c["type"] == "Established" && c["status"] == "True");
  EXPECT_TRUE(established);
  const json w = create(kWidgets, widget("w1", 2));
  EXPECT_EQ(w["spec"]["color"], "blue");  // schema default
  EXPECT_EQ(server.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.redraft.dev").status, 200);
  EXPECT_EQ(server.request("GET", kWidgets).status, 404);
}

TEST_F(HttpApiTest, CreateGetListUpdateDelete) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json c = create(cms, configmap("a", {{"app", "x"}}));
  EXPECT_EQ(c["metadata"]["namespace"], "default");
  EXPECT_FALSE(c["metadata"]["uid"].get<std::string>().empty());
  create(cms, configmap("b", {{"app", "y"}}));
  auto dup = server.request("POST", cms, configmap("a").dump());
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.json()["reason"], "AlreadyExists");
  EXPECT_EQ(dup.json()["message"], "configmaps \"a\" already exists");

  auto list = server.request("GET", cms + "?labelSelector=app%3Dx").json();
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "a");
  EXPECT_EQ(list["kind"], "ConfigMapList");
  auto by_field = server.request("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Db").json();
  ASSERT_EQ(by_field["items"].size(), 1u);

  json upd = c;
  upd["data"]["k"] = "v2";
  auto ok = server.request("PUT", cms + "/a", upd.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_GT(std::stoull(ok.json()["metadata"]["resourceVersion"].get<std::string>()),
            std::stoull(c["metadata"]["resourceVersion"].get<std::string>()));
  auto stale = server.request("PUT", cms + "/a", upd.dump());  // still carries the old resourceVersion
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.json()["reason"], "Conflict");

  auto missing = server.request("GET", cms + "/zzz");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["message"], "configmaps \"zzz\" not found");
  EXPECT_EQ(server.request("DELETE", cms + "/a").status, 200);
  EXPECT_EQ(server.request("GET", cms + "/a").status, 404);
  EXPECT_EQ(server.request("POST", "/api/v1/namespaces/nowhere/configmaps", configmap("c").dump()).status, 404);
}

TEST_F(HttpApiTest, DeleteCollectionBySelector) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  create(cms, configmap("d1", {{"batch", "old"}}));
  create(cms, configmap("d2", {{"batch", "old"}}));
  create(cms, configmap("d3", {{"batch", "new"}}));
  auto del = server.request("DELETE", cms + "?labelSelector=batch%3Dold");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["items"].size(), 2u);
  auto left = server.request("GET", cms).json();
  ASSERT_EQ(left["items"].size(), 1u);
  EXPECT_EQ(left["items"][0]["metadata"]["name"], "d3");
}

TEST_F(HttpApiTest, EventFieldSelectorsForBothEventApis) {
  const json core = {{"metadata", {{"name", "e1"}}}, {"involvedObject", {{"kind", "Workload"}, {"name", "wl"}, {"uid", "u1"}}},
                     {"reason", "TaskCreated"}, {"type", "Normal"}};
  create("/api/v1/namespaces/default/events", core);
  json other = core;
  other["metadata"]["name"] = "e2";
  other["involvedObject"]["uid"] = "u2";
  create("/api/v1/namespaces/default/events", other);
  auto by_uid = server.request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.uid%3Du1,involvedObject.kind%3DWorkload").json();
  ASSERT_EQ(by_uid["items"].size(), 1u);
  EXPECT_EQ(by_uid["items"][0]["metadata"]["name"], "e1");
  const json modern = {{"metadata", {{"name", "m1"}}}, {"regarding", {{"kind", "Workload"}, {"name", "wl"}}},
                       {"reason", "TaskCreated"}, {"note", "n"}, {"type", "Normal"}, {"action", "Create"},
                       {"eventTime", "2026-01-01T00:00:00.000000Z"}, {"reportingController", "x"}, {"reportingInstance", "y"}};
  create("/apis/events.k8s.io/v1/namespaces/default/events", modern);
  auto regarding = server.request("GET", "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dwl").json();
  ASSERT_EQ(regarding["items"].size(), 1u);
  EXPECT_EQ(server.request("GET", "/apis/events.k8s.io/v1/events?fieldSelector=regarding.name%3Dnope").json()["items"].size(), 0u);
}

TEST_F(HttpApiTest, BadInputGetsClearErrorsAndNothingCrashes) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  struct Case {
    std::string method, path, body, content_type;
    int status;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"POST", cms, "{not json", "application/json", 400, "not valid JSON"},
      {"POST", cms, "[1,2]", "application/json", 400, "JSON object"},
      {"POST", cms, R"({"metadata":{"name":"UPPER"}})", "application/json", 422, "metadata.name: Invalid value: \"UPPER\""},
      {"POST", cms, R"({"metadata":{"name":7}})", "application/json", 422, "metadata.name: Invalid value: 7: must be a string"},
      {"POST", cms, R"({"metadata":{"name":"l","labels":{"redraft.dev/item":"this-label-value-is-far-too-long-for-kubernetes-which-allows-63-chars"}}})",
       "application/json", 422, "metadata.labels: Invalid value"},
      {"POST", cms, R"({"kind":"Secret","metadata":{"name":"x"}})", "application/json", 400, "does not match the resource"},
      {"POST", cms, R"({"metadata":{"name":"x","namespace":"other"}})", "application/json", 400, "does not match the namespace"},
      {"GET", cms + "?labelSelector=a%20in%20b", "", "", 400, "invalid label selector term"},
      {"GET", cms + "?fieldSelector=nonsense", "", "", 400, "invalid field selector"},
      {"GET", cms + "?limit=abc", "", "", 400, "invalid limit"},
      {"GET", cms + "?watch=true&timeoutSeconds=x", "", "", 400, "invalid timeoutSeconds"},
      {"GET", cms + "?watch=true&resourceVersion=12abc", "", "", 400, "invalid resourceVersion"},
      {"GET", cms + "/a/b/c/d", "", "", 404, "could not find the requested resource"},
      {"GET", "/api/v1/namespaces/default/frobnicators", "", "", 404, ""},
      {"PATCH", cms + "/none", "{}", "text/plain", 404, ""},
      {"DELETE", cms + "/x?propagationPolicy=Sideways", "", "", 400, "propagationPolicy"},
      {"PUT", "/api/v1/namespaces/default/configmaps", "{}", "application/json", 405, ""},
      {"POST", cms, std::string("k8s\0garbage", 11), "application/vnd.kubernetes.protobuf", 400, "malformed protobuf"},
      {"POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
       R"({"metadata":{"name":"x.y.z"},"spec":{"group":"y.z","scope":"Galaxy","names":{"plural":"x","kind":"X"},"versions":[{"served":true}]}})",
       "application/json", 422, "spec.versions[0].name: Required value"},
  };
  for (const auto& c : cases) {
    auto r = server.request(c.method, c.path, c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << " -> " << r.body;
    EXPECT_EQ(r.json()["kind"], "Status") << r.body;
    EXPECT_NE(r.json()["message"].get<std::string>().find(c.message_part), std::string::npos) << r.body;
  }
  // A secret's content never comes back in an error about a malformed body.
  auto leak = server.request("POST", "/api/v1/namespaces/default/secrets", R"({"data":{"token":"sup3rs3cret")");
  EXPECT_EQ(leak.status, 400);
  EXPECT_EQ(leak.body.find("sup3rs3cret"), std::string::npos) << leak.body;
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.request("GET", "/version").status, 200);
}

TEST_F(HttpApiTest, ListPagination) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  for (int i = 0; i < 5; ++i) create(cms, configmap("cm" + std::to_string(i)));
  std::vector<std::string> seen;
  std::string cont;
  int pages = 0;
  do {
    auto page = server.request("GET", cms + "?limit=2" + (cont.empty() ? "" : "&continue=" + cont)).json();
    for (const auto& it : page["items"]) seen.push_back(it["metadata"]["name"]);
    cont = page["metadata"].value("continue", "");
    ++pages;
  } while (!cont.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"cm0", "cm1", "cm2", "cm3", "cm4"}));
  EXPECT_EQ(server.request("GET", cms + "?limit=2&continue=garbage").status, 400);
}

TEST_F(HttpApiTest, PatchFlavours) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  create(cms, configmap("p"));
  auto merge = server.request("PATCH", cms + "/p", R"({"data":{"x":"1","k":null}})", "application/merge-patch+json");
  ASSERT_EQ(merge.status, 200) << merge.body;
  EXPECT_EQ(merge.json()["data"], (json{{"x", "1"}}));
  auto jp = server.request("PATCH", cms + "/p", R"([{"op":"add","path":"/data/y","value":"2"}])", "application/json-patch+json");
  ASSERT_EQ(jp.status, 200) << jp.body;
  EXPECT_EQ(jp.json()["data"]["y"], "2");
  auto smp = server.request("PATCH", cms + "/p", R"({"metadata":{"labels":{"l":"1"}}})", "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200) << smp.body;
  EXPECT_EQ(smp.json()["metadata"]["labels"]["l"], "1");
  auto stale = server.request("PATCH", cms + "/p", R"({"metadata":{"resourceVersion":"1"},"data":{"z":"1"}})",
                              "application/merge-patch+json");
  EXPECT_EQ(stale.status, 409);
  install_crd();
  create(kWidgets, widget("w", 1));
  EXPECT_EQ(server.request("PATCH", kWidgets + "/w", R"({"spec":{"size":2}})", "application/strategic-merge-patch+json").status, 415);
  auto bad = server.request("PATCH", kWidgets + "/w", R"({"spec":{"size":0}})", "application/merge-patch+json");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.json()["message"].get<std::string>().find("spec.size"), std::string::npos) << bad.body;
}

TEST_F(HttpApiTest, StatusSubresourceAndGeneration) {
  install_crd();
  json w = create(kWidgets, widget("g", 1));
  EXPECT_EQ(w["metadata"]["generation"], 1);
  // Status written through the main resource is ignored...
  w["status"] = {{"phase", "Ignored"}};
  w = server.request("PUT", kWidgets + "/g", w.dump()).json();
  EXPECT_FALSE(w.contains("status"));
  EXPECT_EQ(w["metadata"]["generation"], 1);
  // ...and through /status it is the only thing that changes; generation stays.
  json s = w;
  s["status"] = {{"phase", "Ready"}};
  s["spec"]["size"] = 99;
  auto st = server.request("PUT", kWidgets + "/g/status", s.dump());
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_EQ(st.json()["status"]["phase"], "Ready");
  EXPECT_EQ(st.json()["spec"]["size"], 1);
  EXPECT_EQ(st.json()["metadata"]["generation"], 1);
  auto spec = server.request("PATCH", kWidgets + "/g", R"({"spec":{"size":5}})", "application/merge-patch+json").json();
  EXPECT_EQ(spec["metadata"]["generation"], 2);
  EXPECT_EQ(spec["status"]["phase"], "Ready");
  auto labels = server.request("PATCH", kWidgets + "/g", R"({"metadata":{"labels":{"a":"b"}}})", "application/merge-patch+json").json();
  EXPECT_EQ(labels["metadata"]["generation"], 2);  // metadata-only change
  auto status_patch = server.request("PATCH", kWidgets + "/g/status", R"({"status":{"phase":"Done"}})", "application/merge-patch+json");
  ASSERT_EQ(status_patch.status, 200) << status_patch.body;
  EXPECT_EQ(status_patch.json()["status"]["phase"], "Done");
}

TEST_F(HttpApiTest, NoOpUpdateKeepsResourceVersion) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json c = create(cms, configmap("same"));
  auto again = server.request("PUT", cms + "/same", c.dump()).json();
  EXPECT_EQ(again["metadata"]["resourceVersion"], c["metadata"]["resourceVersion"]);
}

TEST_F(HttpApiTest, FinalizersHoldDeletionUntilRemoved) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  json c = configmap("fin");
  c["metadata"]["finalizers"] = {"test.redraft.dev/hold"};
  create(cms, c);
  auto del = server.request("DELETE", cms + "/fin");
  ASSERT_EQ(del.status, 200);
  EXPECT_TRUE(del.json()["metadata"].contains("deletionTimestamp"));
  auto still = server.request("GET", cms + "/fin");
  ASSERT_EQ(still.status, 200);
  auto released = server.request("PATCH", cms + "/fin", R"({"metadata":{"finalizers":null}})", "application/merge-patch+json");
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(server.request("GET", cms + "/fin").status, 404);
}

TEST_F(HttpApiTest, OwnerReferenceCascade) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json owner = create(cms, configmap("owner"));
  json child = configmap("child");
  child["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "owner"},
                                           {"uid", owner["metadata"]["uid"]}}};
  create(cms, child);
  json orphan = configmap("orphan-child");
  orphan["metadata"]["ownerReferences"] = child["metadata"]["ownerReferences"];
  create(cms, orphan);
  ASSERT_EQ(server.request("DELETE", cms + "/owner").status, 200);
  EXPECT_EQ(server.request("GET", cms + "/child").status, 404);
  EXPECT_EQ(server.request("GET", cms + "/orphan-child").status, 404);

  const json owner2 = create(cms, configmap("owner2"));
  json kept = configmap("kept");
  kept["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "owner2"},
                                          {"uid", owner2["metadata"]["uid"]}}};
  create(cms, kept);
  ASSERT_EQ(server.request("DELETE", cms + "/owner2?propagationPolicy=Orphan").status, 200);
  auto k = server.request("GET", cms + "/kept");
  ASSERT_EQ(k.status, 200);
  EXPECT_FALSE(k.json()["metadata"].contains("ownerReferences"));
}

// The garbage collector's rule for dependents written after their owners were gone: created with
// 201, then deleted in the background shortly after (a watch sees DELETED).
namespace {

json owned_configmap(const std::string& name, const std::string& owner_name, const json& owner_uid) {
  json cm = configmap(name);
  cm["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", owner_name},
                                        {"uid", owner_uid}}};
  return cm;
}

// Waits for the DELETED event of `name` on `w`; false when it does not come within 30 s.
bool sees_deleted(redraft::testing::WatchStream& w, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = w.next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!e) return false;
    if ((*e)["type"] == "DELETED" && (*e)["object"]["metadata"]["name"] == name) return true;
  }
  return false;
}

}  // namespace

TEST_F(HttpApiTest, DependentOfAMissingOwnerIsCollectedAfterCreate) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  auto w = server.watch(cms + "?watch=true&resourceVersion=" + server.request("GET", cms).json()["metadata"]["resourceVersion"].get<std::string>());
  auto r = server.request("POST", cms, owned_configmap("stray", "ghost", "00000000-0000-0000-0000-000000000000").dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(sees_deleted(*w, "stray"));
  EXPECT_EQ(server.request("GET", cms + "/stray").status, 404);
}

TEST_F(HttpApiTest, DependentOfALiveOwnerStays) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json owner = create(cms, configmap("owner"));
  create(cms, owned_configmap("child", "owner", owner["metadata"]["uid"]));
  // A stray created after the child: once it is collected, the child has had the same chance.
  auto w = server.watch(cms + "?watch=true");
  create(cms, owned_configmap("stray", "ghost", "11111111-1111-1111-1111-111111111111"));
  ASSERT_TRUE(sees_deleted(*w, "stray"));
  EXPECT_EQ(server.request("GET", cms + "/child").status, 200);
  EXPECT_EQ(server.request("GET", cms + "/owner").status, 200);
}

TEST_F(HttpApiTest, DependentCreatedAfterItsOwnerWasDeletedIsCollected) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json owner = create(cms, configmap("owner"));
  ASSERT_EQ(server.request("DELETE", cms + "/owner").status, 200);
  auto w = server.watch(cms + "?watch=true");
  auto r = server.request("POST", cms, owned_configmap("late", "owner", owner["metadata"]["uid"]).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(sees_deleted(*w, "late"));
}

TEST_F(HttpApiTest, OwnerRecreatedUnderTheSameNameDoesNotKeepOldUidDependents) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json old_owner = create(cms, configmap("owner"));
  ASSERT_EQ(server.request("DELETE", cms + "/owner").status, 200);
  const json new_owner = create(cms, configmap("owner"));
  ASSERT_NE(new_owner["metadata"]["uid"], old_owner["metadata"]["uid"]);
  auto w = server.watch(cms + "?watch=true");
  create(cms, owned_configmap("current", "owner", new_owner["metadata"]["uid"]));
  create(cms, owned_configmap("stale", "owner", old_owner["metadata"]["uid"]));
  EXPECT_TRUE(sees_deleted(*w, "stale"));
  EXPECT_EQ(server.request("GET", cms + "/current").status, 200);
}

TEST_F(HttpApiTest, DependentWhoseOwnerReferencesAreUpdatedToMissingOwnersIsCollected) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  create(cms, configmap("free"));
  auto w = server.watch(cms + "?watch=true");
  json patch = {{"metadata", {{"ownerReferences", {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "ghost"},
                                                     {"uid", "22222222-2222-2222-2222-222222222222"}}}}}}};
  auto r = server.request("PATCH", cms + "/free", patch.dump(), "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(sees_deleted(*w, "free"));
}

TEST_F(HttpApiTest, DeletingACrdCollectsDependentsOfItsInstances) {
  install_crd();
  const json w = create(kWidgets, widget("w1", 1));
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  json cm = configmap("of-widget");
  cm["metadata"]["ownerReferences"] = {{{"apiVersion", "test.redraft.dev/v1"}, {"kind", "Widget"}, {"name", "w1"},
                                        {"uid", w["metadata"]["uid"]}}};
  create(cms, cm);
  ASSERT_EQ(server.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.redraft.dev").status, 200);
  EXPECT_EQ(server.request("GET", cms + "/of-widget").status, 404);
}

TEST(HttpApiGcOff, GcDelayMinusOneKeepsDependentsOfMissingOwners) {
  DevServerOptions opts;
  opts.extra_args = {"--gc-delay-ms", "-1"};
  DevServer server(opts);
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  ASSERT_EQ(server.request("POST", cms, owned_configmap("stray", "ghost", "44444444-4444-4444-4444-444444444444").dump()).status, 201);
  // Proving an absence needs some wait: five default collector delays.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(server.request("GET", cms + "/stray").status, 200);
}

TEST_F(HttpApiTest, WatchFromResourceVersionReplaysHistory) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const json a = create(cms, configmap("w1"));
  create(cms, configmap("w2"));
  server.request("DELETE", cms + "/w1");
  auto w = server.watch(cms + "?watch=true&resourceVersion=" + a["metadata"]["resourceVersion"].get<std::string>());
  ASSERT_EQ(w->status(), 200);
  auto e1 = w->next(30s);
  ASSERT_TRUE(e1);
  EXPECT_EQ((*e1)["type"], "ADDED");
  EXPECT_EQ((*e1)["object"]["metadata"]["name"], "w2");
  auto e2 = w->next(30s);
  ASSERT_TRUE(e2);
  EXPECT_EQ((*e2)["type"], "DELETED");
  EXPECT_EQ((*e2)["object"]["metadata"]["name"], "w1");
  // Live events follow.
  create(cms, configmap("w3"));
  auto e3 = w->next(30s);
  ASSERT_TRUE(e3);
  EXPECT_EQ((*e3)["type"], "ADDED");
  EXPECT_EQ((*e3)["object"]["metadata"]["name"], "w3");
}

TEST_F(HttpApiTest, WatchWithoutResourceVersionStartsWithCurrentState) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  create(cms, configmap("s1", {{"pick", "yes"}}));
  create(cms, configmap("s2", {{"pick", "no"}}));
  auto w = server.watch(cms + "?watch=1&labelSelector=pick%3Dyes");
  auto e = w->next(30s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["metadata"]["name"], "s1");
  // An object leaving the selection is reported as DELETED.
  server.request("PATCH", cms + "/s1", R"({"metadata":{"labels":{"pick":"no"}}})", "application/merge-patch+json");
  auto gone = w->next(30s);
  ASSERT_TRUE(gone);
  EXPECT_EQ((*gone)["type"], "DELETED");
  server.request("PATCH", cms + "/s2", R"({"metadata":{"labels":{"pick":"yes"}}})", "application/merge-patch+json");
  auto added = w->next(30s);
  ASSERT_TRUE(added);
  EXPECT_EQ((*added)["type"], "ADDED");
  EXPECT_EQ((*added)["object"]["metadata"]["name"], "s2");
}

TEST(HttpWatch, BookmarksAndTimeout) {
  DevServer server({false, "", {"--bookmark-interval-ms", "200"}});
  const auto rv = server.request("GET", "/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"].get<std::string>();
  auto w = server.watch("/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=" + rv);
  auto b = w->next(30s);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)["type"], "BOOKMARK");
  EXPECT_EQ((*b)["object"]["metadata"]["resourceVersion"], rv);
  // The server ends the stream by itself after timeoutSeconds.
  const auto start = std::chrono::steady_clock::now();
  while (!w->ended() && std::chrono::steady_clock::now() - start < 60s) w->next(1s);
  EXPECT_TRUE(w->ended());
}

TEST(HttpWatch, TooOldResourceVersionGets410) {
  DevServer server({false, "", {"--history-size", "3"}});
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const auto first = server.request("POST", cms, configmap("h0").dump()).json()["metadata"]["resourceVersion"].get<std::string>();
  for (int i = 1; i < 6; ++i) server.request("POST", cms, configmap("h" + std::to_string(i)).dump());
  auto w = server.watch(cms + "?watch=true&resourceVersion=" + first);
  auto e = w->next(30s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "ERROR");
  EXPECT_EQ((*e)["object"]["code"], 410);
  EXPECT_EQ((*e)["object"]["reason"], "Expired");
}

TEST_F(HttpApiTest, CompactionFaultForces410) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const auto rv = create(cms, configmap("c1"))["metadata"]["resourceVersion"].get<std::string>();
  create(cms, configmap("c2"));
  server.compact_history();
  auto w = server.watch(cms + "?watch=true&resourceVersion=" + rv);
  auto e = w->next(30s);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["object"]["code"], 410);
}

TEST_F(HttpApiTest, InjectedFailuresAreConsumedInOrder) {
  server.fail_next(2, 429, "GET", "/configmaps");
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces").status, 200);  // not matching
  auto r1 = server.request("GET", cms);
  EXPECT_EQ(r1.status, 429);
  EXPECT_EQ(r1.json()["reason"], "TooManyRequests");
  EXPECT_EQ(server.request("GET", cms).status, 429);
  EXPECT_EQ(server.request("GET", cms).status, 200);
  server.fail_next(1, 409);
  EXPECT_EQ(server.request("POST", cms, configmap("x").dump()).status, 409);
  server.fail_next(1, 500);
  EXPECT_EQ(server.request("GET", cms).status, 500);
  EXPECT_EQ(server.request("POST", "/admin/faults", R"({"failNext":{"code":"x"}})").status, 400);
}

TEST_F(HttpApiTest, InjectedLatencyDelaysApiRequestsButNotAdmin) {
  server.set_latency_ms(400);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);  // a lower bound only: never flaky
  auto faults = server.request("GET", "/admin/faults").json();
  EXPECT_EQ(faults["latencyMs"], 400);
  server.clear_faults();
  EXPECT_EQ(server.request("GET", "/admin/faults").json()["latencyMs"], 0);
}

TEST_F(HttpApiTest, WatchesAreCutByFaults) {
  server.close_watches_after(1);
  const auto start = std::chrono::steady_clock::now();
  auto w = server.watch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=600");
  while (!w->ended() && std::chrono::steady_clock::now() - start < 60s) w->next(1s);
  EXPECT_TRUE(w->ended());
  server.clear_faults();
  auto w2 = server.watch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=600");
  server.close_watches_now();
  const auto start2 = std::chrono::steady_clock::now();
  while (!w2->ended() && std::chrono::steady_clock::now() - start2 < 60s) w2->next(1s);
  EXPECT_TRUE(w2->ended());
}

TEST_F(HttpApiTest, ServerNoticesAWatchClientHangingUp) {
  auto w = server.watch("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=600");
  ASSERT_EQ(w->status(), 200);
  EXPECT_EQ(server.open_watches(), 1);
  w.reset();  // the client goes away without the server ever writing again
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (server.open_watches() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);  // polling the server's own count
  EXPECT_EQ(server.open_watches(), 0);
}

TEST_F(HttpApiTest, PodLogAndDryRun) {
  const std::string pods = "/api/v1/namespaces/default/pods";
  const json pod = {{"apiVersion", "v1"}, {"kind", "Pod"},
                    {"metadata", {{"name", "p"}, {"annotations", {{"devserver.redraft.dev/log", "line1\nREDRAFT-RESULT {}\n"}}}}},
                    {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}};
  const json created = create(pods, pod);
  EXPECT_EQ(created["status"]["phase"], "Pending");  // no kubelet: pods never start by themselves
  auto log = server.request("GET", pods + "/p/log?container=c");
  EXPECT_EQ(log.status, 200);
  EXPECT_EQ(log.body, "line1\nREDRAFT-RESULT {}\n");
  auto dry = server.request("POST", pods + "?dryRun=All", json{{"metadata", {{"name", "dry"}}}}.dump());
  EXPECT_EQ(dry.status, 201);
  EXPECT_EQ(server.request("GET", pods + "/dry").status, 404);
}

TEST(HttpAuth, BearerTokenIsRequired) {
  DevServer server({false, "t0ken-value", {}});
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces").status, 200);  // fixture sends the token
  auto wrong = server.request("GET", "/api/v1/namespaces", "", "", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body.find("t0ken-value"), std::string::npos);
  EXPECT_EQ(server.request("POST", "/admin/faults", R"({"latencyMs":1})", "application/json",
                           {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(server.request("GET", "/healthz", "", "", {{"Authorization", "Bearer nope"}}).status, 200);
  EXPECT_EQ(server.server_log().find("t0ken-value"), std::string::npos);
}

TEST(HttpAuth, KubectlUsesTheTokenOverHttps) {
  // kubectl sends bearer tokens only over HTTPS, so token auth is exercised with --tls.
  DevServer server({true, "t0ken-value", {}});
  auto k = server.kubectl({"get", "namespaces", "-o", "name"});
  EXPECT_EQ(k.exit_code, 0) << k.output;
  EXPECT_NE(k.output.find("namespace/default"), std::string::npos);
  auto wrong = server.request("GET", "/api/v1/namespaces", "", "", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(server.server_log().find("t0ken-value"), std::string::npos);
}

TEST(HttpTls, HttpsWithPinnedSelfSignedCertificate) {
  DevServer server({true, "", {}});
  EXPECT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u) << server.url();
  EXPECT_EQ(server.request("GET", "/version").status, 200);
  EXPECT_FALSE(server.token().empty());  // generated by the server, read from its kubeconfig
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces", "", "", {{"Authorization", "Bearer nope"}}).status, 401);
  // kubectl verifies the certificate against the kubeconfig's certificate-authority-data.
  auto k = server.kubectl({"get", "namespaces", "-o", "name"});
  EXPECT_EQ(k.exit_code, 0) << k.output;
  EXPECT_NE(k.output.find("namespace/kube-system"), std::string::npos);
}
