// A controller updates the status of N Pods on a real devserver, over real HTTP with the real
// API client, while the devserver answers K of the status updates with 409 Conflict. Every
// update must land, every conflict must be a quiet requeue, and no error may be counted.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "devserver_fixture.hpp"
#include "exposition_parser.hpp"
#include "http_get.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/controller/controller.hpp"
#include "operator/runtime/health/server.hpp"
#include "operator/runtime/metrics/exposition.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"

using namespace std::chrono_literals;
namespace rt = redraft::runtime;
namespace m = redraft::runtime::metrics;
using nlohmann::json;
using redraft::testing::parse_exposition;
using redraft::testing::sample_value;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPods = 24;
constexpr int kInjectedConflicts = 40;
constexpr const char* kNamespace = "default";

std::string pod_name(int i) { return "storm-" + std::to_string(i); }

json pod_manifest(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", kNamespace}}},
          {"spec", {{"containers", json::array({{{"name", "main"}, {"image", "busybox"}}})}}}};
}

std::string split_name(const std::string& key) { return key.substr(key.find('/') + 1); }

}  // namespace

TEST(ConflictStorm, StatusUpdatesAllLandAndConflictsAreNotErrors) {
  redraft::testing::DevServer server;
  m::Registry registry;

  rt::RestConfig config;
  config.server = server.url();
  config.bearer_token = server.token();
  rt::Client client(config);
  client.set_request_observer(m::rest_client_observer(registry));

  for (int i = 0; i < kPods; ++i) {
    client.create(rt::resources::kPods, kNamespace, pod_manifest(pod_name(i)));
  }
  // From now on the next K status writes (PUT .../status) answer 409.
  server.fail_next(kInjectedConflicts, 409, "PUT", "/status");

  rt::controller::Controller controller(
      {.name = "storm", .workers = 4, .registry = &registry},
      [&](const std::string& key) -> rt::controller::Result {
        json pod = client.get(rt::resources::kPods, kNamespace, split_name(key));
        if (pod.value("status", json::object()).value("message", "") == "reconciled") {
          return {};
        }
        pod["status"]["message"] = "reconciled";
        client.update_status(rt::resources::kPods, kNamespace, pod);  // may throw a 409
        return {};
      });
  controller.start();
  for (int i = 0; i < kPods; ++i) {
    controller.enqueue(std::string(kNamespace) + "/" + pod_name(i), "storm test");
  }

  auto successes = [&] {
    return sample_value(parse_exposition(m::render_text(registry)),
                        "controller_runtime_reconcile_total",
                        {{"controller", "storm"}, {"result", "success"}});
  };
  const auto deadline = Clock::now() + 120s;
  while (successes() < kPods && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  controller.stop();

  // Every status update landed on the server.
  for (int i = 0; i < kPods; ++i) {
    const json pod = client.get(rt::resources::kPods, kNamespace, pod_name(i));
    EXPECT_EQ(pod.value("status", json::object()).value("message", ""), "reconciled") << pod_name(i);
  }

  // Scrape the metrics the way Prometheus would: over HTTP, through the strict parser.
  rt::health::Server metrics_server({.bind_address = "127.0.0.1:0", .registry = &registry});
  metrics_server.start();
  const auto scrape = redraft::testing::http_request(metrics_server.port(), "GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  const auto families = parse_exposition(scrape.body);
  auto reconcile = [&](const char* result) {
    return sample_value(families, "controller_runtime_reconcile_total",
                        {{"controller", "storm"}, {"result", result}});
  };
  EXPECT_EQ(reconcile("success"), kPods);
  EXPECT_EQ(reconcile("requeue"), kInjectedConflicts);  // each 409 was one quiet requeue
  EXPECT_EQ(reconcile("error"), 0);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_errors_total",
                         {{"controller", "storm"}}),
            0);
  // The client saw exactly the injected conflicts, and the same number of successful writes.
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "409"}, {"method", "PUT"}, {"host", client.host()}}),
            kInjectedConflicts);
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "200"}, {"method", "PUT"}, {"host", client.host()}}),
            kPods);
  EXPECT_EQ(sample_value(families, "workqueue_depth", {{"name", "storm"}}), 0);
}
