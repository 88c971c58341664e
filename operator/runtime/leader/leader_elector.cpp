#include "operator/runtime/leader/leader_elector.hpp"

#include <unistd.h>

#include <cstdio>
#include <future>
#include <random>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "operator/runtime/client/client.hpp"
#include "operator/runtime/support/run_contained.hpp"

namespace redraft::runtime::leader {

namespace {
using Clock = std::chrono::steady_clock;

// Callbacks are the application's code, run on the election thread. An exception escaping one
// would end that thread through std::terminate (and with it the process), or — from
// on_new_leader, called inside an attempt — turn a won election into a failed attempt. It is
// logged and the election goes on; what the callback failed to do is its owner's business.
template <class Callback, class... Args>
void invoke_callback(const char* name, const std::string& identity, const Callback& callback,
                     const Args&... args) {
  if (!callback) return;
  if (auto error = support::run_contained([&] { callback(args...); })) {
    spdlog::error("leader election: {}: {} callback threw: {}", identity, name, *error);
  }
}
}  // namespace

void validate(const LeaderElectorOptions& options) {
  if (options.lease_name.empty()) throw std::invalid_argument("leader election lease name: Required value");
  if (options.lease_namespace.empty()) {
    throw std::invalid_argument("leader election lease namespace: Required value");
  }
  if (options.identity.empty()) throw std::invalid_argument("leader election identity: Required value");
  const auto& t = options.timing;
  if (t.retry_period.count() <= 0) {
    throw std::invalid_argument("leader election retry period: must be positive");
  }
  if (t.renew_deadline <= t.retry_period) {
    throw std::invalid_argument("leader election renew deadline (" +
                                std::to_string(t.renew_deadline.count()) +
                                "s): must be greater than the retry period");
  }
  // A candidate may date a renewal up to max_read_gap() early (see observe()), so the lease must
  // outlast the renew deadline by more than that for two leaders never to overlap.
  if (t.lease_duration <= t.renew_deadline + max_read_gap(t)) {
    throw std::invalid_argument("leader election lease duration (" +
                                std::to_string(t.lease_duration.count()) +
                                "s): must be greater than the renew deadline plus the retry period");
  }
}

std::string default_identity() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(RestConfig config, LeaderElectorOptions options,
                             LeaderCallbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks)) {
  validate(options_);
  // A hung request must not hold up the next attempt for long; the leader's deadline does not
  // depend on it (see run()).
  const auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(options_.timing.retry_period);
  config.request_timeout = std::min(config.request_timeout, retry);
  config.connect_timeout = std::min(config.connect_timeout, retry);
  client_ = std::make_unique<Client>(std::move(config));
  if (options_.request_observer) client_->set_request_observer(options_.request_observer);
}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string LeaderElector::observed_leader() const {
  std::lock_guard lock(mu_);
  return observed_leader_;
}

void LeaderElector::run() {
  const auto& timing = options_.timing;
  Clock::time_point last_renew{};  // when the last successful attempt started
  std::mt19937 rng{std::random_device{}()};
  while (!stop_) {
    const auto started = Clock::now();
    // The attempt runs on its own thread so that a leader steps down at its renew deadline even
    // while a request (DNS, connect, an exec credential plugin, a 401 retry...) is still
    // running: the safety of the election rests on that deadline, not on request timeouts.
    auto pending = std::async(std::launch::async, [this] { return try_acquire_or_renew(); });
    if (leading_ && pending.wait_until(last_renew + timing.renew_deadline) == std::future_status::timeout) {
      lose_leadership("renew deadline exceeded while an attempt was still running");
    }
    const Attempt attempt = pending.get();
    if (attempt == Attempt::Held) {
      last_renew = started;
      if (!leading_) become_leader();
    } else if (leading_ && attempt == Attempt::HeldByOther) {
      lose_leadership("another holder took the lease");
    }
    // A little jitter keeps competing candidates from hitting the server in lockstep.
    const std::chrono::milliseconds jitter(
        std::uniform_int_distribution<int>(0, static_cast<int>(kRetryJitter.count()))(rng));
    const NextAttempt next =
        next_attempt(leading_, Clock::now(), last_renew, observation_, timing, jitter);
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_until(lock, next.at, [&] { return stop_.load(); })) break;
    }
    if (next.step_down && leading_) lose_leadership("renew deadline exceeded");
  }
  if (leading_) {
    if (options_.release_on_stop) release();
    leading_ = false;
    invoke_callback("on_stopped_leading", options_.identity, callbacks_.on_stopped_leading);
  }
}

