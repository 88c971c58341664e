// ClusterRoles and ClusterRoleBindings (rbac.authorization.k8s.io/v1, cluster-scoped) through the
// real kubectl against the devserver: create from a manifest, get (also with a namespace flag,
// which cluster-scoped kinds ignore), apply, delete; and over raw HTTP that they live at the
// cluster-scoped path only and that a namespace in the body is dropped like the real server does.
// The imperative `kubectl create role|clusterrole|rolebinding|clusterrolebinding` forms send
// protobuf, which the devserver decodes; their stored fields are checked against what was asked.
#include "devserver_fixture.hpp"
#include "kubectl_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using redraft::testing::CommandResult;
using redraft::testing::DevServer;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

constexpr const char* kRbac = "/apis/rbac.authorization.k8s.io/v1";

const char* const kManifest = R"(apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pod-reader
  labels:
    team: redraft
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: read-pods
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
subjects:
- kind: ServiceAccount
  name: robot
  namespace: default
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: alice
)";

class RbacKubectlTest : public redraft::testing::KubectlFixture {
 protected:
  // Deletes the manifest's ClusterRoleBinding and ClusterRole and checks both are gone.
  void delete_manifest_objects() {
    ok({"delete", "clusterrolebinding", "read-pods"});
    ok({"delete", "clusterrole", "pod-reader"});
    for (const std::string kind : {"clusterrole/pod-reader", "clusterrolebinding/read-pods"}) {
      const auto gone = server.kubectl({"get", kind});
      EXPECT_NE(gone.exit_code, 0) << kind;
      EXPECT_THAT(gone.output, HasSubstr("NotFound")) << kind;
    }
  }
};

}  // namespace

