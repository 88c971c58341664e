// The chart's RBAC covers what the operator calls, and grants nothing else.
//
// Three parts:
// 1. kOperatorCalls: the (verb, group, resource) table of every API call the operator makes,
//    with where it comes from.
// 2. The operator's sources (operator/**) are scanned for client calls on a literal resource
//    (`client.create(resources::kPods, ...)`, `informer_options(resources::kAgents, ...)`,
//    `pod_log(...)`); every call found must be in the table, so a new call fails here until the
//    chart and the table learn it.
// 3. Every table entry must be allowed by the rendered ClusterRole (default values), by each
//    per-namespace Role (watchNamespaces), and, for Leases, by the leader-election Role; and the
//    rules must grant nothing beyond the table (least privilege).
// rbac_request_log_test.cpp checks the same rules against the API server's request log of a real
// operator run; this test also covers calls that run does not reach (pods/log).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "operator/runtime/client/resource.hpp"
#include "tests/chart/chart_support.hpp"

namespace redraft::chart_test {
namespace {

using nlohmann::json;

struct Call {
  std::string verb;
  std::string group;     // "" for core
  std::string resource;  // plural, or plural/subresource
  auto operator<=>(const Call&) const = default;
};

std::string describe(const Call& c) {
  return c.verb + " " + (c.group.empty() ? "core" : c.group) + "/" + c.resource;
}

struct TableEntry {
  Call call;
  std::string why;
  bool lease = false;  // granted by the leader-election Role in the release namespace
};

const std::vector<TableEntry> kOperatorCalls = {
    {{"list", "redraft.dev", "workloads"}, "Workload informer"},
    {{"watch", "redraft.dev", "workloads"}, "Workload informer"},
    {{"get", "redraft.dev", "workloads"}, "fresh reads"},
    {{"update", "redraft.dev", "workloads/status"}, "Workload controller writes status"},
    {{"list", "redraft.dev", "agentictasks"}, "AgenticTask informer"},
    {{"watch", "redraft.dev", "agentictasks"}, "AgenticTask informer"},
    {{"get", "redraft.dev", "agentictasks"}, "fresh reads"},
    {{"create", "redraft.dev", "agentictasks"}, "Workload controller plans tasks"},
    {{"patch", "redraft.dev", "agentictasks"}, "AgenticTask controller labels forks (redraft.dev/fork-of)"},
    {{"update", "redraft.dev", "agentictasks/status"}, "AgenticTask controller writes status"},
    {{"list", "redraft.dev", "agents"}, "Agent informer"},
    {{"watch", "redraft.dev", "agents"}, "Agent informer"},
    {{"get", "redraft.dev", "agents"}, "fresh reads"},
    {{"list", "", "pods"}, "task Pod informer"},
    {{"watch", "", "pods"}, "task Pod informer"},
    {{"get", "", "pods"}, "live Pod read before deciding on a new attempt"},
    {{"create", "", "pods"}, "one Pod per attempt"},
    {{"get", "", "pods/log"}, "executor result when the termination message was cut"},
    {{"create", "", "configmaps"}, "task input ConfigMap"},
    {{"get", "", "configmaps"}, "task input ConfigMap (AlreadyExists check)"},
    {{"create", "", "events"}, "event recorder"},
    {{"patch", "", "events"}, "event recorder aggregates repeats"},
    // Owner references with blockOwnerDeletion need update on the owner's finalizers when the
    // OwnerReferencesPermissionEnforcement admission plugin is on (not a call the code makes).
    {{"update", "redraft.dev", "workloads/finalizers"}, "blockOwnerDeletion on task owner refs"},
    {{"update", "redraft.dev", "agentictasks/finalizers"}, "blockOwnerDeletion on Pod/ConfigMap owner refs"},
    {{"get", "coordination.k8s.io", "leases"}, "leader election", true},
    {{"create", "coordination.k8s.io", "leases"}, "leader election", true},
    {{"update", "coordination.k8s.io", "leases"}, "leader election", true},
};

// The runtime's resource constants by name (kPods → resources::kPods).
const std::map<std::string, runtime::ResourceType>& resource_constants() {
  namespace r = runtime::resources;
  static const std::map<std::string, runtime::ResourceType> m = {
      {"kPods", r::kPods},
      {"kEvents", r::kEvents},
      {"kConfigMaps", r::kConfigMaps},
      {"kSecrets", r::kSecrets},
      {"kServiceAccounts", r::kServiceAccounts},
      {"kNamespaces", r::kNamespaces},
      {"kEventsV1", r::kEventsV1},
      {"kLeases", r::kLeases},
      {"kCustomResourceDefinitions", r::kCustomResourceDefinitions},
      {"kAgents", r::kAgents},
      {"kAgenticTasks", r::kAgenticTasks},
      {"kWorkloads", r::kWorkloads}};
  return m;
}

struct FoundCall {
  Call call;
  std::string where;  // file:line
};

int line_of(const std::string& text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Client calls on a literal resource constant in one source text. Pure.
std::vector<FoundCall> scan_source(const std::string& text, const std::string& file) {
  static const std::map<std::string, std::pair<std::string, std::string>> kMethods = {
      // method → (verb, subresource)
      {"get", {"get", ""}},           {"get_as", {"get", ""}},
      {"list", {"list", ""}},         {"list_as", {"list", ""}},
      {"list_all", {"list", ""}},     {"watch", {"watch", ""}},
      {"create", {"create", ""}},     {"create_as", {"create", ""}},
      {"update", {"update", ""}},     {"update_as", {"update", ""}},
      {"patch", {"patch", ""}},       {"patch_as", {"patch", ""}},
      {"update_status", {"update", "status"}}, {"update_status_as", {"update", "status"}},
      {"remove", {"delete", ""}},     {"remove_collection", {"deletecollection", ""}}};
  static const std::regex kClientCall(
      R"((?:\.|->)\s*([a-z_]+)\s*(?:<[^;(){}]*>)?\s*\(\s*(?:[A-Za-z_][A-Za-z0-9_]*::)*resources::(k[A-Za-z0-9]+))");
  static const std::regex kInformer(
      R"(\binformer_options\s*\(\s*(?:[A-Za-z_][A-Za-z0-9_]*::)*resources::(k[A-Za-z0-9]+))");
  static const std::regex kPodLog(R"((?:\.|->)\s*pod_log\s*\()");
  std::vector<FoundCall> out;
  auto where = [&](std::size_t pos) { return file + ":" + std::to_string(line_of(text, pos)); };
  auto resource = [&](const std::string& constant, const std::string& at) -> const runtime::ResourceType& {
    auto it = resource_constants().find(constant);
    if (it == resource_constants().end()) {
      throw std::runtime_error(at + ": unknown resource constant " + constant +
                               " (add it to resource_constants() in tests/chart/rbac_test.cpp)");
    }
    return it->second;
  };
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kClientCall); it != std::sregex_iterator(); ++it) {
    const auto method = kMethods.find((*it)[1].str());
    if (method == kMethods.end()) continue;  // e.g. cache_resource_label(resources::k...)
    const std::string at = where(static_cast<std::size_t>(it->position(0)));
    const auto& type = resource((*it)[2].str(), at);
    const auto& [verb, sub] = method->second;
    out.push_back({{verb, type.group, sub.empty() ? type.resource : type.resource + "/" + sub}, at});
  }
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kInformer); it != std::sregex_iterator(); ++it) {
    const std::string at = where(static_cast<std::size_t>(it->position(0)));
    const auto& type = resource((*it)[1].str(), at);
    out.push_back({{"list", type.group, type.resource}, at});
    out.push_back({{"watch", type.group, type.resource}, at});
  }
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPodLog); it != std::sregex_iterator(); ++it) {
    out.push_back({{"get", "", "pods/log"}, where(static_cast<std::size_t>(it->position(0)))});
  }
  return out;
}

