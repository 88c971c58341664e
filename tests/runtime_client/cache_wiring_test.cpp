// The informer wired into the operator's probe server and metrics (cache/observability.hpp),
// against a real devserver, read over real HTTP from the health server: /readyz follows the
// informer's sync, /metrics carries redraft_cache_objects{resource} and follows the cache.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "exposition_parser.hpp"
#include "http_get.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/cache/observability.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/health/server.hpp"
#include "operator/runtime/metrics/registry.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::cache;
using redraft::testing::DevServer;
using redraft::testing::cm_options;
using redraft::testing::configmap;
using redraft::testing::eventually;
using redraft::testing::http_request;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

// The value of redraft_cache_objects{resource} scraped from the server's /metrics, which must
// parse as valid exposition text; -1 when the series is absent.
double scraped_cache_size(std::uint16_t port, const std::string& resource) {
  const auto reply = http_request(port, "GET", "/metrics");
  if (reply.status != 200) return -1;
  const auto families = redraft::testing::parse_exposition(reply.body);
  try {
    return redraft::testing::sample_value(families, "redraft_cache_objects", {{"resource", resource}});
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

TEST(InformerReadiness, ReadyzFailsUntilTheInformerHasSyncedAndNamesTheCache) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(resources::kConfigMaps, "default", configmap("one"));

  Informer<json> informer(client, cm_options());
  health::Server probes({.bind_address = "127.0.0.1:0", .registry = nullptr});
  add_sync_check(probes, informer);
  probes.start();
  const auto port = probes.port();

  // Not started: not ready, and the verbose answer says which cache is missing.
  auto reply = http_request(port, "GET", "/readyz");
  EXPECT_EQ(reply.status, 500);
  reply = http_request(port, "GET", "/readyz?verbose");
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("[-]informer-configmaps-ns-default failed"));
  EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200) << "alive while not ready";

  // Started, but the first list is slow (3 s of latency on every API request): still not ready.
  server.set_latency_ms(3000);
  informer.start();
  reply = http_request(port, "GET", "/readyz");
  ASSERT_FALSE(informer.has_synced()) << "the list should still be in flight";
  EXPECT_EQ(reply.status, 500);

  server.clear_faults();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  reply = http_request(port, "GET", "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  reply = http_request(port, "GET", "/readyz?verbose");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("[+]informer-configmaps-ns-default ok"));
  EXPECT_EQ(http_request(port, "GET", "/readyz/informer-configmaps-ns-default").status, 200);

  // A second informer of the same cache needs its own name.
  Informer<json> twin(client, cm_options());
  EXPECT_THROW(add_sync_check(probes, twin), std::invalid_argument);
  add_sync_check(probes, twin, "informer-configmaps-twin");
  EXPECT_EQ(http_request(port, "GET", "/readyz").status, 500) << "the twin has not synced";
  twin.start();
  ASSERT_TRUE(twin.wait_for_sync(60s));
  EXPECT_EQ(http_request(port, "GET", "/readyz").status, 200);
  probes.stop();
  informer.stop();
  twin.stop();
}

TEST(InformerMetrics, CacheSizeGaugeFollowsTheCacheOverHttp) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  for (int i = 0; i < 4; ++i) {
    client.create(resources::kConfigMaps, "default", configmap("cm-" + std::to_string(i)));
  }

  metrics::Registry registry;
  InformerOptions options = cm_options();
  report_cache_size(options, registry);
  Informer<json> informer(client, options);
  health::Server probes({.bind_address = "127.0.0.1:0", .registry = &registry});
  probes.start();
  const auto port = probes.port();
  EXPECT_EQ(scraped_cache_size(port, "configmaps"), 0) << "the series exists before the list";

  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  EXPECT_EQ(scraped_cache_size(port, "configmaps"), 4);
  EXPECT_THAT(http_request(port, "GET", "/metrics").body,
              HasSubstr("redraft_cache_objects{resource=\"configmaps\"} 4\n"));

  client.remove(resources::kConfigMaps, "default", "cm-0");
  EXPECT_TRUE(eventually([&] { return scraped_cache_size(port, "configmaps") == 3; }))
      << scraped_cache_size(port, "configmaps");
  client.create(resources::kConfigMaps, "default", configmap("cm-new-a"));
  client.create(resources::kConfigMaps, "default", configmap("cm-new-b"));
  EXPECT_TRUE(eventually([&] { return scraped_cache_size(port, "configmaps") == 5; }))
      << scraped_cache_size(port, "configmaps");
  EXPECT_EQ(informer.size(), 5u);
  probes.stop();
  informer.stop();
}
