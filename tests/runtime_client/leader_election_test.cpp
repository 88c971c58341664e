// Leader election between separate processes (tests/runtime_client/leader_elector_helper.cpp)
// against a real devserver: exactly one leads; a SIGKILLed leader is replaced after its lease
// runs out; a cleanly stopped leader releases the lease and is replaced at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <optional>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/leader/leader_elector.hpp"
#include "operator/runtime/leader/lease_record.hpp"

using namespace redraft::runtime;
using redraft::testing::ChildProcess;
using redraft::testing::DevServer;
using namespace std::chrono_literals;

namespace {
using Clock = std::chrono::steady_clock;

std::unique_ptr<ChildProcess> candidate(const DevServer& server, const std::string& identity) {
  return std::make_unique<ChildProcess>(std::vector<std::string>{
      REDRAFT_LEADER_HELPER, server.kubeconfig_path(), "default", "redraft-test", identity});
}

std::string holder(Client& client, const std::string& lease = "redraft-test") {
  return leader::lease_record_from(client.get(resources::kLeases, "default", lease))
      .holder_identity;
}

// When `proc` became leader, on this process's steady clock (see leader_elector_helper.cpp).
std::optional<Clock::time_point> leading_at(const ChildProcess& proc) {
  for (const auto& line : proc.lines()) {
    if (line.rfind("LEADING_AT_NS ", 0) == 0) {
      return Clock::time_point(std::chrono::nanoseconds(std::stoll(line.substr(14))));
    }
  }
  return std::nullopt;
}

// Waits until exactly one of the two prints LEADING; returns its index.
int wait_for_a_leader(ChildProcess& a, ChildProcess& b) {
  const auto deadline = Clock::now() + 60s;
  while (Clock::now() < deadline) {
    if (a.has_line("LEADING")) return 0;
    if (b.has_line("LEADING")) return 1;
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}
}  // namespace

TEST(LeaderElectionIntegration, ExactlyOneLeadsAndTheOtherTakesOverAfterSigkill) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  std::unique_ptr<ChildProcess> procs[2] = {candidate(server, "alpha"), candidate(server, "beta")};
  const int leader = wait_for_a_leader(*procs[0], *procs[1]);
  ASSERT_GE(leader, 0) << "nobody became leader";
  const int other = 1 - leader;
  const std::string names[2] = {"alpha", "beta"};
  EXPECT_EQ(holder(client), names[leader]);
  // The follower keeps trying every 2 s; over several attempts it must not lead.
  EXPECT_FALSE(procs[other]->wait_for_line("LEADING", 7s));
  EXPECT_EQ(holder(client), names[leader]);

  const auto killed = Clock::now();  // just before the kill: the measurement can only grow
  procs[leader]->signal(SIGKILL);
  ASSERT_TRUE(procs[other]->wait_for_line("LEADING", 60s));
  ASSERT_TRUE(redraft::testing::eventually([&] { return leading_at(*procs[other]).has_value(); }, 10s));
  const auto takeover = std::chrono::duration<double>(*leading_at(*procs[other]) - killed).count();
  RecordProperty("takeover_seconds", std::to_string(takeover));
  std::printf("takeover after SIGKILL: %.2f s\n", takeover);
  // The follower dates the last renewal at its read before the one that showed it (so normally
  // before the renewal, which itself came before the kill) and wakes exactly when the 15 s lease
  // runs out from there.
  EXPECT_LE(takeover, 15.0);
  // Safety: a renewal is never dated more than one read gap (2.7 s) early, and the last renewal
  // was about one retry period (2 s + the attempt's own time) before the kill.
  EXPECT_GE(takeover, 15.0 - 2.7 - 2.5) << "a live lease must not be taken early";
  EXPECT_EQ(holder(client), names[other]);
}

TEST(LeaderElectionIntegration, CleanShutdownReleasesAndTheOtherTakesOverAtOnce) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  std::unique_ptr<ChildProcess> procs[2] = {candidate(server, "alpha"), candidate(server, "beta")};
  const int leader = wait_for_a_leader(*procs[0], *procs[1]);
  ASSERT_GE(leader, 0);
  const int other = 1 - leader;
  const std::string names[2] = {"alpha", "beta"};
  // The follower must have seen the lease held, or taking it over proves nothing about release.
  ASSERT_TRUE(procs[other]->wait_for_line("SEES " + names[leader], 30s));

  procs[leader]->signal(SIGTERM);
  const auto stopped = Clock::now();
  EXPECT_EQ(procs[leader]->wait_exit(30s), 0);
  EXPECT_TRUE(procs[leader]->has_line("STOPPED"));
  EXPECT_TRUE(procs[leader]->has_line("EXIT"));
  ASSERT_TRUE(procs[other]->wait_for_line("LEADING", 30s));
  const auto takeover = std::chrono::duration<double>(Clock::now() - stopped).count();
  std::printf("takeover after clean release: %.1f s\n", takeover);
  // Released ⇒ taken at the follower's next attempt (retry period 2 s + jitter), not after 15 s.
  EXPECT_LE(takeover, 6.0);
  EXPECT_EQ(holder(client), names[other]);
}