void LeaderElector::become_leader() {
  leading_ = true;
  spdlog::info("leader election: {} acquired lease {}/{}", options_.identity,
               options_.lease_namespace, options_.lease_name);
  invoke_callback("on_started_leading", options_.identity, callbacks_.on_started_leading);
}

void LeaderElector::lose_leadership(const char* why) {
  leading_ = false;
  spdlog::warn("leader election: {} lost lease {}/{}: {}", options_.identity,
               options_.lease_namespace, options_.lease_name, why);
  invoke_callback("on_stopped_leading", options_.identity, callbacks_.on_stopped_leading);
}

void LeaderElector::note_holder(const std::string& holder) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (observed_leader_ != holder) {
      observed_leader_ = holder;
      changed = true;
    }
  }
  if (changed) invoke_callback("on_new_leader", options_.identity, callbacks_.on_new_leader, holder);
}

LeaderElector::Attempt LeaderElector::try_acquire_or_renew() {
  const auto& ns = options_.lease_namespace;
  const auto& name = options_.lease_name;
  const auto now = Clock::now();
  const auto wall = std::chrono::system_clock::now();
  try {
    nlohmann::json lease;
    try {
      lease = client_->get(resources::kLeases, ns, name);
    } catch (const std::exception& e) {
      if (!is_not_found(e)) throw;
      const Decision d = decide(std::nullopt, {}, now, wall, options_.identity, options_.timing);
      nlohmann::json fresh{{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"name", name}, {"namespace", ns}}}};
      apply_lease_record(fresh, d.record);
      lease_ = client_->create(resources::kLeases, ns, fresh);
      observation_ = Observation{d.record, now, now};
      note_holder(options_.identity);
      return Attempt::Held;
    }
    const LeaseRecord current = lease_record_from(lease);
    observation_ = observe(observation_, current, now, Clock::now(), max_read_gap(options_.timing));
    note_holder(current.holder_identity);
    const Decision d = decide(current, observation_, now, wall, options_.identity, options_.timing);
    if (d.action == Action::Wait) return Attempt::HeldByOther;
    apply_lease_record(lease, d.record);
    // The update carries the resourceVersion we read: if anyone wrote in between, it fails
    // with a conflict and nobody is overwritten.
    lease_ = client_->update(resources::kLeases, ns, lease);
    observation_ = Observation{d.record, now, now};
    note_holder(options_.identity);
    return Attempt::Held;
  } catch (const std::exception& e) {
    spdlog::debug("leader election: {} attempt on {}/{} failed: {}", options_.identity, ns, name,
                  e.what());
    return Attempt::Failed;
  } catch (...) {
    // Rethrown by the future in run() this would end the election thread and the process.
    spdlog::debug("leader election: {} attempt on {}/{} failed: non-standard exception",
                  options_.identity, ns, name);
    return Attempt::Failed;
  }
}

void LeaderElector::release() {
  if (!lease_.is_object()) return;
  try {
    nlohmann::json lease = lease_;
    apply_lease_record(lease, released_record(lease_record_from(lease), std::chrono::system_clock::now()));
    client_->update(resources::kLeases, options_.lease_namespace, lease);
    spdlog::info("leader election: {} released lease {}/{}", options_.identity,
                 options_.lease_namespace, options_.lease_name);
  } catch (const std::exception& e) {
    // Not fatal: the lease simply expires after its duration.
    spdlog::warn("leader election: {} could not release lease {}/{}: {}", options_.identity,
                 options_.lease_namespace, options_.lease_name, e.what());
  }
}

}  // namespace redraft::runtime::leader
