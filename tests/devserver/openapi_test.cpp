// /openapi/v3 on the devserver, over real HTTP and through kubectl explain: the index lists every
// served group/version (a CRD's group appears when the CRD is created and disappears when it is
// deleted), every listed document is served, and a CRD's per-group document carries the schema
// from the CRD manifest (checked against config/crd/, not against the server itself).
#include "devserver_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

using redraft::testing::DevServer;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

constexpr const char* kRedraftIndexKey = "apis/redraft.dev/v1alpha1";
constexpr const char* kAgenticTaskSchema = "redraft.dev.v1alpha1.AgenticTask";

std::string src(const std::string& rel) { return std::string(REDRAFT_SOURCE_DIR) + "/" + rel; }

json index_paths(const DevServer& server) {
  const auto r = server.request("GET", "/openapi/v3");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.content_type, HasSubstr("application/json"));
  return r.json().at("paths");
}

// Polls until the index does (or does not) list the redraft.dev group.
bool index_lists_redraft(const DevServer& server, bool wanted) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (index_paths(server).contains(kRedraftIndexKey) == wanted) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The AgenticTask's openAPIV3Schema as written in config/crd/.
YAML::Node agentic_task_manifest_schema() {
  const YAML::Node crd = YAML::LoadFile(src("config/crd/redraft.dev_agentictasks.yaml"));
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

std::set<std::string> yaml_keys(const YAML::Node& map) {
  std::set<std::string> out;
  for (const auto& entry : map) out.insert(entry.first.as<std::string>());
  return out;
}

std::set<std::string> json_keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

}  // namespace

// One listed document, fetched through the URL the index gives for it.
void expect_document_served(const DevServer& server, const json& paths, const std::string& gv) {
  ASSERT_TRUE(paths.contains(gv)) << gv << " missing from " << paths.dump();
  const std::string url = paths[gv].at("serverRelativeURL").get<std::string>();
  EXPECT_EQ(url.rfind("/openapi/v3/" + gv, 0), 0u) << gv << " -> " << url;
  const auto doc = server.request("GET", url);
  ASSERT_EQ(doc.status, 200) << url << ": " << doc.body;
  const json body = doc.json();
  EXPECT_THAT(body.value("openapi", ""), ::testing::StartsWith("3.")) << url;
  EXPECT_FALSE(body.at("paths").empty()) << url;
  EXPECT_FALSE(body.at("components").at("schemas").empty()) << url;
}

TEST(OpenApiV3, IndexListsBuiltInGroupsAndServesTheirDocuments) {
  DevServer server;
  const json paths = index_paths(server);
  for (const std::string gv : {"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1",
                               "apis/rbac.authorization.k8s.io/v1", "apis/apiextensions.k8s.io/v1"}) {
    SCOPED_TRACE(gv);
    expect_document_served(server, paths, gv);
  }
  EXPECT_FALSE(paths.contains(kRedraftIndexKey)) << "no CRD applied yet: " << paths.dump();
  // The Lease document describes the lease paths the leader elector uses.
  const json leases = server.request("GET", "/openapi/v3/apis/coordination.k8s.io/v1").json();
  EXPECT_TRUE(leases["paths"].contains(
      "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"))
      << leases["paths"].dump();
  EXPECT_EQ(server.request("GET", "/openapi/v3/apis/redraft.dev/v1alpha1").status, 404);
}

// Every document the index lists must be served (clients follow the index blindly), including
// authorization.k8s.io/v1, whose only kinds are the create-only access reviews.
TEST(OpenApiV3, EveryListedDocumentIsServed) {
  DevServer server;
  const json paths = index_paths(server);
  ASSERT_GE(paths.size(), 5u) << paths.dump();
  for (const auto& [gv, entry] : paths.items()) {
    SCOPED_TRACE(gv);
    expect_document_served(server, paths, gv);
  }
}

// The access-review document describes the reviews the way kube-apiserver does: a create (POST)
// on the collection path and nothing else, since reviews are never stored.
TEST(OpenApiV3, AccessReviewDocumentOffersCreateOnly) {
  DevServer server;
  const json paths = index_paths(server);
  ASSERT_TRUE(paths.contains("apis/authorization.k8s.io/v1")) << paths.dump();
  const auto response = server.request("GET", "/openapi/v3/apis/authorization.k8s.io/v1");
  ASSERT_EQ(response.status, 200) << response.body;
  const json doc = response.json();
  const json& doc_paths = doc.at("paths");
  const std::string self = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  const std::string local =
      "/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews";
  for (const std::string& p : {self, local, std::string("/apis/authorization.k8s.io/v1/subjectaccessreviews")}) {
    ASSERT_TRUE(doc_paths.contains(p)) << p << " in " << doc_paths.dump();
    EXPECT_EQ(json_keys(doc_paths[p]), std::set<std::string>{"post"}) << p;
  }
  EXPECT_FALSE(doc_paths.contains(self + "/{name}")) << doc_paths.dump();
  EXPECT_EQ(doc_paths[self]["post"]["x-kubernetes-group-version-kind"]["kind"], "SelfSubjectAccessReview");
  EXPECT_TRUE(doc.at("components").at("schemas").contains("authorization.k8s.io.v1.SelfSubjectAccessReview"))
      << doc.at("components").dump();

  // kubectl still uses the reviews with the document in place.
  const auto can_i = server.kubectl({"auth", "can-i", "create", "configmaps"});
  EXPECT_EQ(can_i.exit_code, 0) << can_i.output;
  EXPECT_THAT(can_i.output, HasSubstr("yes"));
}

