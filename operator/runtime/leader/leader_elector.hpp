// Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection semantics).
//
// - Candidates try to acquire every retry period (2 s); a lease counts as held while its record
//   keeps changing within leaseDurationSeconds (15 s) on OUR clock (see lease_decision.hpp), and
//   a candidate wakes exactly when the holder's lease runs out.
// - The leader renews every retry period. If it has not renewed by renew_deadline (10 s) — even
//   while an attempt is still in flight — or sees someone else holding the lease, it stops
//   leading at once (on_stopped_leading), before the 15 s lease can expire for the others, so
//   two leaders never overlap.
// - stop() while leading releases the lease (empty holder), so a successor takes over at its
//   next attempt instead of waiting for expiry.
// on_started_leading / on_stopped_leading run on the election thread; on_new_leader runs on the
// thread of the attempt that saw the change. The elector owns its own Client whose request
// timeout is the retry period.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/config.hpp"
#include "operator/runtime/leader/lease_decision.hpp"

namespace redraft::runtime {
class Client;
}

namespace redraft::runtime::leader {

struct LeaderElectorOptions {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process, e.g. "<pod name>_<random>"
  ElectionTiming timing;
  bool release_on_stop = true;
  // Sees every Lease request, like the operator's other requests (rest_client_requests_total).
  RequestObserver request_observer;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  // Leadership lost (renew deadline passed, or another holder seen) or given up by stop().
  // Stop all leader-only work immediately.
  std::function<void()> on_stopped_leading;
  // The observed holder changed ("" = released). Called from inside an attempt: keep it short.
  std::function<void(const std::string& identity)> on_new_leader;
};

// Throws std::invalid_argument naming the field for empty names/identity or timings that break
// the safety margin (lease_duration > renew_deadline + retry_period, renew_deadline > retry_period > 0).
void validate(const LeaderElectorOptions& options);

// "<hostname>_<16 random hex>": unique even for two processes on one host.
std::string default_identity();

class LeaderElector {
 public:
  LeaderElector(RestConfig config, LeaderElectorOptions options, LeaderCallbacks callbacks);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Stops the loop; releases the lease if leading (and release_on_stop). Idempotent.
  void stop();

  bool is_leader() const { return leading_.load(); }
  std::string observed_leader() const;
  const std::string& identity() const { return options_.identity; }

 private:
  enum class Attempt { Held, Failed, HeldByOther };
  void run();
  Attempt try_acquire_or_renew();
  void become_leader();
  void lose_leadership(const char* why);
  void release();
  void note_holder(const std::string& holder);

  LeaderElectorOptions options_;
  LeaderCallbacks callbacks_;
  std::unique_ptr<Client> client_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> leading_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Observation observation_;  // only the election thread touches it
  nlohmann::json lease_;  // the lease as last written/read by us (for release)
  std::string observed_leader_;
  std::thread thread_;
};

}  // namespace redraft::runtime::leader
