// helm install / upgrade / uninstall of charts/redraft against the devserver with the real helm
// and kubectl: the CRDs from crds/ are created and accept the shipped Agent profiles, the
// cluster-wide install switches to per-namespace RBAC on upgrade, a bad value leaves the release
// untouched, and uninstall removes everything but the CRDs (helm never deletes crds/ CRDs,
// which would delete every Workload with them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "devserver_fixture.hpp"
#include "tests/chart/chart_support.hpp"

namespace redraft::chart_test {
namespace {

using nlohmann::json;
using redraft::testing::DevServer;
using ::testing::HasSubstr;
using ::testing::Not;

// Just enough of prometheus-operator's ServiceMonitor CRD for the chart's object to be stored.
constexpr const char* kServiceMonitorCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, plural: servicemonitors, singular: servicemonitor, listKind: ServiceMonitorList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
)";

std::string names(const DevServer& server, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"get"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-o", "name"});
  auto r = server.kubectl(argv);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

json release_status(const DevServer& server) {
  auto r = server.helm({"status", "rel", "-n", "redraft-system", "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.exit_code == 0 ? json::parse(r.output) : json();
}

TEST(ChartInstall, InstallUpgradeUninstall) {
  DevServer server;
  for (const char* ns : {"team-a", "team-b"}) {
    auto r = server.kubectl({"create", "namespace", ns});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // Install with default values: cluster-wide.
  auto install = server.helm({"install", "rel", chart_dir(), "--namespace", "redraft-system", "--create-namespace"});
  ASSERT_EQ(install.exit_code, 0) << install.output;
  EXPECT_THAT(install.output, HasSubstr("STATUS: deployed"));
  EXPECT_THAT(install.output, HasSubstr("create secret generic git-credentials"));  // NOTES.txt
  EXPECT_THAT(install.output, HasSubstr("kubectl -n redraft-system get rdwl -w"));

  const std::string crds = names(server, {"crd"});
  for (const char* crd : {"agents.redraft.dev", "agentictasks.redraft.dev", "workloads.redraft.dev"}) {
    EXPECT_THAT(crds, HasSubstr(crd));
  }
  const std::string installed = names(server, {"deployment,serviceaccount,service", "-n", "redraft-system"});
  for (const char* o : {"deployment.apps/rel-redraft", "serviceaccount/rel-redraft", "serviceaccount/redraft-task",
                        "service/rel-redraft-metrics"}) {
    EXPECT_THAT(installed, HasSubstr(o));
  }
  EXPECT_THAT(names(server, {"clusterrole"}), HasSubstr("clusterrole.rbac.authorization.k8s.io/rel-redraft"));
  EXPECT_THAT(names(server, {"clusterrolebinding"}),
              HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/rel-redraft"));

  // The CRDs helm installed accept the shipped agent profiles.
  auto apply = server.kubectl({"apply", "-n", "redraft-system", "-f", source_path("examples/agents")});
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_THAT(apply.output, HasSubstr("agent.redraft.dev/claude-code-coder created"));

  // Upgrade to per-namespace RBAC, two replicas, ServiceMonitor and NetworkPolicy.
  auto monitor_crd = server.kubectl({"apply", "-f", "-"}, kServiceMonitorCrd);
  ASSERT_EQ(monitor_crd.exit_code, 0) << monitor_crd.output;
  auto upgrade = server.helm({"upgrade", "rel", chart_dir(), "-n", "redraft-system", "-f",
                              source_path("tests/chart/values-nondefault.yaml")});
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.output;
  EXPECT_EQ(release_status(server)["version"], 2);
  EXPECT_THAT(names(server, {"clusterrole"}), Not(HasSubstr("rel-redraft")));
  EXPECT_THAT(names(server, {"clusterrolebinding"}), Not(HasSubstr("rel-redraft")));
  for (const char* ns : {"team-a", "team-b"}) {
    const std::string in_ns = names(server, {"role,rolebinding,serviceaccount", "-n", ns});
    EXPECT_THAT(in_ns, HasSubstr("role.rbac.authorization.k8s.io/rel-redraft")) << ns;
    EXPECT_THAT(in_ns, HasSubstr("rolebinding.rbac.authorization.k8s.io/rel-redraft")) << ns;
    EXPECT_THAT(in_ns, HasSubstr("serviceaccount/redraft-task")) << ns;
  }
  EXPECT_THAT(names(server, {"role", "-n", "redraft-system"}), HasSubstr("rel-redraft-leader-election"));
  EXPECT_THAT(names(server, {"networkpolicy,servicemonitor", "-n", "redraft-system"}),
              HasSubstr("networkpolicy.networking.k8s.io/rel-redraft"));
  EXPECT_THAT(names(server, {"servicemonitor", "-n", "redraft-system"}), HasSubstr("rel-redraft"));
  auto deployment = server.kubectl({"get", "deployment", "rel-redraft", "-n", "redraft-system", "-o", "json"});
  ASSERT_EQ(deployment.exit_code, 0) << deployment.output;
  const json d = json::parse(deployment.output);
  EXPECT_EQ(d["spec"]["replicas"], 2);
  const auto args = d["spec"]["template"]["spec"]["containers"][0]["args"].get<std::vector<std::string>>();
  EXPECT_THAT(args, ::testing::Contains("--leader-elect"));
  EXPECT_THAT(args, ::testing::Contains("--namespace=team-a"));

  // A bad value fails the upgrade, names the value, and leaves the release where it was.
  auto bad = server.helm({"upgrade", "rel", chart_dir(), "-n", "redraft-system", "--reuse-values", "--set",
                          "replicas=lots"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("replicas: Invalid type"));
  const json status = release_status(server);
  EXPECT_EQ(status["version"], 2);
  EXPECT_EQ(status["info"]["status"], "deployed");

  // Uninstall: every object goes, the CRDs (and so the users' Agents) stay.
  auto uninstall = server.helm({"uninstall", "rel", "-n", "redraft-system"});
  ASSERT_EQ(uninstall.exit_code, 0) << uninstall.output;
  EXPECT_THAT(names(server, {"deployment,service,serviceaccount,role,rolebinding,networkpolicy,secret", "-n",
                             "redraft-system"}),
              Not(HasSubstr("rel-")));
  EXPECT_THAT(names(server, {"secret", "-n", "redraft-system"}), Not(HasSubstr("sh.helm.release")));
  EXPECT_THAT(names(server, {"role,rolebinding,serviceaccount", "-n", "team-a"}), Not(HasSubstr("redraft")));
  EXPECT_THAT(names(server, {"crd"}), HasSubstr("workloads.redraft.dev"));
  EXPECT_THAT(names(server, {"agents", "-n", "redraft-system"}), HasSubstr("claude-code-coder"));
}

}  // namespace
}  // namespace redraft::chart_test
