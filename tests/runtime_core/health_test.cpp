#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "exposition_parser.hpp"
#include "http_get.hpp"
#include "operator/runtime/health/probes.hpp"
#include "operator/runtime/health/server.hpp"
#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"

namespace h = redraft::runtime::health;
namespace m = redraft::runtime::metrics;
using redraft::testing::http_request;
using redraft::testing::parse_exposition;
using redraft::testing::raw_exchange;
using redraft::testing::sample_value;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---------------------------------------------------------------------------- routing (pure)

TEST(Probes, HealthzPassesWithOnlyPing) {
  h::CheckSet none;
  const auto reply = h::respond("GET", "/healthz", {&none, &none, nullptr});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
}

TEST(Probes, ReadyzFailsWhileACheckFailsAndListsChecksWhenVerbose) {
  h::CheckSet ready;
  bool synced = false;
  ready.add("informer-agentictasks", [&] { return synced; });
  ready.add("informer-workloads", [] { return true; });
  const h::Endpoints endpoints{nullptr, &ready, nullptr};

  auto reply = h::respond("GET", "/readyz", endpoints);
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("[-]informer-agentictasks failed"));
  EXPECT_THAT(reply.body, HasSubstr("[+]informer-workloads ok"));
  EXPECT_THAT(reply.body, HasSubstr("readyz check failed"));

  synced = true;
  reply = h::respond("GET", "/readyz", endpoints);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");

  reply = h::respond("GET", "/readyz?verbose", endpoints);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            "[+]ping ok\n[+]informer-agentictasks ok\n[+]informer-workloads ok\nreadyz check passed\n");
  EXPECT_EQ(h::respond("GET", "/readyz?verbose=false", endpoints).body, "ok");
}

TEST(Probes, ExcludeSkipsACheckAndSingleChecksHaveTheirOwnPath) {
  h::CheckSet ready;
  ready.add("broken", [] { return false; });
  ready.add("fine", [] { return true; });
  const h::Endpoints endpoints{nullptr, &ready, nullptr};
  EXPECT_EQ(h::respond("GET", "/readyz?exclude=broken", endpoints).status, 200);
  EXPECT_EQ(h::respond("GET", "/readyz/fine", endpoints).status, 200);
  EXPECT_EQ(h::respond("GET", "/readyz/broken", endpoints).status, 500);
  EXPECT_EQ(h::respond("GET", "/readyz/ping", endpoints).status, 200);
  EXPECT_EQ(h::respond("GET", "/readyz/missing", endpoints).status, 404);
}

TEST(Probes, AThrowingCheckFailsWithoutEscaping) {
  h::CheckSet ready;
  ready.add("throws", []() -> bool { throw std::runtime_error("secret-token-123 leaked?"); });
  const auto reply = h::respond("GET", "/readyz?verbose", {nullptr, &ready, nullptr});
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("[-]throws failed"));
  EXPECT_THAT(reply.body, Not(HasSubstr("secret-token-123")));  // failure details are withheld
}

TEST(Probes, RejectsBadCheckNamesAndDuplicates) {
  h::CheckSet set;
  EXPECT_THROW(set.add("", [] { return true; }), std::invalid_argument);
  EXPECT_THROW(set.add("a/b", [] { return true; }), std::invalid_argument);
  EXPECT_THROW(set.add("has space", [] { return true; }), std::invalid_argument);
  EXPECT_THROW(set.add("nofn", nullptr), std::invalid_argument);
  set.add("once", [] { return true; });
  try {
    set.add("once", [] { return true; });
    FAIL() << "duplicate accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"once\""));
  }
}

TEST(Probes, MethodsAndUnknownPaths) {
  h::CheckSet none;
  EXPECT_EQ(h::respond("POST", "/healthz", {&none, &none, nullptr}).status, 405);
  EXPECT_EQ(h::respond("GET", "/nope", {&none, &none, nullptr}).status, 404);
  EXPECT_EQ(h::respond("GET", "/metrics", {&none, &none, nullptr}).status, 404);  // no registry
}

