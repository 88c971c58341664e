// The reflector's list and watch settings, observed against a real devserver over HTTP: paged
// lists (and an expired continue token), bookmarks, the server-side watch timeout, the
// client-side idle timeout, backoff on repeated 410s, and handlers/transforms that throw
// something that is not a std::exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::cache;
using redraft::testing::DevServer;
using redraft::testing::DevServerOptions;
using redraft::testing::cm_options;
using redraft::testing::configmap;
using redraft::testing::eventually;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const ResourceType& kCM = resources::kConfigMaps;

// Every on_add the handlers saw, in order (names only).
struct Adds {
  std::mutex mu;
  std::vector<std::string> names;
  EventHandlers<json> handlers() {
    return {[this](const auto& o) {
              std::lock_guard lock(mu);
              names.push_back((*o)["metadata"]["name"].template get<std::string>());
            },
            nullptr, nullptr};
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mu);
    return names;
  }
  bool saw(const std::string& name) {
    const auto all = get();
    return std::find(all.begin(), all.end(), name) != all.end();
  }
};

std::string describe(const Reflector& r) {
  const auto s = r.stats();
  return "lists=" + std::to_string(s.lists) + " list_requests=" + std::to_string(s.list_requests) +
         " pages=" + std::to_string(s.pages) + " watches=" + std::to_string(s.watches) +
         " gone=" + std::to_string(s.gone) + " errors=" + std::to_string(s.errors) +
         " events=" + std::to_string(s.events) + " rv=" + r.last_resource_version();
}

DevServerOptions with_bookmark_interval_ms(const std::string& ms) {
  DevServerOptions o;
  o.extra_args = {"--bookmark-interval-ms", ms};
  return o;
}

std::uint64_t rv_number(const std::string& rv) { return rv.empty() ? 0 : std::stoull(rv); }

}  // namespace

TEST(ReflectorPaging, ListsInPagesOfPageSizeAndGetsEveryObject) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  for (int i = 0; i < 10; ++i) client.create(kCM, "default", configmap("cm-" + std::to_string(i)));

  InformerOptions options = cm_options();
  options.page_size = 3;
  Informer<json> informer(client, options);
  Adds adds;
  informer.add_handlers(adds.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  EXPECT_EQ(informer.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(informer.store().get("default", "cm-" + std::to_string(i)), nullptr) << i;
  }
  EXPECT_EQ(adds.get().size(), 10u);
  const auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.lists, 1u);
  EXPECT_EQ(stats.pages, 4u) << "10 objects in pages of 3: " << describe(informer.reflector());
  EXPECT_EQ(stats.list_requests, 4u);
  informer.stop();
}

TEST(ReflectorPaging, AnExpiredContinueTokenRestartsTheListWhichStillEndsComplete) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  for (int i = 0; i < 10; ++i) client.create(kCM, "default", configmap("cm-" + std::to_string(i)));

  InformerOptions options = cm_options();
  options.page_size = 3;
  // While the first page is being decoded (on the reflector thread, before the next page is
  // asked for), an object is added and the server's history compacted: the continue token of
  // page 1 now predates the oldest retained resourceVersion, so page 2 is answered 410.
  std::atomic<bool> sabotaged{false};
  Client writer(load_kubeconfig(server.kubeconfig_path()));
  options.transform = [&](json&) {
    if (sabotaged.exchange(true)) return;
    writer.create(kCM, "default", configmap("zz-late"));
    server.compact_history();
  };
  Informer<json> informer(client, options);
  Adds adds;
  informer.add_handlers(adds.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  ASSERT_TRUE(sabotaged.load());

  EXPECT_EQ(informer.size(), 11u) << describe(informer.reflector());
  EXPECT_NE(informer.store().get("default", "zz-late"), nullptr);
  // The partial first list was thrown away: every object was added exactly once.
  auto names = adds.get();
  EXPECT_EQ(names.size(), 11u);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());

  const auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.gone, 1u) << describe(informer.reflector());
  EXPECT_EQ(stats.lists, 1u);
  // Page 1, the refused page 2, then a fresh list of 11 objects in 4 pages.
  EXPECT_EQ(stats.list_requests, 6u) << describe(informer.reflector());
  EXPECT_EQ(stats.pages, 5u);
  EXPECT_EQ(stats.errors, 0u);
  informer.stop();
}