TEST_F(RbacKubectlTest, ClusterRoleAndBindingCreateGetDelete) {
  const auto created = ok({"create", "-f", "-"}, kManifest);
  EXPECT_THAT(created.output, HasSubstr("clusterrole.rbac.authorization.k8s.io/pod-reader created"));
  EXPECT_THAT(created.output,
              HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/read-pods created"));

  // Stored as sent, without a namespace.
  const json role = json::parse(ok({"get", "clusterrole", "pod-reader", "-o", "json"}).output);
  EXPECT_EQ(role["kind"], "ClusterRole");
  EXPECT_FALSE(role["metadata"].contains("namespace")) << role.dump();
  EXPECT_EQ(role["metadata"]["labels"]["team"], "redraft");
  ASSERT_EQ(role["rules"].size(), 1u) << role.dump();
  EXPECT_EQ(role["rules"][0]["resources"], json({"pods", "pods/log"}));
  EXPECT_EQ(role["rules"][0]["verbs"], json({"get", "list", "watch"}));

  const json binding = json::parse(ok({"get", "clusterrolebinding", "read-pods", "-o", "json"}).output);
  EXPECT_FALSE(binding["metadata"].contains("namespace")) << binding.dump();
  EXPECT_EQ(binding["roleRef"], json({{"apiGroup", "rbac.authorization.k8s.io"},
                                      {"kind", "ClusterRole"},
                                      {"name", "pod-reader"}}));
  ASSERT_EQ(binding["subjects"].size(), 2u) << binding.dump();
  EXPECT_EQ(binding["subjects"][0]["namespace"], "default");
  EXPECT_EQ(binding["subjects"][1]["name"], "alice");

  // Cluster-scoped: a namespace flag does not hide them, and --all-namespaces lists them.
  EXPECT_THAT(ok({"get", "clusterrole", "pod-reader", "-n", "kube-system", "-o", "name"}).output,
              HasSubstr("clusterrole.rbac.authorization.k8s.io/pod-reader"));
  EXPECT_THAT(ok({"get", "clusterroles", "-A", "-o", "name"}).output,
              HasSubstr("clusterrole.rbac.authorization.k8s.io/pod-reader"));
  EXPECT_THAT(ok({"get", "clusterrolebindings", "-o", "name"}).output,
              HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/read-pods"));
  EXPECT_THAT(ok({"get", "clusterroles", "-l", "team=redraft", "-o", "name"}).output,
              HasSubstr("pod-reader"));
  EXPECT_THAT(ok({"get", "clusterrolebinding", "read-pods", "-o", "jsonpath={.roleRef.name}"}).output,
              ::testing::StartsWith("pod-reader"));

  // A second create is refused: AlreadyExists.
  const auto again = server.kubectl({"create", "-f", "-"}, kManifest);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.output, HasSubstr("AlreadyExists"));

  // apply over the created objects changes them in place.
  std::string changed = kManifest;
  changed.replace(changed.find("\"watch\"]"), 8, "\"watch\", \"delete\"]");
  ok({"apply", "-f", "-"}, changed);
  EXPECT_EQ(ok({"get", "clusterrole", "pod-reader", "-o", "jsonpath={.rules[0].verbs}"}).output,
            R"(["get","list","watch","delete"])");

  delete_manifest_objects();
}

TEST_F(RbacKubectlTest, ClusterScopedPathsOnlyAndBodyNamespaceDropped) {
  // A namespace in the body of a cluster-scoped create is cleared, as kube-apiserver does.
  const json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                     {"kind", "ClusterRole"},
                     {"metadata", {{"name", "ns-in-body"}, {"namespace", "default"}}},
                     {"rules", json::array()}};
  const auto created = server.request("POST", std::string(kRbac) + "/clusterroles", role.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.json()["metadata"].contains("namespace")) << created.body;

  const auto got = server.request("GET", std::string(kRbac) + "/clusterroles/ns-in-body");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["metadata"]["name"], "ns-in-body");
  // There is no namespaced form of a cluster-scoped resource.
  EXPECT_EQ(server.request("GET", std::string(kRbac) + "/namespaces/default/clusterroles/ns-in-body").status,
            404);
  EXPECT_EQ(server.request("POST", std::string(kRbac) + "/namespaces/default/clusterrolebindings",
                           R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
                               "metadata":{"name":"b"},
                               "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"ns-in-body"}})")
                .status,
            404);

  // Discovery tells kubectl they are cluster-scoped.
  const json resources = server.request("GET", kRbac).json();
  int seen = 0;
  for (const auto& r : resources["resources"]) {
    if (r["name"] == "clusterroles" || r["name"] == "clusterrolebindings") {
      EXPECT_EQ(r["namespaced"], false) << r.dump();
      ++seen;
    }
    if (r["name"] == "roles" || r["name"] == "rolebindings") {
      EXPECT_EQ(r["namespaced"], true) << r.dump();
    }
  }
  EXPECT_EQ(seen, 2) << resources.dump();

  const auto deleted = server.request("DELETE", std::string(kRbac) + "/clusterroles/ns-in-body");
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(server.request("GET", std::string(kRbac) + "/clusterroles/ns-in-body").status, 404);
}