// The operator's own code: controllers, app, main and the runtime pieces that call the API with
// a fixed resource (events, leader election). The runtime client itself is generic (it takes
// the resource as a parameter) and defines pod_log, so it is left out.
std::vector<FoundCall> scan_operator() {
  namespace fs = std::filesystem;
  std::vector<FoundCall> out;
  const fs::path root = source_path("operator");
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const auto ext = e.path().extension();
    if (ext != ".cpp" && ext != ".hpp") continue;
    const std::string rel = fs::relative(e.path(), source_path("")).string();
    if (rel.rfind("operator/runtime/client/", 0) == 0) continue;
    auto found = scan_source(read_text(e.path().string()), rel);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

// (verb, group, resource) triples a list of RBAC rules allows (resourceNames ignored).
std::set<Call> allowed_by(const json& rules) {
  std::set<Call> out;
  for (const auto& rule : rules) {
    for (const auto& g : rule["apiGroups"])
      for (const auto& r : rule["resources"])
        for (const auto& v : rule["verbs"]) out.insert({v.get<std::string>(), g.get<std::string>(), r.get<std::string>()});
  }
  return out;
}

TEST(RbacScan, FindsCallsInSourceText) {
  const std::string text = R"(
    client.create(runtime::resources::kPods, ns, pod);
    lease_ = client_->update(resources::kLeases, ns, lease);
    client.update_status(rt::resources::kAgenticTasks, ns,
                         json(updated));
    auto t = client.get_as<api::Agent>(resources::kAgents, ns, name);
    tasks(client, informer_options(rt::resources::kWorkloads, ns, observer));
    labels(registry, rt::cache::cache_resource_label(rt::resources::kWorkloads), namespaces);
    return client.pod_log(ns, name, log);
  )";
  std::vector<std::string> found;
  for (const auto& f : scan_source(text, "x.cpp")) found.push_back(describe(f.call) + " @" + f.where);
  EXPECT_THAT(found, ::testing::ElementsAre("create core/pods @x.cpp:2", "update coordination.k8s.io/leases @x.cpp:3",
                                            "update redraft.dev/agentictasks/status @x.cpp:4",
                                            "get redraft.dev/agents @x.cpp:6", "list redraft.dev/workloads @x.cpp:7",
                                            "watch redraft.dev/workloads @x.cpp:7", "get core/pods/log @x.cpp:9"));
}

