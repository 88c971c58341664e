// The chart against the real operator: the operator runs with the rendered Deployment's arguments
// (two replicas, so leader election) against a devserver that logs every request (--verbose);
// the probe paths and the metrics port answer; a Workload and a forked AgenticTask get worked on;
// and every (verb, resource) in the log must be allowed by the rendered ClusterRole or, for its
// Lease, by the leader-election Role. No node runs the task Pods, so
// pods/log is not exercised here (rbac_test.cpp finds that call in the sources).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "devserver_fixture.hpp"
#include "tests/chart/chart_support.hpp"
#include "tests/e2e/operator_harness.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::chart_test {
namespace {

using nlohmann::json;
using redraft::testing::DevServer;

struct Request {
  std::string verb, group, resource, ns, name;  // resource as plural[/subresource]
};

// Maps one API request (method, path without the query) to the RBAC attributes it is authorized
// with; nullopt for non-resource URLs (/api, /apis, /version, /openapi/...). GET on a collection
// is `list` (a watch looks the same without its query; the rules grant both together). Pure.
std::optional<Request> to_request(const std::string& method, const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string p; std::getline(in, p, '/');) {
    if (!p.empty()) parts.push_back(p);
  }
  Request r;
  std::size_t i = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    i = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    r.group = parts[1];
    i = 3;
  } else {
    return std::nullopt;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    r.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  r.resource = rest[0];
  if (rest.size() >= 2) r.name = rest[1];
  if (rest.size() >= 3) r.resource += "/" + rest[2];
  const bool named = !r.name.empty();
  if (method == "GET") r.verb = named ? "get" : "list";
  else if (method == "POST") r.verb = "create";
  else if (method == "PUT") r.verb = "update";
  else if (method == "PATCH") r.verb = "patch";
  else if (method == "DELETE") r.verb = named ? "delete" : "deletecollection";
  else r.verb = method;
  return r;
}

struct LoggedRequest {
  std::string method, path;
};

// "... GET /api/v1/pods -> 200" lines of the devserver's --verbose log.
std::vector<LoggedRequest> parse_log(const std::string& log) {
  static const std::regex kLine(R"((GET|POST|PUT|PATCH|DELETE) (/\S*) -> \d+)");
  std::vector<LoggedRequest> out;
  std::stringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kLine)) out.push_back({m[1], m[2]});
  }
  return out;
}

struct Rule {
  std::set<std::string> groups, resources, verbs, names;
};

std::vector<Rule> rules_of(const json& role) {
  std::vector<Rule> out;
  for (const auto& r : role["rules"]) {
    Rule rule;
    for (const auto& g : r["apiGroups"]) rule.groups.insert(g);
    for (const auto& x : r["resources"]) rule.resources.insert(x);
    for (const auto& v : r["verbs"]) rule.verbs.insert(v);
    for (const auto& n : r.value("resourceNames", json::array())) rule.names.insert(n);
    out.push_back(rule);
  }
  return out;
}

bool allows(const std::vector<Rule>& rules, const Request& r) {
  for (const auto& rule : rules) {
    if (!rule.groups.count(r.group) || !rule.resources.count(r.resource) || !rule.verbs.count(r.verb)) continue;
    if (!rule.names.empty() && !rule.names.count(r.name)) continue;
    return true;
  }
  return false;
}

std::string describe(const Request& r) {
  return r.verb + " " + (r.group.empty() ? "core" : r.group) + "/" + r.resource +
         (r.name.empty() ? "" : " " + r.name) + (r.ns.empty() ? " (all namespaces)" : " in " + r.ns);
}

TEST(RbacRequestLog, MapsRequestsToRbacAttributes) {
  struct Case {
    std::string method, path, expected;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/pods", "list core/pods (all namespaces)"},
      {"GET", "/api/v1/namespaces/ns/pods/p/log", "get core/pods/log p in ns"},
      {"POST", "/api/v1/namespaces/ns/events", "create core/events in ns"},
      {"PATCH", "/api/v1/namespaces/ns/events/e.1", "patch core/events e.1 in ns"},
      {"PUT", "/apis/redraft.dev/v1alpha1/namespaces/ns/workloads/w/status", "update redraft.dev/workloads/status w in ns"},
      {"GET", "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l", "get coordination.k8s.io/leases l in ns"},
      {"GET", "/api/v1/namespaces/ns", "get core/namespaces ns (all namespaces)"},
      {"DELETE", "/api/v1/namespaces/ns/pods", "deletecollection core/pods in ns"},
  };
  for (const auto& c : cases) {
    auto r = to_request(c.method, c.path);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(describe(*r), c.expected);
  }
  EXPECT_FALSE(to_request("GET", "/apis"));
  EXPECT_FALSE(to_request("GET", "/apis/redraft.dev/v1alpha1"));  // discovery
  EXPECT_FALSE(to_request("GET", "/version"));
}

constexpr const char* kWorkload = R"({"apiVersion": "redraft.dev/v1alpha1", "kind": "Workload",
  "metadata": {"name": "rbac"},
  "spec": {"repo": {"url": "git://127.0.0.1:9/unreachable.git"},
           "tasks": [{"name": "one", "prompt": "Say hello."}],
           "coderAgentRef": {"name": "demo-coder"}, "reviewerAgentRefs": [{"name": "demo-reviewer"}]}})";
constexpr const char* kForkedTask = R"({"apiVersion": "redraft.dev/v1alpha1", "kind": "AgenticTask",
  "metadata": {"name": "forked"},
  "spec": {"kind": "code", "agentRef": {"name": "demo-coder"}, "branch": "redraft/forked",
           "repo": {"url": "git://127.0.0.1:9/unreachable.git"}, "prompt": "Again.",
           "forkOf": {"name": "rbac-one-code"}}})";