// The imperative forms (`kubectl create role|clusterrole|rolebinding|clusterrolebinding`) use
// kubectl's typed RBAC client, which sends protobuf bodies. What the server stores must be what
// kubectl meant to send: the same command with --dry-run=client -o json renders kubectl's object
// without a server, and the stored rules/subjects/roleRef must equal it (and the literal values).
namespace {

// The object kubectl builds for `args` (a `create ...` command), rendered locally as JSON.
json client_side_object(DevServer& server, std::vector<std::string> args) {
  args.insert(args.end(), {"--dry-run=client", "-o", "json"});
  const auto r = server.kubectl(args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.exit_code == 0 ? json::parse(r.output) : json::object();
}

}  // namespace

TEST_F(RbacKubectlTest, ImperativeCreateClusterRoleAndBinding) {
  const std::vector<std::string> role_cmd = {"create", "clusterrole", "pod-reader",
                                             "--verb=get,list,watch", "--resource=pods,deployments.apps",
                                             "--resource-name=web", "--resource-name=db"};
  const std::vector<std::string> binding_cmd = {"create", "clusterrolebinding", "read-pods",
                                                "--clusterrole=pod-reader", "--user=alice",
                                                "--group=devs", "--serviceaccount=default:robot"};
  const json want_role = client_side_object(server, role_cmd);
  const json want_binding = client_side_object(server, binding_cmd);
  EXPECT_THAT(ok(role_cmd).output, HasSubstr("clusterrole.rbac.authorization.k8s.io/pod-reader created"));
  EXPECT_THAT(ok(binding_cmd).output,
              HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/read-pods created"));

  const json role = json::parse(ok({"get", "clusterrole", "pod-reader", "-o", "json"}).output);
  EXPECT_EQ(role["apiVersion"], "rbac.authorization.k8s.io/v1");
  EXPECT_EQ(role["kind"], "ClusterRole");
  EXPECT_EQ(role["metadata"]["name"], "pod-reader");
  EXPECT_FALSE(role["metadata"].contains("namespace")) << role.dump();
  const json rules = json::parse(R"([
    {"apiGroups": [""], "resources": ["pods"], "resourceNames": ["web", "db"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web", "db"], "verbs": ["get", "list", "watch"]}
  ])");
  EXPECT_EQ(role["rules"], rules) << role.dump();
  EXPECT_EQ(role["rules"], want_role["rules"]);
  EXPECT_FALSE(role.contains("aggregationRule")) << role.dump();

  const json binding = json::parse(ok({"get", "clusterrolebinding", "read-pods", "-o", "json"}).output);
  EXPECT_EQ(binding["kind"], "ClusterRoleBinding");
  EXPECT_EQ(binding["roleRef"], json({{"apiGroup", "rbac.authorization.k8s.io"},
                                      {"kind", "ClusterRole"},
                                      {"name", "pod-reader"}}));
  const json subjects = json::parse(R"([
    {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
    {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"},
    {"kind": "ServiceAccount", "name": "robot", "namespace": "default"}
  ])");
  EXPECT_EQ(binding["subjects"], subjects) << binding.dump();
  EXPECT_EQ(binding["subjects"], want_binding["subjects"]);
  EXPECT_EQ(binding["roleRef"], want_binding["roleRef"]);
  EXPECT_EQ(ok({"get", "clusterrolebinding", "read-pods", "-o", "jsonpath={.subjects[2].name}"}).output,
            "robot");

  // The protobuf DeleteOptions path, then the objects are gone.
  delete_manifest_objects();
}

// Non-resource URLs and aggregation rules (a LabelSelector inside the ClusterRole) survive too.
TEST_F(RbacKubectlTest, ImperativeCreateClusterRoleNonResourceUrlsAndAggregation) {
  const std::vector<std::string> urls_cmd = {"create", "clusterrole", "log-reader", "--verb=get",
                                             "--non-resource-url=/logs/*", "--non-resource-url=/healthz"};
  const std::vector<std::string> aggregate_cmd = {
      "create", "clusterrole", "monitoring",
      "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true,tier=ops"};
  const json want_urls = client_side_object(server, urls_cmd);
  const json want_aggregate = client_side_object(server, aggregate_cmd);
  ok(urls_cmd);
  ok(aggregate_cmd);

  const json urls = json::parse(ok({"get", "clusterrole", "log-reader", "-o", "json"}).output);
  EXPECT_EQ(urls["rules"], json::parse(R"([{"nonResourceURLs": ["/logs/*", "/healthz"], "verbs": ["get"]}])"))
      << urls.dump();
  EXPECT_EQ(urls["rules"], want_urls["rules"]);

  const json aggregate = json::parse(ok({"get", "clusterrole", "monitoring", "-o", "json"}).output);
  EXPECT_EQ(aggregate["aggregationRule"],
            json::parse(R"({"clusterRoleSelectors": [{"matchLabels":
                              {"rbac.example.com/aggregate-to-monitoring": "true", "tier": "ops"}}]})"))
      << aggregate.dump();
  EXPECT_EQ(aggregate["aggregationRule"], want_aggregate["aggregationRule"]);
}

// The namespaced forms: a Role and two RoleBindings (to the Role and to a ClusterRole) in a
// namespace other than the kubeconfig's default.
TEST_F(RbacKubectlTest, ImperativeCreateRoleAndRoleBinding) {
  ok({"create", "namespace", "team"});
  const std::vector<std::string> role_cmd = {"create", "role", "pod-reader", "-n", "team",
                                             "--verb=get", "--verb=list", "--resource=pods",
                                             "--resource=configmaps", "--resource-name=settings"};
  const std::vector<std::string> binding_cmd = {"create", "rolebinding", "read-pods", "-n", "team",
                                                "--role=pod-reader", "--user=alice",
                                                "--serviceaccount=team:robot"};
  const std::vector<std::string> cluster_ref_cmd = {"create", "rolebinding", "view-all", "-n", "team",
                                                    "--clusterrole=view", "--group=auditors"};
  const json want_role = client_side_object(server, role_cmd);
  const json want_binding = client_side_object(server, binding_cmd);
  const json want_cluster_ref = client_side_object(server, cluster_ref_cmd);
  EXPECT_THAT(ok(role_cmd).output, HasSubstr("role.rbac.authorization.k8s.io/pod-reader created"));
  EXPECT_THAT(ok(binding_cmd).output, HasSubstr("rolebinding.rbac.authorization.k8s.io/read-pods created"));
  ok(cluster_ref_cmd);

  const json role = json::parse(ok({"get", "role", "pod-reader", "-n", "team", "-o", "json"}).output);
  EXPECT_EQ(role["kind"], "Role");
  EXPECT_EQ(role["metadata"]["namespace"], "team");
  EXPECT_EQ(role["rules"], json::parse(R"([{"apiGroups": [""], "resources": ["pods", "configmaps"],
                                             "resourceNames": ["settings"], "verbs": ["get", "list"]}])"))
      << role.dump();
  EXPECT_EQ(role["rules"], want_role["rules"]);
  // Namespaced: not visible from another namespace.
  const auto elsewhere = server.kubectl({"get", "role", "pod-reader", "-n", "default"});
  EXPECT_NE(elsewhere.exit_code, 0);
  EXPECT_THAT(elsewhere.output, HasSubstr("NotFound"));

  const json binding = json::parse(ok({"get", "rolebinding", "read-pods", "-n", "team", "-o", "json"}).output);
  EXPECT_EQ(binding["kind"], "RoleBinding");
  EXPECT_EQ(binding["metadata"]["namespace"], "team");
  EXPECT_EQ(binding["roleRef"],
            json({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "pod-reader"}}));
  EXPECT_EQ(binding["subjects"], json::parse(R"([
    {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
    {"kind": "ServiceAccount", "name": "robot", "namespace": "team"}])"))
      << binding.dump();
  EXPECT_EQ(binding["subjects"], want_binding["subjects"]);
  EXPECT_EQ(binding["roleRef"], want_binding["roleRef"]);

  const json cluster_ref = json::parse(ok({"get", "rolebinding", "view-all", "-n", "team", "-o", "json"}).output);
  EXPECT_EQ(cluster_ref["roleRef"],
            json({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}}));
  EXPECT_EQ(cluster_ref["subjects"],
            json::parse(R"([{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "auditors"}])"));
  EXPECT_EQ(cluster_ref["subjects"], want_cluster_ref["subjects"]);

  ok({"delete", "rolebinding", "read-pods", "view-all", "-n", "team"});
  ok({"delete", "role", "pod-reader", "-n", "team"});
  EXPECT_THAT(ok({"get", "roles,rolebindings", "-n", "team", "-o", "name"}).output, ::testing::IsEmpty());
}