TEST(ReflectorWatch, AsksForBookmarksAndFollowsThemWithoutEvents) {
  // Bookmarks every 100 ms, but only to watches that asked for them.
  DevServer server(with_bookmark_interval_ms("100"));
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("here"));
  Informer<json> informer(client, cm_options());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  ASSERT_TRUE(eventually([&] { return informer.reflector().stats().watches >= 1; }));

  // Changes in another namespace move the server's resourceVersion but are not this watch's
  // events: only a BOOKMARK can carry the new resourceVersion to the reflector.
  client.create(resources::kNamespaces, "",
                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}});
  std::string latest;
  for (int i = 0; i < 3; ++i) {
    latest = client.create(kCM, "other", configmap("elsewhere-" + std::to_string(i), "other"))
                 ["metadata"]["resourceVersion"];
  }
  EXPECT_TRUE(eventually([&] {
    return rv_number(informer.reflector().last_resource_version()) >= rv_number(latest);
  })) << "latest=" << latest << " " << describe(informer.reflector());
  const auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.events, 0u) << "bookmarks are not events";
  EXPECT_EQ(stats.lists, 1u);
  EXPECT_EQ(informer.size(), 1u);
  informer.stop();
}

TEST(ReflectorWatch, SendsAServerSideTimeoutAndRewatchesWhenItExpires) {
  DevServer server;  // its own default watch timeout is 30 minutes
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("here"));
  InformerOptions options = cm_options();
  options.min_watch_timeout = 2s;  // timeoutSeconds in [2, 4)
  Informer<json> informer(client, options);
  Adds adds;
  informer.add_handlers(adds.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  // Only the timeoutSeconds the reflector sent can end these watches this early.
  EXPECT_TRUE(eventually([&] { return informer.reflector().stats().watches >= 4; }, 90s))
      << describe(informer.reflector());
  const auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.lists, 1u) << "an expired watch resumes from its resourceVersion";
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.gone, 0u);
  // Re-watches resume from the last resourceVersion: a change made now still arrives, and
  // nothing already delivered is delivered again.
  client.create(kCM, "default", configmap("later"));
  EXPECT_TRUE(eventually([&] { return adds.saw("later"); }));
  EXPECT_THAT(adds.get(), testing::ElementsAre("here", "later"));
  informer.stop();
}

TEST(ReflectorWatch, ASilentStreamHitsTheIdleTimeoutAndIsRewatchedWithoutARelist) {
  // No bookmarks within the test's time: the stream carries no bytes at all while nothing changes.
  DevServer server(with_bookmark_interval_ms("3600000"));
  Client client(load_kubeconfig(server.kubeconfig_path()));
  for (int i = 0; i < 3; ++i) client.create(kCM, "default", configmap("cm-" + std::to_string(i)));
  InformerOptions options = cm_options();
  options.idle_timeout = 2s;  // the server-side timeout stays at 5-10 minutes
  Informer<json> informer(client, options);
  Adds adds;
  informer.add_handlers(adds.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  EXPECT_TRUE(eventually([&] { return informer.reflector().stats().watches >= 3; }, 90s))
      << describe(informer.reflector());
  auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.lists, 1u) << "an idle watch is re-established, not relisted";
  EXPECT_EQ(stats.list_requests, 1u);
  EXPECT_EQ(stats.errors, 0u) << "a silent stream is not an error";
  EXPECT_EQ(stats.events, 0u);
  EXPECT_EQ(adds.get().size(), 3u) << "no deltas re-delivered";
  // The re-established watch still works.
  client.create(kCM, "default", configmap("cm-new"));
  EXPECT_TRUE(eventually([&] { return adds.saw("cm-new"); }));
  EXPECT_EQ(adds.get().size(), 4u);
  informer.stop();
}

TEST(ReflectorGone, RepeatedGoneBacksOffInsteadOfRelistingInATightLoop) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("here"));

  // Every list (and watch) of configmaps is answered 410 from the start.
  server.fail_next(1000000, 410, "GET", "/configmaps");
  Informer<json> informer(client, cm_options());
  informer.start();
  // A measurement window, not synchronisation: how many lists does a 410 storm cause?
  std::this_thread::sleep_for(4s);
  auto stats = informer.reflector().stats();
  EXPECT_GE(stats.list_requests, 3u) << "it keeps trying: " << describe(informer.reflector());
  // Immediate relist, then 0.8-1.2 s, 1.6-2.4 s, 3.2-4.8 s: at most 5 lists in 4 s.
  EXPECT_LE(stats.list_requests, 6u) << describe(informer.reflector());
  EXPECT_FALSE(informer.has_synced());

  server.clear_faults();
  ASSERT_TRUE(informer.wait_for_sync(60s)) << describe(informer.reflector());
  EXPECT_EQ(informer.size(), 1u);
  EXPECT_EQ(informer.reflector().stats().lists, 1u);

  // Synced and watching (an event proves the watch works, which ends the 410 streak); then the
  // watch gets 410 and so does every relist.
  client.create(kCM, "default", configmap("mid"));
  ASSERT_TRUE(eventually([&] { return informer.store().get("default", "mid") != nullptr; }));
  const auto before = informer.reflector().stats();
  server.fail_next(1000000, 410, "GET", "/configmaps");
  server.close_watches_now();
  std::this_thread::sleep_for(4s);
  stats = informer.reflector().stats();
  EXPECT_GE(stats.gone - before.gone, 2u) << describe(informer.reflector());
  EXPECT_LE(stats.list_requests - before.list_requests, 6u) << describe(informer.reflector());
  server.clear_faults();
  client.create(kCM, "default", configmap("after"));
  EXPECT_TRUE(eventually([&] { return informer.store().get("default", "after") != nullptr; }))
      << describe(informer.reflector());
  informer.stop();
}

