// The Helm chart rendered by the real helm: lint, golden files, the operator Deployment's flags
// and security, the RBAC shape (cluster-wide vs per namespace), optional objects, the task
// ServiceAccount, values that the schema rejects, and the CRDs against their generator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "api/schema.hpp"
#include "tests/chart/chart_support.hpp"

namespace redraft::chart_test {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kNonDefault = source_path("tests/chart/values-nondefault.yaml");

std::vector<std::string> args_of(const json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0]["args"].get<std::vector<std::string>>();
}

TEST(ChartLint, StrictLintPassesForDefaultAndNonDefaultValues) {
  auto lint = run_helm({"lint", "--strict", chart_dir()});
  EXPECT_TRUE(lint.ok()) << lint.out << lint.err;
  EXPECT_THAT(lint.out, HasSubstr("0 chart(s) failed"));
  lint = run_helm({"lint", "--strict", chart_dir(), "-f", kNonDefault});
  EXPECT_TRUE(lint.ok()) << lint.out << lint.err;
}

TEST(ChartGolden, DefaultValues) {
  const std::string message = compare_golden("default.yaml", render());
  EXPECT_EQ(message, "");
}

TEST(ChartGolden, NonDefaultValues) {
  const std::string message = compare_golden("nondefault.yaml", render({"-f", kNonDefault}));
  EXPECT_EQ(message, "");
}

TEST(ChartDeployment, FlagsFollowTheContract) {
  const auto all = objects(render());
  const json deployment = find_object(all, "Deployment", "rel-redraft", "redraft-system");
  EXPECT_EQ(deployment["spec"]["replicas"], 1);
  const auto args = args_of(deployment);
  EXPECT_THAT(args, Contains("--metrics-bind-address=:8080"));
  EXPECT_THAT(args, Contains("--health-probe-bind-address=:8081"));
  EXPECT_THAT(args, Contains("--executor-image=redraft/executor:0.1.0"));  // tag = appVersion
  EXPECT_THAT(args, Contains("--log-format=json"));
  EXPECT_THAT(args, Contains("--max-concurrent-reconciles=2"));
  EXPECT_THAT(args, Contains("--pod-start-timeout=120"));
  EXPECT_THAT(args, Contains("--task-service-account=redraft-task"));
  for (const auto& a : args) {
    EXPECT_THAT(a, Not(HasSubstr("--namespace"))) << "all namespaces by default";
    EXPECT_THAT(a, Not(HasSubstr("--leader-elect"))) << "one replica: no leader election";
  }
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "redraft/operator:0.1.0");
}

TEST(ChartDeployment, LeaderElectionOnWithMoreThanOneReplicaOrWhenAsked) {
  for (const std::vector<std::string>& set : {std::vector<std::string>{"--set", "replicas=2"},
                                              std::vector<std::string>{"--set", "leaderElection.enabled=true"}}) {
    SCOPED_TRACE(set[1]);
    const auto all = objects(render(set));
    const auto args = args_of(find_object(all, "Deployment", "rel-redraft"));
    EXPECT_THAT(args, Contains("--leader-elect"));
    EXPECT_THAT(args, Contains("--leader-election-namespace=redraft-system"));
    EXPECT_THAT(args, Contains("--leader-election-id=rel-redraft"));
    // The Lease Role exists exactly when leader election is on.
    const json role = find_object(all, "Role", "rel-redraft-leader-election", "redraft-system");
    EXPECT_EQ(role["rules"][1]["resourceNames"], json::array({"rel-redraft"}));
  }
  EXPECT_TRUE(objects_of_kind(objects(render()), "Role").empty());
}

TEST(ChartDeployment, RestrictedPodSecurityAndProbes) {
  const json pod = find_object(objects(render()), "Deployment", "rel-redraft")["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(c["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["port"], "health");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"], "health");
  std::map<std::string, int> ports;
  for (const auto& p : c["ports"]) ports[p["name"]] = p["containerPort"];
  EXPECT_EQ(ports, (std::map<std::string, int>{{"health", 8081}, {"metrics", 8080}}));
  EXPECT_TRUE(c.contains("resources"));
  EXPECT_EQ(c["resources"]["requests"]["memory"], "128Mi");
}

