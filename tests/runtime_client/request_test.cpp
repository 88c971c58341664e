// Request builders, without a server: paths, escaping, query parameters, selectors, bodies.
#include "operator/runtime/client/request.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace redraft::runtime {
namespace {

using nlohmann::json;

std::string invalid_argument_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no std::invalid_argument thrown>";
}

TEST(ResourcePath, CoreGroupNamespacedObject) {
  EXPECT_EQ(resource_path(resources::kPods, "default", "web-0"),
            "/api/v1/namespaces/default/pods/web-0");
}

TEST(ResourcePath, NamedGroupAndSubresource) {
  EXPECT_EQ(resource_path(resources::kAgenticTasks, "team-a", "t1", "status"),
            "/apis/redraft.dev/v1alpha1/namespaces/team-a/agentictasks/t1/status");
  EXPECT_EQ(resource_path(resources::kLeases, "kube-system", "redraft-leader"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/redraft-leader");
}

TEST(ResourcePath, AllNamespacesAndClusterScoped) {
  EXPECT_EQ(resource_path(resources::kWorkloads, ""), "/apis/redraft.dev/v1alpha1/workloads");
  // A cluster-scoped type ignores the namespace argument.
  EXPECT_EQ(resource_path(resources::kNamespaces, "ignored", "ns1"), "/api/v1/namespaces/ns1");
  EXPECT_EQ(resource_path(resources::kCustomResourceDefinitions, "", "agents.redraft.dev"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/agents.redraft.dev");
}

TEST(ResourcePath, EscapesSegments) {
  EXPECT_EQ(resource_path(resources::kConfigMaps, "ns", "a b/c?d#e%"),
            "/api/v1/namespaces/ns/configmaps/a%20b%2Fc%3Fd%23e%25");
  EXPECT_EQ(escape_path_segment("Az09-._~"), "Az09-._~");
  EXPECT_EQ(escape_path_segment("\xc3\xa9"), "%C3%A9");
}

TEST(ResourcePath, RejectsDotSegments) {
  EXPECT_EQ(invalid_argument_message([] { resource_path(resources::kPods, "ns", ".."); }),
            "name: may not be '.' or '..'");
  EXPECT_EQ(invalid_argument_message([] { resource_path(resources::kPods, "..", "x"); }),
            "namespace: may not be '.' or '..'");
}

TEST(ListQuery, EmptyOptionsGiveEmptyQuery) { EXPECT_EQ(list_query({}), ""); }

TEST(ListQuery, AllParametersEncodedInFixedOrder) {
  ListOptions o;
  o.label_selector = "app=web,tier notin (db,cache)";
  o.field_selector = "metadata.name=x";
  o.resource_version = "42";
  o.resource_version_match = "NotOlderThan";
  o.continue_token = "abc+/=";
  o.limit = 500;
  o.timeout_seconds = 300;
  o.allow_watch_bookmarks = true;
  o.watch = true;
  EXPECT_EQ(list_query(o),
            "?labelSelector=app%3Dweb%2Ctier%20notin%20%28db%2Ccache%29"
            "&fieldSelector=metadata.name%3Dx&resourceVersion=42"
            "&resourceVersionMatch=NotOlderThan&continue=abc%2B%2F%3D&limit=500"
            "&timeoutSeconds=300&allowWatchBookmarks=true&watch=true");
}

TEST(ListQuery, RejectsBadValuesNamingTheField) {
  ListOptions o;
  o.limit = 0;
  EXPECT_EQ(invalid_argument_message([&] { list_query(o); }), "limit: must be positive");
  ListOptions m;
  m.resource_version = "1";
  m.resource_version_match = "Newest";
  EXPECT_EQ(invalid_argument_message([&] { list_query(m); }),
            "resourceVersionMatch: unsupported value \"Newest\" (NotOlderThan or Exact)");
  ListOptions n;
  n.resource_version_match = "Exact";
  EXPECT_EQ(invalid_argument_message([&] { list_query(n); }),
            "resourceVersionMatch: requires resourceVersion");
}

TEST(BuildList, WatchForcesWatchParameter) {
  ListOptions o;
  o.resource_version = "7";
  HttpRequest list = build_list(resources::kPods, "ns", o);
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(list.target, "/api/v1/namespaces/ns/pods?resourceVersion=7");
  HttpRequest watch = build_watch(resources::kPods, "ns", o);
  EXPECT_EQ(watch.target, "/api/v1/namespaces/ns/pods?resourceVersion=7&watch=true");
  EXPECT_EQ(watch.headers.at("Accept"), "application/json");
}

TEST(BuildGet, RequiresNameAndNamespace) {
  EXPECT_EQ(build_get(resources::kSecrets, "ns", "s").target, "/api/v1/namespaces/ns/secrets/s");
  EXPECT_EQ(invalid_argument_message([] { build_get(resources::kSecrets, "ns", ""); }),
            "name: must not be empty");
  EXPECT_EQ(invalid_argument_message([] { build_get(resources::kSecrets, "", "s"); }),
            "namespace: must not be empty");
  EXPECT_EQ(build_get(resources::kNamespaces, "", "x").target, "/api/v1/namespaces/x");
}

TEST(BuildCreate, FillsApiVersionAndKind) {
  json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}};
  HttpRequest r = build_create(resources::kConfigMaps, "ns", cm);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(r.headers.at("Content-Type"), "application/json");
  json body = json::parse(r.body);
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["kind"], "ConfigMap");
  EXPECT_EQ(body["data"]["k"], "v");
}

TEST(BuildCreate, WriteOptionsBecomeQueryParameters) {
  WriteOptions w;
  w.dry_run = true;
  w.field_manager = "redraft operator";
  HttpRequest r = build_create(resources::kAgents, "ns", json{{"metadata", {{"name", "a"}}}}, w);
  EXPECT_EQ(r.target,
            "/apis/redraft.dev/v1alpha1/namespaces/ns/agents?dryRun=All&fieldManager=redraft%20operator");
  EXPECT_EQ(json::parse(r.body)["apiVersion"], "redraft.dev/v1alpha1");
}

TEST(BuildCreate, RejectsMismatchedNamespaceAndApiVersion) {
  json obj = {{"metadata", {{"name", "c"}, {"namespace", "other"}}}};
  EXPECT_EQ(invalid_argument_message([&] { build_create(resources::kConfigMaps, "ns", obj); }),
            "metadata.namespace: \"other\" does not match the request namespace \"ns\"");
  json wrong = {{"apiVersion", "apps/v1"}, {"metadata", {{"name", "c"}}}};
  EXPECT_NE(invalid_argument_message([&] { build_create(resources::kConfigMaps, "ns", wrong); })
                .find("apiVersion:"),
            std::string::npos);
  EXPECT_EQ(invalid_argument_message([] { build_create(resources::kConfigMaps, "ns", json::array()); }),
            "object: must be a JSON object");
}

TEST(BuildUpdate, PutsToTheObjectsNameAndStatusSubresource) {
  json task = {{"metadata", {{"name", "t1"}, {"resourceVersion", "9"}}},
               {"status", {{"phase", "Running"}}}};
  HttpRequest u = build_update(resources::kAgenticTasks, "ns", task);
  EXPECT_EQ(u.method, "PUT");
  EXPECT_EQ(u.target, "/apis/redraft.dev/v1alpha1/namespaces/ns/agentictasks/t1");
  EXPECT_EQ(json::parse(u.body)["metadata"]["resourceVersion"], "9");
  HttpRequest s = build_update_status(resources::kAgenticTasks, "ns", task);
  EXPECT_EQ(s.target, "/apis/redraft.dev/v1alpha1/namespaces/ns/agentictasks/t1/status");
  EXPECT_EQ(invalid_argument_message(
                [] { build_update(resources::kAgenticTasks, "ns", json{{"metadata", json::object()}}); }),
            "metadata.name: required");
}

TEST(BuildPatch, ContentTypesPerPatchType) {
  json merge = {{"metadata", {{"labels", {{"a", "b"}}}}}};
  HttpRequest m = build_patch(resources::kPods, "ns", "p", PatchType::Merge, merge);
  EXPECT_EQ(m.method, "PATCH");
  EXPECT_EQ(m.target, "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(m.headers.at("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(json::parse(m.body), merge);

  json ops = json::array({{{"op", "replace"}, {"path", "/status/phase"}, {"value", "Failed"}}});
  HttpRequest j = build_patch(resources::kWorkloads, "ns", "w", PatchType::JsonPatch, ops, true);
  EXPECT_EQ(j.target, "/apis/redraft.dev/v1alpha1/namespaces/ns/workloads/w/status");
  EXPECT_EQ(j.headers.at("Content-Type"), "application/json-patch+json");
  EXPECT_EQ(json::parse(j.body), ops);

  HttpRequest s = build_patch(resources::kPods, "ns", "p", PatchType::StrategicMerge, merge);
  EXPECT_EQ(s.headers.at("Content-Type"), "application/strategic-merge-patch+json");
}

TEST(BuildPatch, RejectsMalformedBodies) {
  EXPECT_EQ(invalid_argument_message([] {
              build_patch(resources::kPods, "ns", "p", PatchType::JsonPatch, json::object());
            }),
            "patch: a JSON patch must be an array");
  EXPECT_EQ(invalid_argument_message([] {
              build_patch(resources::kPods, "ns", "p", PatchType::JsonPatch,
                          json::array({{{"op", "add"}}}));
            }),
            "patch[0]: needs string fields \"op\" and \"path\"");
  EXPECT_EQ(invalid_argument_message([] {
              build_patch(resources::kPods, "ns", "p", PatchType::Merge, json::array());
            }),
            "patch: a merge patch must be a JSON object");
}

TEST(BuildPatch, ConditionalMergePatchCarriesResourceVersion) {
  json p = with_resource_version({{"spec", {{"x", 1}}}}, "17");
  EXPECT_EQ(p["metadata"]["resourceVersion"], "17");
  EXPECT_EQ(p["spec"]["x"], 1);
}

TEST(BuildDelete, DeleteOptionsBody) {
  DeleteOptions d;
  d.propagation_policy = "Foreground";
  d.grace_period_seconds = 0;
  d.precondition_uid = "u-1";
  HttpRequest r = build_delete(resources::kWorkloads, "ns", "w", d);
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(r.target, "/apis/redraft.dev/v1alpha1/namespaces/ns/workloads/w");
  json body = json::parse(r.body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["gracePeriodSeconds"], 0);
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_FALSE(body.contains("dryRun"));

  DeleteOptions bad;
  bad.propagation_policy = "Everything";
  EXPECT_EQ(invalid_argument_message([&] { build_delete(resources::kPods, "ns", "p", bad); }),
            "propagationPolicy: unsupported value \"Everything\" (Foreground, Background or Orphan)");
}

TEST(BuildDelete, CollectionUsesSelectors) {
  ListOptions sel;
  sel.label_selector = "redraft.dev/workload=w1";
  HttpRequest r = build_delete_collection(resources::kAgenticTasks, "ns", sel);
  EXPECT_EQ(r.target,
            "/apis/redraft.dev/v1alpha1/namespaces/ns/agentictasks"
            "?labelSelector=redraft.dev%2Fworkload%3Dw1");
  EXPECT_EQ(r.method, "DELETE");
}

TEST(BuildPodLog, ContainerAndTail) {
  PodLogOptions o;
  o.container = "publish";
  o.tail_lines = 20;
  HttpRequest r = build_pod_log("ns", "task-pod", o);
  EXPECT_EQ(r.target, "/api/v1/namespaces/ns/pods/task-pod/log?container=publish&tailLines=20");
}

TEST(PatchContentType, Values) {
  EXPECT_EQ(patch_content_type(PatchType::Merge), "application/merge-patch+json");
  EXPECT_EQ(patch_content_type(PatchType::JsonPatch), "application/json-patch+json");
  EXPECT_EQ(patch_content_type(PatchType::StrategicMerge), "application/strategic-merge-patch+json");
}

}  // namespace
}  // namespace redraft::runtime