TEST(InformerExceptions, HandlersAndTransformsThrowingNonStandardExceptionsDoNotStopDelivery) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("bad-listed"));
  client.create(kCM, "default", configmap("poison-listed"));
  client.create(kCM, "default", configmap("fine-listed"));

  InformerOptions options = cm_options();
  // A transform that throws an int for "poison-*" objects: they are skipped, others decode.
  options.transform = [](json& o) {
    if (o["metadata"]["name"].get<std::string>().starts_with("poison")) throw 7;
  };
  Informer<json> informer(client, options);
  Adds adds;
  informer.add_handlers(adds.handlers());
  std::atomic<int> thrown{0};
  // A handler that throws an int (not a std::exception) for "bad-*" objects.
  informer.add_handlers({[&](const auto& o) {
                           if ((*o)["metadata"]["name"].template get<std::string>().starts_with("bad")) {
                             ++thrown;
                             throw 42;
                           }
                         },
                         [&](const auto&, const auto&) {
                           ++thrown;
                           throw 43;
                         },
                         nullptr});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  EXPECT_EQ(thrown.load(), 1);
  EXPECT_TRUE(adds.saw("fine-listed"));
  EXPECT_EQ(informer.store().get("default", "poison-listed"), nullptr);

  // Watch path: the same throws, then later events still arrive.
  client.create(kCM, "default", configmap("bad-watched"));
  client.create(kCM, "default", configmap("poison-watched"));
  client.patch(kCM, "default", "fine-listed", PatchType::Merge, json{{"data", {{"k", "w"}}}});
  client.create(kCM, "default", configmap("fine-watched"));
  EXPECT_TRUE(eventually([&] { return adds.saw("fine-watched"); })) << describe(informer.reflector());
  EXPECT_EQ(thrown.load(), 3) << "bad-listed, bad-watched, the update of fine-listed";
  EXPECT_TRUE(adds.saw("bad-watched"));
  EXPECT_EQ(informer.store().get("default", "poison-watched"), nullptr);
  EXPECT_EQ((*informer.store().get("default", "fine-listed"))["data"]["k"], "w");
  const auto stats = informer.reflector().stats();
  EXPECT_EQ(stats.errors, 0u) << "nothing escaped to the reflector";
  EXPECT_EQ(stats.lists, 1u);
  informer.stop();
}

namespace {
// A sink that throws an int (not a std::exception) from the first list item it is given.
class ThrowingOnceSink : public ReflectorSink {
 public:
  void list_begin() override {}
  void list_item(json&&) override {
    if (!thrown_.exchange(true)) throw 7;
  }
  void list_end(const std::string&) override { ++lists_; }
  void watch_event(const std::string&, json&&) override {}
  std::atomic<bool> thrown_{false};
  std::atomic<int> lists_{0};
};
}  // namespace

TEST(ReflectorExceptions, ANonStandardExceptionFromTheSinkIsAnErrorRetriedNotTheEndOfTheThread) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("here"));
  ThrowingOnceSink sink;
  ReflectorOptions options;
  options.type = kCM;
  options.namespace_ = "default";
  Reflector reflector(client, options, sink);
  reflector.start();
  // Without the catch-all the process would have terminated here.
  EXPECT_TRUE(eventually([&] { return sink.lists_.load() == 1; })) << describe(reflector);
  EXPECT_TRUE(sink.thrown_.load());
  const auto stats = reflector.stats();
  EXPECT_EQ(stats.errors, 1u) << describe(reflector);
  EXPECT_EQ(stats.lists, 1u);
  EXPECT_EQ(stats.list_requests, 2u) << "the failed list was retried";
  reflector.stop();
}