TEST(ChartRbac, ClusterWideByDefault) {
  const auto all = objects(render());
  EXPECT_EQ(objects_of_kind(all, "ClusterRole").size(), 1u);
  const json binding = find_object(all, "ClusterRoleBinding", "rel-redraft");
  EXPECT_EQ(binding["roleRef"]["name"], "rel-redraft");
  EXPECT_EQ(binding["subjects"][0]["name"], "rel-redraft");
  EXPECT_EQ(binding["subjects"][0]["namespace"], "redraft-system");
  EXPECT_TRUE(objects_of_kind(all, "RoleBinding").empty());
}

TEST(ChartRbac, PerNamespaceRolesWhenWatchNamespacesIsSet) {
  const auto all = objects(render({"-f", kNonDefault}));
  EXPECT_TRUE(objects_of_kind(all, "ClusterRole").empty()) << "nothing cluster-wide";
  EXPECT_TRUE(objects_of_kind(all, "ClusterRoleBinding").empty());
  const auto args = args_of(find_object(all, "Deployment", "rel-redraft"));
  EXPECT_THAT(args, Contains("--namespace=team-a"));
  EXPECT_THAT(args, Contains("--namespace=team-b"));
  const json cluster_rules = find_object(objects(render()), "ClusterRole", "rel-redraft")["rules"];
  for (const std::string ns : {"team-a", "team-b"}) {
    SCOPED_TRACE(ns);
    EXPECT_EQ(find_object(all, "Role", "rel-redraft", ns)["rules"], cluster_rules)
        << "a namespace Role grants exactly what the ClusterRole grants";
    const json binding = find_object(all, "RoleBinding", "rel-redraft", ns);
    EXPECT_EQ(binding["subjects"][0]["namespace"], "redraft-system");
    // The task ServiceAccount is created where the tasks run.
    const json sa = find_object(all, "ServiceAccount", "redraft-task", ns);
    EXPECT_EQ(sa["automountServiceAccountToken"], false);
  }
}

TEST(ChartRbac, NoSecretsNoDeleteNoWildcards) {
  for (const auto& values : {std::vector<std::string>{}, std::vector<std::string>{"-f", kNonDefault}}) {
    for (const auto& o : objects(render(values))) {
      const std::string kind = o["kind"];
      if (kind != "ClusterRole" && kind != "Role") continue;
      for (const auto& rule : o["rules"]) {
        for (const auto& r : rule["resources"]) {
          EXPECT_NE(r, "secrets") << o["metadata"]["name"];
          EXPECT_NE(r, "*");
        }
        for (const auto& v : rule["verbs"]) {
          EXPECT_NE(v, "*");
          EXPECT_NE(v, "delete");
          EXPECT_NE(v, "deletecollection");
        }
        for (const auto& g : rule["apiGroups"]) EXPECT_NE(g, "*");
      }
    }
  }
}

TEST(ChartServiceAccounts, OperatorMountsItsTokenTasksDoNot) {
  const auto all = objects(render());
  EXPECT_EQ(find_object(all, "ServiceAccount", "rel-redraft", "redraft-system")["automountServiceAccountToken"], true);
  const json task = find_object(all, "ServiceAccount", "redraft-task", "redraft-system");
  EXPECT_EQ(task["automountServiceAccountToken"], false);
  // Extra namespaces for cluster-wide mode; and `name: ""` drops both the object and the flag.
  const auto extra = objects(render({"--set", "taskServiceAccount.extraNamespaces={dev,qa}"}));
  EXPECT_EQ(objects_of_kind(extra, "ServiceAccount").size(), 4u);
  find_object(extra, "ServiceAccount", "redraft-task", "qa");
  const auto none = objects(render({"--set", "taskServiceAccount.name="}));
  EXPECT_EQ(objects_of_kind(none, "ServiceAccount").size(), 1u);
  for (const auto& a : args_of(find_object(none, "Deployment", "rel-redraft"))) {
    EXPECT_THAT(a, Not(HasSubstr("--task-service-account")));
  }
}

