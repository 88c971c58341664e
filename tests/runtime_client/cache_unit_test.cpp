// Pure parts of the informer cache: backoff, keys, store deltas, owner mapping, transforms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "operator/runtime/cache/backoff.hpp"
#include "operator/runtime/cache/observability.hpp"
#include "operator/runtime/cache/object_key.hpp"
#include "operator/runtime/cache/owner_mapping.hpp"
#include "operator/runtime/cache/reflector.hpp"
#include "operator/runtime/cache/store.hpp"
#include "operator/runtime/cache/transform.hpp"
#include "operator/runtime/client/request.hpp"
#include "operator/runtime/health/probes.hpp"
#include "operator/runtime/metrics/exposition.hpp"
#include "operator/runtime/metrics/registry.hpp"

using namespace redraft::runtime::cache;
using nlohmann::json;
using std::chrono::milliseconds;

TEST(Backoff, DoublesFromInitialAndCapsAtMax) {
  BackoffPolicy p;  // 0.8 s → 30 s, factor 2
  EXPECT_EQ(backoff_delay(p, 0, 0.0), milliseconds(800));
  EXPECT_EQ(backoff_delay(p, 1, 0.0), milliseconds(1600));
  EXPECT_EQ(backoff_delay(p, 2, 0.0), milliseconds(3200));
  EXPECT_EQ(backoff_delay(p, 5, 0.0), milliseconds(25600));
  EXPECT_EQ(backoff_delay(p, 6, 0.0), milliseconds(30000));
  EXPECT_EQ(backoff_delay(p, 1000000, 0.99), milliseconds(30000));
}

TEST(Backoff, JitterAddsUpToHalfTheBaseButNeverExceedsMax) {
  BackoffPolicy p;
  EXPECT_EQ(backoff_delay(p, 0, 0.5), milliseconds(1000));  // 800 * 1.25
  EXPECT_EQ(backoff_delay(p, 0, 0.999), milliseconds(1199));
  EXPECT_EQ(backoff_delay(p, 5, 0.9), milliseconds(30000));  // 25.6 s * 1.45 capped
  EXPECT_EQ(backoff_delay(p, 0, -3.0), milliseconds(800));   // out-of-range samples clamp
}

TEST(Backoff, StatefulWrapperGrowsAndResets) {
  Backoff b;
  const auto first = b.next();
  EXPECT_GE(first, milliseconds(800));
  EXPECT_LT(first, milliseconds(1200));
  const auto second = b.next();
  EXPECT_GE(second, milliseconds(1600));
  EXPECT_EQ(b.attempt(), 2u);
  for (int i = 0; i < 20; ++i) EXPECT_LE(b.next(), milliseconds(30000));
  b.reset();
  EXPECT_LT(b.next(), milliseconds(1200));
}

TEST(WatchTimeout, RandomBetweenFiveAndTenMinutes) {
  EXPECT_EQ(watch_timeout_seconds(std::chrono::seconds(300), 0.0), 300);
  EXPECT_EQ(watch_timeout_seconds(std::chrono::seconds(300), 0.5), 450);
  EXPECT_EQ(watch_timeout_seconds(std::chrono::seconds(300), 1.0), 599);
  for (int i = 0; i < 100; ++i) {
    const auto t = watch_timeout_seconds(std::chrono::seconds(300), uniform_sample());
    EXPECT_GE(t, 300);
    EXPECT_LT(t, 600);
  }
}

TEST(ObjectKey, FormatsAndParses) {
  EXPECT_EQ((ObjectKey{"ns", "a"}).str(), "ns/a");
  EXPECT_EQ((ObjectKey{"", "node1"}).str(), "node1");
  EXPECT_EQ(parse_object_key("ns/a"), (ObjectKey{"ns", "a"}));
  EXPECT_EQ(parse_object_key("a"), (ObjectKey{"", "a"}));
  EXPECT_THROW(parse_object_key("a/b/c"), std::invalid_argument);
  try {
    parse_object_key("ns/");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("\"ns/\""));
  }
}

TEST(ObjectKey, FromJsonToleratesMissingAndMistypedFields) {
  EXPECT_EQ(key_of(json{{"metadata", {{"namespace", "x"}, {"name", "y"}}}}), (ObjectKey{"x", "y"}));
  EXPECT_EQ(key_of(json{{"metadata", {{"name", 5}}}}), (ObjectKey{"", ""}));
  EXPECT_EQ(key_of(json::array()), (ObjectKey{"", ""}));
  EXPECT_EQ(resource_version_of(json{{"metadata", {{"resourceVersion", "42"}}}}), "42");
}