TEST(BindAddress, ParsesHostPortForms) {
  auto a = h::parse_bind_address("127.0.0.1:0");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 0);
  a = h::parse_bind_address(":8081");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 8081);
  a = h::parse_bind_address("[::1]:9090");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 9090);
}

TEST(BindAddress, RejectsMalformedAddressesNamingThem) {
  for (const char* bad : {"8080", "host:", "host:99999", "host:80x", "::1:80", "[::1]80", ""}) {
    try {
      h::parse_bind_address(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::string("\"") + bad + "\""));
    }
  }
  EXPECT_THROW(h::Server({.bind_address = "nonsense", .registry = nullptr}), std::invalid_argument);
}

// ---------------------------------------------------------------------------- real HTTP

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m::ReconcileMetrics reconcile(registry, "workload");
    reconcile.result(m::reconcile_result::kSuccess);
    reconcile.duration(0.01);
    m::rest_client_observer(registry)("GET", "127.0.0.1:1234", 200, 0.002);
    server.add_readyz_check("informer-workloads", [this] { return synced.load(); });
    server.start();
    ASSERT_NE(server.port(), 0);
  }

  m::Registry registry;
  std::atomic<bool> synced{false};
  h::Server server{{.bind_address = "127.0.0.1:0", .registry = &registry}};
};

TEST_F(HealthServerTest, ReadyzFailsBeforeSyncAndPassesAfter) {
  auto reply = http_request(server.port(), "GET", "/readyz");
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("[-]informer-workloads failed"));

  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").status, 200);  // alive regardless

  synced = true;
  reply = http_request(server.port(), "GET", "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  reply = http_request(server.port(), "GET", "/readyz?verbose");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("[+]ping ok\n[+]informer-workloads ok\nreadyz check passed"));
}

TEST_F(HealthServerTest, ChecksAddedAfterStartAreServed) {
  synced = true;
  server.add_readyz_check("leader-election", [] { return false; });
  EXPECT_EQ(http_request(server.port(), "GET", "/readyz").status, 500);
  server.add_healthz_check("deadlock-detector", [] { return false; });
  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").status, 500);
}

TEST_F(HealthServerTest, MetricsIsValidExpositionText) {
  const auto reply = http_request(server.port(), "GET", "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto families = parse_exposition(reply.body);
  EXPECT_EQ(sample_value(families, "controller_runtime_reconcile_total",
                         {{"controller", "workload"}, {"result", "success"}}), 1);
  EXPECT_EQ(sample_value(families, "rest_client_requests_total",
                         {{"code", "200"}, {"method", "GET"}, {"host", "127.0.0.1:1234"}}), 1);
  EXPECT_EQ(families.at("controller_runtime_reconcile_time_seconds").type, "histogram");
}

TEST_F(HealthServerTest, HeadAnswersWithoutBodyAndOtherMethodsAre405) {
  const auto head = http_request(server.port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers.at("content-length"), "2");  // the size of the GET body "ok"
  const auto post = http_request(server.port(), "POST", "/healthz");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
}

TEST_F(HealthServerTest, GarbageGetsA400AndTheServerKeepsServing) {
  EXPECT_THAT(raw_exchange(server.port(), "THIS IS NOT HTTP\r\n\r\n"), StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").status, 200);
}

TEST_F(HealthServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string two =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const auto answer = raw_exchange(server.port(), two);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 500"));  // the second (not yet synced) readyz
}

TEST_F(HealthServerTest, BindingAPortInUseFailsNamingTheAddress) {
  const std::string taken = "127.0.0.1:" + std::to_string(server.port());
  h::Server second({.bind_address = taken, .registry = nullptr});
  try {
    second.start();
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(taken));
  }
}

TEST_F(HealthServerTest, StopClosesTheListener) {
  const auto port = server.port();
  server.stop();
  EXPECT_ANY_THROW(http_request(port, "GET", "/healthz"));
  server.stop();  // idempotent
}

TEST_F(HealthServerTest, StopDoesNotWaitForIdleKeepAliveConnections) {
  // A client that connected and sent nothing must not hold up shutdown (the read timeout is 30 s).
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket idle(io);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").status, 200);  // served meanwhile
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}