TEST(RbacRequestLog, EveryRequestTheOperatorMakesIsAllowedByTheChart) {
  // The devserver logs requests to stdout (the DevServer fixture drops its stdout), so it runs
  // as a plain child process here.
  fixtures::TempDir dir("redraft-rbac-log");
  const std::string kubeconfig = (dir / "kubeconfig").string();
  e2e::ChildProcess server("devserver", {DevServer::binary_path(), "--verbose", "--write-kubeconfig", kubeconfig},
                           dir / "devserver.out", dir / "devserver.err");
  server.wait_for_stdout("listening on", std::chrono::seconds(30));
  auto kubectl = [&](const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {"kubectl", "--kubeconfig", kubeconfig};
    argv.insert(argv.end(), args.begin(), args.end());
    return redraft::testing::run_command(argv, {"HOME=" + dir.path().string()}, std::chrono::seconds(120), input);
  };
  auto kubectl_ok = [&](const std::vector<std::string>& args, const std::string& input = "") {
    auto r = kubectl(args, input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  };
  kubectl_ok({"apply", "-f", chart_dir() + "/crds"});
  kubectl_ok({"apply", "-n", "default", "-f", source_path("examples/agents/demo-coder.yaml"), "-f",
              source_path("examples/agents/demo-reviewer.yaml")});
  kubectl_ok({"apply", "-n", "default", "-f", "-"}, kWorkload);
  kubectl_ok({"apply", "-n", "default", "-f", "-"}, kForkedTask);
  kubectl_ok({"create", "serviceaccount", "redraft-task", "-n", "default"});  // --task-service-account
  const std::size_t log_start = server.output().size();

  // The operator runs with exactly the arguments of the chart's Deployment (two replicas: leader
  // election on), on free ports, plus the kubeconfig a Pod would not need.
  const std::string metrics_port = std::to_string(fixtures::pick_free_port());
  const std::string health_port = std::to_string(fixtures::pick_free_port());
  const auto all = objects(render({"--set", "replicas=2", "--set", "metrics.port=" + metrics_port, "--set",
                                   "health.port=" + health_port, "--namespace", "default"}));
  const json deployment = find_object(all, "Deployment", "rel-redraft");
  std::vector<std::string> argv = {e2e::operator_binary(), "--kubeconfig", kubeconfig};
  for (const auto& a : deployment["spec"]["template"]["spec"]["containers"][0]["args"]) argv.push_back(a);
  e2e::ChildProcess op("operator", argv, dir / "operator.out", dir / "operator.err");
  op.wait_for_stdout("redraft-operator ready", std::chrono::seconds(90));

  // The probes and the metrics port the chart points at answer.
  auto http_status = [](const std::string& url) {
    auto r = redraft::testing::run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url}, {},
                                           std::chrono::seconds(30));
    return r.output;
  };
  const json container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_TRUE(e2e::eventually(
      [&] {
        return http_status("http://127.0.0.1:" + health_port +
                           container["livenessProbe"]["httpGet"]["path"].get<std::string>()) == "200";
      },
      std::chrono::seconds(30)));
  EXPECT_TRUE(e2e::eventually(
      [&] {
        return http_status("http://127.0.0.1:" + health_port +
                           container["readinessProbe"]["httpGet"]["path"].get<std::string>()) == "200";
      },
      std::chrono::seconds(30)));
  auto metrics = redraft::testing::run_command({"curl", "-s", "http://127.0.0.1:" + metrics_port + "/metrics"}, {},
                                               std::chrono::seconds(30));
  EXPECT_THAT(metrics.output, ::testing::HasSubstr("workqueue_"));

  // Our own polling requests (kubectl get = one list), to take out of the log.
  std::multiset<std::pair<std::string, std::string>> ours;
  auto nonempty = [&](const std::string& resource) {
    ours.insert({"GET", "/api/v1/namespaces/default/" + resource});
    auto r = kubectl({"get", resource, "-n", "default", "-o", "name"});
    return r.exit_code == 0 && !r.output.empty() && r.output.find("No resources") == std::string::npos;
  };
  const bool worked = e2e::eventually(
      [&] { return nonempty("pods") && nonempty("configmaps") && nonempty("events"); }, std::chrono::seconds(90));
  ASSERT_TRUE(worked) << op.output();
  op.stop(std::chrono::seconds(20));  // releases the Lease (an update)

  const auto cluster = rules_of(find_object(all, "ClusterRole", "rel-redraft"));
  const auto lease = rules_of(find_object(all, "Role", "rel-redraft-leader-election", "default"));

  std::set<std::string> seen;
  for (const auto& logged : parse_log(server.output().substr(log_start))) {
    auto mine = ours.find({logged.method, logged.path});
    if (mine != ours.end()) {
      ours.erase(mine);
      continue;
    }
    const auto request = to_request(logged.method, logged.path);
    if (!request) continue;  // discovery: every authenticated user may read it
    seen.insert(request->verb + " " + request->resource);
    const bool ok = request->resource == "leases" ? (request->ns == "default" && allows(lease, *request))
                                                  : allows(cluster, *request);
    EXPECT_TRUE(ok) << logged.method << " " << logged.path << ": the chart does not allow "
                    << describe(*request);
  }
  // The run exercised what it is meant to exercise.
  for (const char* must : {"list workloads", "list agentictasks", "list agents", "list pods", "create agentictasks",
                           "update workloads/status", "update agentictasks/status", "create configmaps",
                           "create pods", "create events", "create leases", "update leases",
                           "patch agentictasks"}) {
    EXPECT_TRUE(seen.count(must)) << "the operator never made a request for " << must;
  }
}

}  // namespace
}  // namespace redraft::chart_test
