// Graceful shutdown of an operator-shaped process (tests/runtime_client/
// shutdown_operator_helper.cpp: ShutdownSignal + ShutdownSequence, a real LeaderElector, an
// Informer feeding a Controller with a slow reconciler) against a real devserver:
//  - SIGTERM lets the running reconcile finish, starts no queued or newly arriving one, then
//    releases the Lease on the server, and the process exits 0 within a few seconds, in the
//    order queues stopped -> workers drained -> lease released;
//  - a second signal while draining exits at once with 128+signal, leaving the lease to expire;
//  - a process that does not lead never releases someone else's lease.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/leader/lease_record.hpp"

using namespace redraft::runtime;
using redraft::testing::ChildProcess;
using redraft::testing::DevServer;
using redraft::testing::eventually;
using namespace std::chrono_literals;

namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kNamespace = "default";
constexpr const char* kLease = "redraft-shutdown";

std::unique_ptr<ChildProcess> start_operator(const DevServer& server, const std::string& identity,
                                             std::chrono::milliseconds reconcile_time) {
  return std::make_unique<ChildProcess>(std::vector<std::string>{
      REDRAFT_SHUTDOWN_HELPER, server.kubeconfig_path(), kNamespace, kLease, identity,
      std::to_string(reconcile_time.count())});
}

void create_input(Client& client, const std::string& name) {
  client.create(resources::kConfigMaps, kNamespace,
                {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", name}, {"labels", {{"redraft.test/input", "true"}}}}},
                 {"data", {{"n", "1"}}}});
}

nlohmann::json lease(Client& client) { return client.get(resources::kLeases, kNamespace, kLease); }

std::string holder(Client& client) {
  return leader::lease_record_from(lease(client)).holder_identity;
}

std::optional<nlohmann::json> find_config_map(Client& client, const std::string& name) {
  try {
    return client.get(resources::kConfigMaps, kNamespace, name);
  } catch (const std::exception& e) {
    if (is_not_found(e)) return std::nullopt;
    throw;
  }
}

// The devserver's resourceVersions are one global counter, so they order writes in time.
long long resource_version(const nlohmann::json& object) {
  return std::stoll(object.at("metadata").at("resourceVersion").get<std::string>());
}

// Index of the first line equal to `line`, or -1.
long index_of(const std::vector<std::string>& lines, const std::string& line) {
  const auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : static_cast<long>(it - lines.begin());
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "  " + line + "\n";
  return out;
}

// The "reconcile start <key>" lines printed so far.
std::vector<std::string> reconcile_starts(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    if (line.rfind("reconcile start ", 0) == 0) out.push_back(line.substr(16));
  }
  return out;
}
}  // namespace

TEST(GracefulShutdown, SigtermFinishesTheRunningReconcileDropsQueuedKeysAndReleasesTheLease) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  create_input(client, "alpha");
  create_input(client, "beta");
  // 3 s of reconcile: long enough that the signal surely lands while it runs, short enough
  // that draining stays within "a few seconds".
  auto op = start_operator(server, "operator-a", 3000ms);

  ASSERT_TRUE(op->wait_for_line("LEADING", 60s)) << joined(op->lines());
  ASSERT_TRUE(op->wait_for_line("enqueued default/alpha", 60s)) << joined(op->lines());
  ASSERT_TRUE(op->wait_for_line("enqueued default/beta", 60s)) << joined(op->lines());
  ASSERT_TRUE(eventually([&] { return !reconcile_starts(op->lines()).empty(); }, 60s))
      << joined(op->lines());
  const std::string running = reconcile_starts(op->lines())[0];  // "default/<name>"
  const std::string queued = running == "default/alpha" ? "default/beta" : "default/alpha";
  ASSERT_EQ(holder(client), "operator-a");
  // One worker: the other key waits in the queue while the first reconcile runs.
  ASSERT_FALSE(op->has_line("reconcile finish " + running))
      << "the 3 s reconcile ended before the test could signal (machine badly overloaded)";

  const auto signalled = Clock::now();
  op->signal(SIGTERM);
  // New work arriving while the process drains is not picked up either.
  ASSERT_TRUE(op->wait_for_line("queues stopped", 30s)) << joined(op->lines());
  create_input(client, "gamma");
  const int code = op->wait_exit(60s);
  const double seconds = std::chrono::duration<double>(Clock::now() - signalled).count();
  const auto lines = op->lines();
  ASSERT_EQ(code, 0) << joined(lines);
  // At most ~3 s of remaining reconcile plus one lease update.
  EXPECT_LT(seconds, 10.0) << joined(lines);

  // Steps in order, and the running reconcile completes inside the drain (not cut off).
  const long signal_at = index_of(lines, "signal " + std::to_string(SIGTERM));
  const long stopped_at = index_of(lines, "queues stopped");
  const long finished_at = index_of(lines, "reconcile finish " + running);
  const long drained_at = index_of(lines, "workers drained");
  const long released_at = index_of(lines, "lease released");
  const long exiting_at = index_of(lines, "exiting");
  ASSERT_GE(signal_at, 0) << joined(lines);
  EXPECT_LT(signal_at, stopped_at) << joined(lines);
  EXPECT_LT(stopped_at, finished_at) << joined(lines);
  EXPECT_LT(finished_at, drained_at) << joined(lines);
  EXPECT_LT(drained_at, released_at) << joined(lines);
  EXPECT_LT(released_at, exiting_at) << joined(lines);

  // Only the reconcile that was running when the signal came ever started.
  EXPECT_THAT(reconcile_starts(lines), ::testing::ElementsAre(running)) << joined(lines);
  EXPECT_EQ(index_of(lines, "reconcile start " + queued), -1) << joined(lines);

  // On the server: the running reconcile wrote its result, the queued key never did, and the
  // lease was released (empty holder) by a write that came after the reconcile's.
  const auto result = find_config_map(client, running.substr(8) + "-result");
  ASSERT_TRUE(result.has_value()) << "the in-flight reconcile did not complete its work";
  EXPECT_FALSE(find_config_map(client, queued.substr(8) + "-result").has_value());
  EXPECT_FALSE(find_config_map(client, "gamma-result").has_value());
  EXPECT_EQ(index_of(lines, "enqueued default/gamma"), -1) << joined(lines);
  const nlohmann::json released = lease(client);
  EXPECT_EQ(leader::lease_record_from(released).holder_identity, "");
  EXPECT_GT(resource_version(released), resource_version(*result))
      << "the lease was released before the running reconcile had finished";
}