TEST(RbacScan, EveryCallInTheOperatorIsInTheTable) {
  std::set<Call> table;
  for (const auto& e : kOperatorCalls) table.insert(e.call);
  const auto found = scan_operator();
  // The scan must see the calls that exist today, or it is not scanning anything.
  std::set<Call> seen;
  for (const auto& f : found) seen.insert(f.call);
  for (const Call& must : {Call{"create", "", "events"}, Call{"update", "coordination.k8s.io", "leases"}}) {
    EXPECT_TRUE(seen.count(must)) << "the scan no longer finds " << describe(must);
  }
  for (const auto& f : found) {
    EXPECT_TRUE(table.count(f.call)) << f.where << ": the operator calls " << describe(f.call)
                                     << ", which kOperatorCalls (and so the chart's RBAC) does not have";
  }
}

void expect_covers(const json& rules, bool leases, const std::string& what) {
  const auto allowed = allowed_by(rules);
  for (const auto& e : kOperatorCalls) {
    if (e.lease != leases) continue;
    EXPECT_TRUE(allowed.count(e.call)) << what << " does not allow " << describe(e.call) << " (" << e.why << ")";
  }
  std::set<Call> table;
  for (const auto& e : kOperatorCalls) table.insert(e.call);
  for (const auto& a : allowed) {
    EXPECT_TRUE(table.count(a)) << what << " allows " << describe(a) << ", which the operator never calls";
  }
}

TEST(RbacRules, ClusterRoleCoversTheOperatorCallsAndNothingElse) {
  const auto all = objects(render());
  expect_covers(find_object(all, "ClusterRole", "rel-redraft")["rules"], false, "ClusterRole rel-redraft");
}

TEST(RbacRules, NamespaceRolesCoverTheOperatorCallsAndNothingElse) {
  const auto all = objects(render({"--set", "watchNamespaces={team-a,team-b}"}));
  for (const std::string ns : {"team-a", "team-b"}) {
    expect_covers(find_object(all, "Role", "rel-redraft", ns)["rules"], false, "Role " + ns + "/rel-redraft");
  }
}

TEST(RbacRules, LeaseRoleCoversLeaderElectionOnlyForItsOwnLease) {
  const auto all = objects(render({"--set", "replicas=2"}));
  const json role = find_object(all, "Role", "rel-redraft-leader-election", "redraft-system");
  expect_covers(role["rules"], true, "Role redraft-system/rel-redraft-leader-election");
  for (const auto& rule : role["rules"]) {
    const auto verbs = rule["verbs"].get<std::vector<std::string>>();
    if (verbs != std::vector<std::string>{"create"}) {
      // get/update are limited to the operator's own Lease (create cannot be: no name yet).
      EXPECT_EQ(rule["resourceNames"], json::array({"rel-redraft"}));
    }
  }
}

}  // namespace
}  // namespace redraft::chart_test
