#include "operator/runtime/controller/controller.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"

namespace redraft::runtime::controller {

namespace {
// A key's reasons are collected while it waits; a flapping watch must not grow this unbounded.
constexpr std::size_t kMaxReasonsPerKey = 8;

std::string describe_delay(Duration delay) {
  return fmt::format("{:.3f}s", std::chrono::duration<double>(delay).count());
}
}  // namespace

struct Controller::Metrics {
  metrics::ReconcileMetrics reconcile;
};

Controller::Controller(Options options, Reconciler reconciler)
    : options_(std::move(options)), reconciler_(std::move(reconciler)) {
  if (options_.name.empty()) {
    throw std::invalid_argument("controller options: name must not be empty");
  }
  if (options_.workers < 1) {
    throw std::invalid_argument("controller " + options_.name +
                                ": workers must be at least 1, got " +
                                std::to_string(options_.workers));
  }
  if (!reconciler_) {
    throw std::invalid_argument("controller " + options_.name + ": reconciler must be set");
  }
  if (!options_.is_conflict) {
    options_.is_conflict = [](const std::exception& e) { return runtime::is_conflict(e); };
  }
  std::shared_ptr<queue::QueueObserver> observer;
  if (options_.registry != nullptr) {
    metrics_ = std::make_unique<Metrics>(
        Metrics{{*options_.registry, options_.name, options_.workers}});
    observer = metrics::workqueue_observer(*options_.registry, options_.name);
  }
  queue_ = std::make_unique<queue::WorkQueue>(options_.backoff, std::move(observer));
}

Controller::~Controller() { stop(); }

void Controller::note_reason(const std::string& key, std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto& reasons = reasons_[key];
  if (reasons.size() < kMaxReasonsPerKey &&
      std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    reasons.emplace_back(reason);
  }
}

std::vector<std::string> Controller::take_reasons(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto node = reasons_.extract(key);
  return node.empty() ? std::vector<std::string>{} : std::move(node.mapped());
}

std::size_t Controller::conflict_streak(const std::string& key, bool conflict) {
  std::lock_guard lock(mutex_);
  if (!conflict) {
    conflicts_.erase(key);
    return 0;
  }
  return ++conflicts_[key];
}

void Controller::enqueue(const std::string& key, std::string_view reason) {
  if (key.empty()) {
    // Called from watch handlers: a bad key must not throw into the informer.
    spdlog::warn("controller {}: ignoring an empty key (reason: {})", options_.name, reason);
    return;
  }
  note_reason(key, reason);
  queue_->add(key);
}

void Controller::enqueue_after(const std::string& key, Duration delay, std::string_view reason) {
  if (key.empty()) {
    spdlog::warn("controller {}: ignoring an empty key (reason: {})", options_.name, reason);
    return;
  }
  note_reason(key, reason);
  queue_->add_after(key, delay);
}

void Controller::start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopped_) {
    throw std::logic_error("controller " + options_.name + " was already started");
  }
  started_ = true;
  workers_.reserve(static_cast<std::size_t>(options_.workers));
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { worker_loop(); });
  }
  spdlog::info("controller {} started with {} workers", options_.name, options_.workers);
}

void Controller::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    workers.swap(workers_);
  }
  // Drain: running reconciles finish (and may still requeue — ignored once shut down).
  queue_->shutdown_with_drain();
  for (auto& worker : workers) {
    worker.join();
  }
  if (!workers.empty()) {
    spdlog::info("controller {} stopped", options_.name);
  }
}

void Controller::worker_loop() {
  while (auto key = queue_->get()) {
    process(*key);
    queue_->done(*key);
  }
}

void Controller::process(const std::string& key) {
  const auto reasons = take_reasons(key);
  spdlog::debug("controller {}: reconciling {} (reasons: {})", options_.name, key,
                reasons.empty() ? std::string("unspecified") : fmt::format("{}", fmt::join(reasons, ", ")));

  Outcome outcome = Outcome::Error;
  Duration requeue_after = Duration::zero();
  if (metrics_) {
    metrics_->reconcile.active_workers().inc();
  }
  const auto started = std::chrono::steady_clock::now();
  try {
    const Result result = reconciler_(key);
    outcome = classify(result);
    requeue_after = result.requeue_after;
  } catch (const std::exception& e) {
    if (options_.is_conflict(e)) {
      outcome = Outcome::Conflict;
      spdlog::debug("controller {}: {} hit a conflict, requeueing: {}", options_.name, key, e.what());
    } else {
      spdlog::error("controller {}: reconcile of {} failed: {}", options_.name, key, e.what());
    }
  } catch (...) {
    spdlog::error("controller {}: reconcile of {} failed with a non-standard exception",
                  options_.name, key);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const auto streak = conflict_streak(key, outcome == Outcome::Conflict);
  const Decision decision =
      decide(outcome, requeue_after, streak, options_.immediate_conflict_retries);
  if (metrics_) {
    metrics_->reconcile.active_workers().dec();
    metrics_->reconcile.duration(seconds);
    metrics_->reconcile.result(decision.result_label);
    if (decision.is_error) {
      metrics_->reconcile.error();
    }
  }

  switch (decision.action) {
    case QueueAction::Forget:
      queue_->forget(key);
      break;
    case QueueAction::ForgetAndAddAfter:
      queue_->forget(key);
      note_reason(key, "requeue after " + describe_delay(decision.delay));
      queue_->add_after(key, decision.delay);
      break;
    case QueueAction::AddRateLimited:
      note_reason(key, outcome == Outcome::Error      ? "retry after error"
                       : outcome == Outcome::Conflict ? "retry after repeated conflicts"
                                                      : "requeue requested");
      queue_->add_rate_limited(key);
      break;
    case QueueAction::AddNow:
      note_reason(key, "retry after conflict");
      queue_->add(key);
      break;
  }
}

}  // namespace redraft::runtime::controller
