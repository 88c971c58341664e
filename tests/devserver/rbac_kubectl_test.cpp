// ClusterRoles and ClusterRoleBindings (rbac.authorization.k8s.io/v1, cluster-scoped) through the
// real kubectl against the devserver: create from a manifest, get (also with a namespace flag,
// which cluster-scoped kinds ignore), apply, delete; and over raw HTTP that they live at the
// cluster-scoped path only and that a namespace in the body is dropped like the real server does.
#include "devserver_fixture.hpp"

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

class RbacKubectlTest : public ::testing::Test {
 protected:
  CommandResult ok(const std::vector<std::string>& args, const std::string& input = "") {
    auto r = server.kubectl(args, input);
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    EXPECT_EQ(r.exit_code, 0) << "kubectl" << cmd << "\n" << r.output;
    return r;
  }
  DevServer server;
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

  ok({"delete", "clusterrolebinding", "read-pods"});
  ok({"delete", "clusterrole", "pod-reader"});
  for (const std::string kind : {"clusterrole/pod-reader", "clusterrolebinding/read-pods"}) {
    const auto gone = server.kubectl({"get", kind});
    EXPECT_NE(gone.exit_code, 0) << kind;
    EXPECT_THAT(gone.output, HasSubstr("NotFound")) << kind;
  }
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

// `kubectl create clusterrole` / `kubectl create clusterrolebinding` (the imperative forms) use
// kubectl's typed RBAC client, which sends protobuf bodies; the devserver decodes protobuf only for
// ConfigMap, Secret, Namespace, ServiceAccount and DeleteOptions and answers 415 here. Enable this
// test once the devserver decodes ClusterRole/ClusterRoleBinding protobuf.
TEST_F(RbacKubectlTest, DISABLED_ImperativeCreateClusterRoleAndBinding) {
  ok({"create", "clusterrole", "pod-reader", "--verb=get,list,watch", "--resource=pods"});
  ok({"create", "clusterrolebinding", "read-pods", "--clusterrole=pod-reader",
      "--serviceaccount=default:robot"});
  const json role = json::parse(ok({"get", "clusterrole", "pod-reader", "-o", "json"}).output);
  EXPECT_EQ(role["rules"][0]["verbs"], json({"get", "list", "watch"}));
  EXPECT_EQ(role["rules"][0]["resources"], json({"pods"}));
  EXPECT_EQ(ok({"get", "clusterrolebinding", "read-pods", "-o", "jsonpath={.subjects[0].name}"}).output,
            "robot");
  ok({"delete", "clusterrolebinding", "read-pods"});
  ok({"delete", "clusterrole", "pod-reader"});
}
