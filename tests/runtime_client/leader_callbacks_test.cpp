// Leader-election callbacks are application code run on the election thread: one that throws
// (a std::exception or anything else) is logged, and the elector keeps renewing, steps down,
// re-acquires and releases as usual. An in-process elector against a real devserver.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "devserver_fixture.hpp"
#include "cache_test_support.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/leader/leader_elector.hpp"
#include "operator/runtime/leader/lease_record.hpp"

namespace redraft::runtime {
namespace {

using redraft::testing::DevServer;
using redraft::testing::eventually;
using namespace std::chrono_literals;

leader::LeaseRecord read_lease(Client& client) {
  try {
    return leader::lease_record_from(client.get(resources::kLeases, "default", "callbacks"));
  } catch (const std::exception&) {
    return {};  // not created yet
  }
}

TEST(LeaderCallbacks, ThrowingCallbacksNeverStopTheElector) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));

  std::atomic<int> started{0}, stopped{0}, new_leader{0};
  leader::LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] {
    ++started;
    throw std::runtime_error("start-up failed");
  };
  callbacks.on_stopped_leading = [&] {
    ++stopped;
    throw 42;  // not even a std::exception
  };
  callbacks.on_new_leader = [&](const std::string&) {
    ++new_leader;
    throw std::logic_error("observer failed");
  };
  leader::LeaderElectorOptions options;
  options.lease_namespace = "default";
  options.lease_name = "callbacks";
  options.identity = "thrower";
  // Short but valid timings (validate(): deadline > 3 retries, duration > deadline + retry).
  options.timing = {std::chrono::seconds(10), std::chrono::seconds(7), std::chrono::seconds(2)};
  leader::LeaderElector elector(load_kubeconfig(server.kubeconfig_path()), options, callbacks);
  elector.start();

  // Acquired despite on_new_leader and on_started_leading throwing.
  ASSERT_TRUE(eventually([&] { return elector.is_leader(); }, 60s));
  EXPECT_EQ(started.load(), 1);
  EXPECT_GE(new_leader.load(), 1);
  EXPECT_EQ(read_lease(client).holder_identity, "thrower");

  // Still renewing: the renewTime moves on twice (renewals every 2 s).
  std::string seen = read_lease(client).renew_time;
  for (int renewal = 0; renewal < 2; ++renewal) {
    ASSERT_TRUE(eventually(
        [&] {
          const leader::LeaseRecord now = read_lease(client);
          if (now.renew_time == seen || now.holder_identity != "thrower") return false;
          seen = now.renew_time;
          return true;
        },
        30s))
        << "renewal " << renewal << " never came";
  }
  EXPECT_TRUE(elector.is_leader());

  // Someone else takes the lease: the elector steps down (on_stopped_leading throws), keeps
  // electing, and takes the lease back once the intruder's record has gone stale.
  ASSERT_TRUE(eventually(
      [&] {
        try {
          nlohmann::json lease = client.get(resources::kLeases, "default", "callbacks");
          leader::LeaseRecord record = leader::lease_record_from(lease);
          record.holder_identity = "intruder";
          ++record.lease_transitions;
          leader::apply_lease_record(lease, record);
          client.update(resources::kLeases, "default", lease);
          return true;
        } catch (const std::exception& e) {
          if (!is_conflict(e)) throw;  // raced with a renewal: read again
          return false;
        }
      },
      30s));
  ASSERT_TRUE(eventually([&] { return stopped.load() == 1; }, 30s));
  ASSERT_TRUE(eventually([&] { return started.load() == 2 && elector.is_leader(); }, 60s))
      << "the elector did not take the lease back";
  EXPECT_EQ(read_lease(client).holder_identity, "thrower");

  // A clean stop still releases the lease although on_stopped_leading throws again.
  elector.stop();
  EXPECT_EQ(stopped.load(), 2);
  EXPECT_FALSE(elector.is_leader());
  EXPECT_EQ(read_lease(client).holder_identity, "");
}

}  // namespace
}  // namespace redraft::runtime