namespace {
std::shared_ptr<const json> obj(const std::string& ns, const std::string& name,
                                const std::string& rv) {
  return std::make_shared<const json>(
      json{{"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}}}});
}
}  // namespace

TEST(Store, UpsertGetEraseReportDeltas) {
  Store<json> store;
  auto d1 = store.upsert(obj("ns", "a", "1"));
  EXPECT_EQ(d1.type, DeltaType::Added);
  EXPECT_EQ(d1.old_object, nullptr);
  auto d2 = store.upsert(obj("ns", "a", "2"));
  EXPECT_EQ(d2.type, DeltaType::Updated);
  EXPECT_EQ(resource_version_of(*d2.old_object), "1");
  EXPECT_EQ(resource_version_of(*store.get("ns", "a")), "2");
  EXPECT_EQ(store.size(), 1u);
  auto old = store.erase(ObjectKey{"ns", "a"});
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(resource_version_of(*old), "2");
  EXPECT_EQ(store.get("ns", "a"), nullptr);
  EXPECT_EQ(store.erase(ObjectKey{"ns", "a"}), nullptr);
}

TEST(Store, ListByNamespaceWithFilter) {
  Store<json> store;
  store.upsert(obj("a", "x", "1"));
  store.upsert(obj("b", "x", "2"));
  store.upsert(obj("b", "y", "3"));
  store.upsert(obj("bb", "z", "4"));  // a namespace sharing a prefix must not leak in
  EXPECT_EQ(store.list().size(), 4u);
  EXPECT_EQ(store.list("b").size(), 2u);
  auto only_y = store.list("b", [](const json& o) { return o["metadata"]["name"] == "y"; });
  ASSERT_EQ(only_y.size(), 1u);
  EXPECT_EQ(resource_version_of(*only_y[0]), "3");
  EXPECT_TRUE(store.list("c").empty());
}

TEST(Store, ReplaceEmitsOnlyRealChangesAndKeepsUnchangedPointers) {
  Store<json> store;
  store.upsert(obj("ns", "same", "1"));
  store.upsert(obj("ns", "changed", "2"));
  store.upsert(obj("ns", "gone", "3"));
  const auto same_before = store.get("ns", "same");

  auto deltas = store.replace({obj("ns", "same", "1"), obj("ns", "changed", "5"),
                               obj("ns", "new", "6")});
  std::map<std::string, DeltaType> by_name;
  for (const auto& d : deltas) {
    const auto& o = d.new_object ? *d.new_object : *d.old_object;
    by_name[o["metadata"]["name"]] = d.type;
  }
  EXPECT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name["changed"], DeltaType::Updated);
  EXPECT_EQ(by_name["new"], DeltaType::Added);
  EXPECT_EQ(by_name["gone"], DeltaType::Deleted);
  EXPECT_FALSE(by_name.contains("same"));
  EXPECT_EQ(store.get("ns", "same"), same_before);  // reader snapshots stay valid and shared
  EXPECT_EQ(store.get("ns", "gone"), nullptr);
  EXPECT_EQ(store.size(), 3u);
}

TEST(OwnerMapping, GroupOfApiVersion) {
  EXPECT_EQ(group_of_api_version("redraft.dev/v1alpha1"), "redraft.dev");
  EXPECT_EQ(group_of_api_version("v1"), "");
}

TEST(OwnerMapping, TaskMapsToItsControllingWorkload) {
  redraft::api::ObjectMeta meta;
  meta.namespace_ = "team";
  meta.name = "wl-1-code";
  meta.ownerReferences.push_back({"redraft.dev/v1alpha1", "Workload", "wl", "u1", true, true});
  // Not a controller, other kind, other group: all ignored.
  meta.ownerReferences.push_back({"redraft.dev/v1alpha1", "Workload", "other", "u2", false, {}});
  meta.ownerReferences.push_back({"redraft.dev/v1alpha1", "Agent", "ag", "u3", true, {}});
  meta.ownerReferences.push_back({"example.com/v1", "Workload", "foreign", "u4", true, {}});
  EXPECT_THAT(owner_keys(meta, workload_owner()), testing::ElementsAre(ObjectKey{"team", "wl"}));

  OwnerMatch any = workload_owner();
  any.controller_only = false;
  EXPECT_THAT(owner_keys(meta, any),
              testing::ElementsAre(ObjectKey{"team", "wl"}, ObjectKey{"team", "other"}));
}

TEST(OwnerMapping, PodJsonMapsToItsTaskAndToleratesGarbage) {
  json pod = {{"metadata",
               {{"namespace", "team"},
                {"name", "wl-1-code-pod"},
                {"ownerReferences",
                 json::array({{{"apiVersion", "redraft.dev/v1alpha1"},
                               {"kind", "AgenticTask"},
                               {"name", "wl-1-code"},
                               {"controller", true}},
                              "not-an-object",
                              {{"apiVersion", 7}, {"kind", "AgenticTask"}, {"name", "x"}}})}}}};
  EXPECT_THAT(owner_keys(pod, agentic_task_owner()),
              testing::ElementsAre(ObjectKey{"team", "wl-1-code"}));
  EXPECT_TRUE(owner_keys(json{{"metadata", {{"ownerReferences", "bad"}}}}, agentic_task_owner()).empty());
  EXPECT_TRUE(owner_keys(json(nullptr), agentic_task_owner()).empty());
}

TEST(Transform, StripsManagedFieldsAndLastAppliedOnly) {
  json o = {{"metadata",
             {{"name", "a"},
              {"managedFields", json::array({{{"manager", "kubectl"}}})},
              {"annotations", {{kLastAppliedAnnotation, "{...}"}, {"keep", "me"}}}}},
            {"spec", {{"x", 1}}}};
  strip_bookkeeping(o);
  EXPECT_FALSE(o["metadata"].contains("managedFields"));
  EXPECT_EQ(o["metadata"]["annotations"], (json{{"keep", "me"}}));
  EXPECT_EQ(o["spec"]["x"], 1);

  json only = {{"metadata", {{"annotations", {{kLastAppliedAnnotation, "{}"}}}}}};
  strip_bookkeeping(only);
  EXPECT_FALSE(only["metadata"].contains("annotations"));
}

// ---- the requests the reflector sends, and its relist decision (pure) ----

TEST(ReflectorRequests, ListPagesCarryTheSelectorsThePageSizeAndTheContinueToken) {
  ReflectorOptions o;
  o.type = redraft::runtime::resources::kConfigMaps;
  o.label_selector = "app=x";
  o.field_selector = "metadata.name=y";
  const auto first = list_page_options(o, "");
  EXPECT_EQ(first.limit, 500);  // client-go's page size
  EXPECT_EQ(first.continue_token, "");
  EXPECT_EQ(first.label_selector, "app=x");
  EXPECT_EQ(first.field_selector, "metadata.name=y");
  EXPECT_FALSE(first.watch);
  o.page_size = 3;
  const auto next = list_page_options(o, "tok");
  EXPECT_EQ(next.limit, 3);
  EXPECT_EQ(redraft::runtime::build_list(o.type, "default", next).target,
            "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx&fieldSelector=metadata.name%3Dy"
            "&continue=tok&limit=3");
  o.page_size = 0;  // no paging: one request, no limit parameter (which the server would refuse)
  EXPECT_FALSE(list_page_options(o, "").limit.has_value());
}

TEST(ReflectorRequests, WatchesAskForBookmarksAndARandomTimeoutOfFiveToTenMinutes) {
  ReflectorOptions o;
  o.type = redraft::runtime::resources::kConfigMaps;
  o.label_selector = "app=x";
  const auto w = watch_options(o, "42", 0.5);
  EXPECT_TRUE(w.allow_watch_bookmarks);
  EXPECT_EQ(w.resource_version, "42");
  EXPECT_EQ(w.timeout_seconds, 450);
  EXPECT_EQ(w.label_selector, "app=x");
  EXPECT_FALSE(w.limit.has_value());
  EXPECT_EQ(redraft::runtime::build_watch(o.type, "default", w).target,
            "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx&resourceVersion=42"
            "&timeoutSeconds=450&allowWatchBookmarks=true&watch=true");
  for (double u : {0.0, 0.25, 0.999999, 1.0, -1.0}) {
    const auto t = watch_options(o, "1", u).timeout_seconds.value();
    EXPECT_GE(t, 300) << u;
    EXPECT_LT(t, 600) << u;
  }
  o.min_watch_timeout = std::chrono::seconds(2);
  EXPECT_EQ(watch_options(o, "1", 0.0).timeout_seconds, 2);
}

TEST(ReflectorRequests, OnlyARepeated410BacksOffBeforeRelisting) {
  EXPECT_FALSE(relist_needs_backoff(1));  // a watch fell behind: relist at once, like client-go
  EXPECT_TRUE(relist_needs_backoff(2));   // 410 again right after relisting
  EXPECT_TRUE(relist_needs_backoff(50));
}

TEST(CacheObservability, ResourceLabelsAndCheckNames) {
  ReflectorOptions o;
  o.type = redraft::runtime::resources::kAgenticTasks;
  EXPECT_EQ(cache_resource_label(o.type), "agentictasks.redraft.dev");
  EXPECT_EQ(cache_resource_label(redraft::runtime::resources::kPods), "pods");
  EXPECT_EQ(sync_check_name(o), "informer-agentictasks.redraft.dev");
  o.namespace_ = "team-a";
  EXPECT_EQ(sync_check_name(o), "informer-agentictasks.redraft.dev-ns-team-a");
  // The names are valid readiness check names.
  redraft::runtime::health::CheckSet checks;
  EXPECT_NO_THROW(checks.add(sync_check_name(o), [] { return true; }));
}

TEST(CacheObservability, ReportCacheSizeSetsTheGaugeAndKeepsAnExistingObserver) {
  redraft::runtime::metrics::Registry registry;
  InformerOptions o;
  o.type = redraft::runtime::resources::kAgenticTasks;
  std::size_t seen = 0;
  o.size_observer = [&](std::size_t n) { seen = n; };
  report_cache_size(o, registry);
  // The series exists before the first list.
  EXPECT_THAT(redraft::runtime::metrics::render_text(registry),
              testing::HasSubstr("redraft_cache_objects{resource=\"agentictasks.redraft.dev\"} 0\n"));
  o.size_observer(7);
  EXPECT_EQ(seen, 7u);
  EXPECT_EQ(redraft::runtime::metrics::cache_objects_gauge(registry, "agentictasks.redraft.dev").value(), 7);
}