TEST(OpenApiV3, CrdGroupAppearsWithItsSchemaAndGoesWithTheCrd) {
  DevServer server;
  const auto applied = server.kubectl({"apply", "-f", src("config/crd")});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  ASSERT_TRUE(index_lists_redraft(server, true)) << index_paths(server).dump();

  const std::string url =
      index_paths(server)[kRedraftIndexKey].at("serverRelativeURL").get<std::string>();
  const auto response = server.request("GET", url);
  ASSERT_EQ(response.status, 200) << response.body;
  const json doc = response.json();
  const json& schemas = doc.at("components").at("schemas");
  for (const std::string kind : {"Agent", "AgenticTask", "Workload"}) {
    EXPECT_TRUE(schemas.contains("redraft.dev.v1alpha1." + kind)) << kind;
  }
  ASSERT_TRUE(schemas.contains(kAgenticTaskSchema)) << json_keys(schemas).size();
  const json& task = schemas[kAgenticTaskSchema];
  EXPECT_EQ(task.at("x-kubernetes-group-version-kind"),
            json::array({{{"group", "redraft.dev"}, {"version", "v1alpha1"}, {"kind", "AgenticTask"}}}));

  // The spec schema is the one in the CRD manifest: same properties, same required fields,
  // same types and enums.
  const YAML::Node manifest = agentic_task_manifest_schema();
  const YAML::Node manifest_spec = manifest["properties"]["spec"];
  const json& spec = task.at("properties").at("spec");
  EXPECT_EQ(json_keys(spec.at("properties")), yaml_keys(manifest_spec["properties"]));
  EXPECT_EQ(json_keys(task.at("properties")), yaml_keys(manifest["properties"]));
  std::vector<std::string> required;
  for (const auto& name : manifest_spec["required"]) required.push_back(name.as<std::string>());
  EXPECT_EQ(spec.at("required").get<std::vector<std::string>>(), required);
  for (const auto& entry : manifest_spec["properties"]) {
    const std::string field = entry.first.as<std::string>();
    const json& property = spec["properties"][field];
    if (entry.second["type"]) {
      EXPECT_EQ(property.value("type", ""), entry.second["type"].as<std::string>()) << field;
    }
    if (entry.second["enum"]) {
      EXPECT_EQ(property.at("enum").get<std::vector<std::string>>(),
                entry.second["enum"].as<std::vector<std::string>>())
          << field;
    }
  }
  EXPECT_EQ(spec["properties"]["branch"]["type"], "string");

  // Paths for the namespaced resource, its items and its status subresource, with the GVK.
  const json& doc_paths = doc.at("paths");
  const std::string base = "/apis/redraft.dev/v1alpha1/namespaces/{namespace}/agentictasks";
  for (const std::string& p : {base, base + "/{name}", base + "/{name}/status"}) {
    ASSERT_TRUE(doc_paths.contains(p)) << p;
  }
  EXPECT_EQ(doc_paths[base + "/{name}"]["get"]["x-kubernetes-group-version-kind"]["kind"],
            "AgenticTask");

  // kubectl explain reads these documents.
  const std::string description =
      manifest_spec["properties"]["branch"]["description"].as<std::string>();
  const auto explained = server.kubectl({"explain", "agentictasks.spec.branch"});
  ASSERT_EQ(explained.exit_code, 0) << explained.output;
  EXPECT_THAT(explained.output, HasSubstr("KIND:       AgenticTask"));
  EXPECT_THAT(explained.output, HasSubstr("FIELD: branch <string>"));
  EXPECT_THAT(explained.output, HasSubstr(description.substr(0, 18)));

  // Deleting the CRDs withdraws the group.
  const auto deleted = server.kubectl({"delete", "-f", src("config/crd")});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  ASSERT_TRUE(index_lists_redraft(server, false)) << index_paths(server).dump();
  EXPECT_EQ(server.request("GET", url).status, 404);
}