TEST(ChartOptional, MetricsServiceAlwaysServiceMonitorAndNetworkPolicyOnlyWhenEnabled) {
  const auto defaults = objects(render());
  const json service = find_object(defaults, "Service", "rel-redraft-metrics");
  EXPECT_EQ(service["spec"]["ports"][0]["targetPort"], "metrics");
  EXPECT_TRUE(objects_of_kind(defaults, "ServiceMonitor").empty());
  EXPECT_TRUE(objects_of_kind(defaults, "NetworkPolicy").empty());

  const auto all = objects(render({"-f", kNonDefault}));
  const json monitor = find_object(all, "ServiceMonitor", "rel-redraft");
  EXPECT_EQ(monitor["spec"]["endpoints"][0]["port"], "metrics");
  // The ServiceMonitor's selector matches the metrics Service's labels.
  const json svc_labels = find_object(all, "Service", "rel-redraft-metrics")["metadata"]["labels"];
  for (const auto& [k, v] : monitor["spec"]["selector"]["matchLabels"].items()) {
    EXPECT_EQ(svc_labels.value(k, ""), v) << k;
  }
  const json policy = find_object(all, "NetworkPolicy", "rel-redraft");
  EXPECT_EQ(policy["spec"]["policyTypes"], json::array({"Ingress", "Egress"}));
  EXPECT_EQ(policy["spec"]["ingress"][0]["ports"][0]["port"], "metrics");
  EXPECT_EQ(policy["spec"]["egress"][1]["to"][0]["ipBlock"]["cidr"], "10.96.0.1/32");
}

// A bad value fails `helm template` (and so `helm install`) with a message naming it.
TEST(ChartValues, BadValuesFailNamingTheValue) {
  struct Case {
    std::string set;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"replicas=two", "replicas: Invalid type"},
      {"replicas=-1", "replicas: Must be greater than or equal to 0"},
      {"watchNamespaces[0]=Team_A", "watchNamespaces.0: Does not match pattern"},
      {"metrics.port=70000", "metrics.port: Must be less than or equal to 65535"},
      {"image.pullPolicy=Sometimes", "image.pullPolicy must be one of the following"},
      {"logFormat=text", "Additional property logFormat is not allowed"},
      {"leaderElection.enabeld=true", "leaderElection: Additional property enabeld is not allowed"},
      {"resources.limits.memory=lots", "resources.limits.memory"},
      {"executor.image.repository=", "executor.image.repository: String length must be greater than or equal to 1"},
      {"serviceMonitor.interval=soon", "serviceMonitor.interval: Does not match pattern"},
      {"health.port=8080", "metrics.port and health.port must differ"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.set);
    auto result = run_helm({"template", "rel", chart_dir(), "--set", c.set});
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(result.err, HasSubstr(c.expected)) << result.err;
  }
}

TEST(ChartCrds, IdenticalToConfigCrdAndTheGenerator) {
  namespace fs = std::filesystem;
  std::set<std::string> chart_files, config_files;
  for (const auto& e : fs::directory_iterator(chart_dir() + "/crds")) chart_files.insert(e.path().filename());
  for (const auto& e : fs::directory_iterator(source_path("config/crd"))) config_files.insert(e.path().filename());
  EXPECT_EQ(chart_files, config_files);
  for (const auto& file : api::schema::crd_files()) {
    const std::string chart_copy = read_text(chart_dir() + "/crds/" + file.filename);
    EXPECT_EQ(chart_copy, read_text(source_path("config/crd/" + file.filename)))
        << "charts/redraft/crds/" << file.filename << " drifted from config/crd/";
    EXPECT_EQ(chart_copy, api::schema::render_crd_file(file))
        << "charts/redraft/crds/" << file.filename << " is out of date with api/schema.cpp: run "
        << "`cmake --build build --target redraft-crdgen && build/api/redraft-crdgen charts/redraft/crds`";
  }
}

TEST(ChartCrds, HelmInstallsThemFromCrdsDirectory) {
  const std::string rendered = render({"--include-crds"});
  const auto all = objects(rendered);
  const auto crds = objects_of_kind(all, "CustomResourceDefinition");
  std::set<std::string> names;
  for (const auto& c : crds) names.insert(c["metadata"]["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"agents.redraft.dev", "agentictasks.redraft.dev", "workloads.redraft.dev"}));
}

}  // namespace
}  // namespace redraft::chart_test