TEST(GracefulShutdown, SecondSignalWhileDrainingExitsAtOnceWithoutReleasingTheLease) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  create_input(client, "stuck");
  // A reconcile that would take two minutes: the drain hangs on it.
  auto op = start_operator(server, "operator-b", 120000ms);
  ASSERT_TRUE(op->wait_for_line("LEADING", 60s)) << joined(op->lines());
  ASSERT_TRUE(op->wait_for_line("reconcile start default/stuck", 60s)) << joined(op->lines());

  op->signal(SIGTERM);
  ASSERT_TRUE(op->wait_for_line("queues stopped", 30s)) << joined(op->lines());
  // Draining: the first signal alone does not end the process while the reconcile runs.
  EXPECT_EQ(op->wait_exit(1s), -1) << joined(op->lines());

  const auto second = Clock::now();
  op->signal(SIGINT);
  const int code = op->wait_exit(30s);
  const double seconds = std::chrono::duration<double>(Clock::now() - second).count();
  const auto lines = op->lines();
  // Documented: the second signal exits at once with 128 + signal number.
  EXPECT_EQ(code, 128 + SIGINT) << joined(lines);
  EXPECT_LT(seconds, 5.0) << joined(lines);
  // The remaining steps were skipped: nothing drained, nothing released.
  EXPECT_EQ(index_of(lines, "reconcile finish default/stuck"), -1) << joined(lines);
  EXPECT_EQ(index_of(lines, "workers drained"), -1) << joined(lines);
  EXPECT_EQ(index_of(lines, "lease released"), -1) << joined(lines);
  EXPECT_EQ(index_of(lines, "exiting"), -1) << joined(lines);
  // The lease is still recorded for the dead process; others take over once it expires.
  EXPECT_EQ(holder(client), "operator-b");
}

TEST(GracefulShutdown, AFollowerDoesNotReleaseTheLeaderLease) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  create_input(client, "waiting");
  auto leader = start_operator(server, "operator-leader", 100ms);
  ASSERT_TRUE(leader->wait_for_line("LEADING", 60s)) << joined(leader->lines());
  auto follower = start_operator(server, "operator-follower", 100ms);
  // The follower has synced its cache (so it is fully up) and has seen the lease held.
  ASSERT_TRUE(follower->wait_for_line("enqueued default/waiting", 60s))
      << joined(follower->lines());
  EXPECT_FALSE(follower->wait_for_line("LEADING", 3s)) << joined(follower->lines());

  follower->signal(SIGTERM);
  EXPECT_EQ(follower->wait_exit(30s), 0) << joined(follower->lines());
  const auto lines = follower->lines();
  EXPECT_NE(index_of(lines, "lease released"), -1) << joined(lines);  // the step ran...
  EXPECT_EQ(reconcile_starts(lines).size(), 0u) << joined(lines);     // ...and it never worked
  EXPECT_EQ(holder(client), "operator-leader");  // ...but the leader's lease was left alone
  EXPECT_FALSE(leader->has_line("STOPPED")) << joined(leader->lines());

  leader->signal(SIGTERM);
  EXPECT_EQ(leader->wait_exit(30s), 0) << joined(leader->lines());
  EXPECT_EQ(holder(client), "");
}