namespace {
// An in-process elector whose callbacks are observable from the test.
struct ObservedElector {
  std::atomic<int> started{0}, stopped{0};
  std::unique_ptr<leader::LeaderElector> elector;
  ObservedElector(const DevServer& server, const std::string& identity) {
    leader::LeaderElectorOptions options;
    options.lease_namespace = "default";
    options.lease_name = "redraft-inproc";
    options.identity = identity;
    leader::LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] { ++started; };
    callbacks.on_stopped_leading = [this] { ++stopped; };
    elector = std::make_unique<leader::LeaderElector>(load_kubeconfig(server.kubeconfig_path()),
                                                      options, callbacks);
  }
};
}  // namespace

TEST(LeaderElectionIntegration, LeaderStopsAtOnceWhenItSeesAnotherHolder) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  ObservedElector a(server, "alpha");
  a.elector->start();
  ASSERT_TRUE(redraft::testing::eventually([&] { return a.started == 1; }, 30s));
  EXPECT_TRUE(a.elector->is_leader());

  // Someone else writes the lease (e.g. an operator forced a hand-over).
  nlohmann::json lease = client.get(resources::kLeases, "default", "redraft-inproc");
  lease["spec"]["holderIdentity"] = "intruder";
  client.update(resources::kLeases, "default", lease);
  const auto t = Clock::now();
  ASSERT_TRUE(redraft::testing::eventually([&] { return a.stopped == 1; }, 30s));
  EXPECT_LT(Clock::now() - t, 5s) << "must stop at the next renew attempt, not after a deadline";
  EXPECT_FALSE(a.elector->is_leader());
  a.elector->stop();
  EXPECT_EQ(holder(client, "redraft-inproc"), "intruder") << "a follower must not release someone else's lease";
}

TEST(LeaderElectionIntegration, LeaderStopsWhenItCannotRenewWithinTheDeadline) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  ObservedElector a(server, "alpha");
  a.elector->start();
  ASSERT_TRUE(redraft::testing::eventually([&] { return a.started == 1; }, 30s));

  server.fail_next(100000, 500, "", "/leases");  // every renew fails from now on
  const auto t = Clock::now();
  ASSERT_TRUE(redraft::testing::eventually([&] { return a.stopped == 1; }, 30s));
  const double after = std::chrono::duration<double>(Clock::now() - t).count();
  std::printf("leadership dropped %.1f s after renewals started failing\n", after);
  // The 10 s renew deadline counts from the start of the last successful renew (about one retry
  // period, plus that attempt's own time, before the failures started); leadership ends at the
  // deadline, not at the next attempt after it.
  EXPECT_GE(after, 10.0 - 2.0 - 1.0);
  EXPECT_LE(after, 10.0 + 0.5);
  a.elector->stop();
}

TEST(LeaderElectionIntegration, LeaderStepsDownAtTheDeadlineEvenWhileAnAttemptIsStuck) {
  // An attempt can outlive every request timeout (an exec credential plugin, a 401 retry, a slow
  // callback...). Here on_new_leader, which runs inside the attempt, blocks for 20 s when it sees
  // an intruder: the leader must still stop leading by its renew deadline, not when the attempt
  // finally returns.
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  std::atomic<int> started{0}, stopped{0};
  std::atomic<bool> release_callback{false};
  leader::LeaderElectorOptions options;
  options.lease_namespace = "default";
  options.lease_name = "redraft-stuck";
  options.identity = "alpha";
  leader::LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] { ++started; };
  callbacks.on_stopped_leading = [&] { ++stopped; };
  callbacks.on_new_leader = [&](const std::string& who) {
    if (who != "intruder") return;
    const auto until = Clock::now() + 20s;
    while (!release_callback && Clock::now() < until) std::this_thread::sleep_for(10ms);
  };
  leader::LeaderElector elector(load_kubeconfig(server.kubeconfig_path()), options, callbacks);
  elector.start();
  ASSERT_TRUE(redraft::testing::eventually([&] { return started == 1; }, 30s));

  const auto before_intrusion = Clock::now();  // the last renewal was at most ~2 s before this
  nlohmann::json lease = client.get(resources::kLeases, "default", "redraft-stuck");
  lease["spec"]["holderIdentity"] = "intruder";
  client.update(resources::kLeases, "default", lease);
  ASSERT_TRUE(redraft::testing::eventually([&] { return stopped == 1; }, 30s));
  const double after = std::chrono::duration<double>(Clock::now() - before_intrusion).count();
  std::printf("stuck attempt: leadership dropped %.1f s after the intrusion\n", after);
  EXPECT_LE(after, 10.5) << "the renew deadline must not wait for the stuck attempt";
  EXPECT_FALSE(elector.is_leader());
  release_callback = true;
  elector.stop();
  EXPECT_EQ(holder(client, "redraft-stuck"), "intruder");
}
