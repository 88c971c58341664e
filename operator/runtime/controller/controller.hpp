#pragma once
// The controller loop: N workers take keys from a work queue and call the reconciler; the
// outcome decides whether the key is forgotten, retried with backoff, retried after a delay, or
// (409 Conflict) retried at once without counting as an error. Exceptions never escape a worker:
// they are logged with the controller name and the key.

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "operator/runtime/controller/outcome.hpp"
#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/queue/work_queue.hpp"

namespace redraft::runtime::controller {

// Keys are "namespace/name" (or "name" for cluster-scoped objects).
using Reconciler = std::function<Result(const std::string& key)>;

struct Options {
  std::string name{};  // controller name: metrics label, log field and work queue name
  int workers = 1;    // concurrent reconciles (never two for the same key)
  queue::BackoffConfig backoff{};
  metrics::Registry* registry = nullptr;  // optional; must outlive the controller
  std::size_t immediate_conflict_retries = 5;
  // Recognises a 409 Conflict; defaults to redraft::runtime::is_conflict (client/errors.hpp).
  std::function<bool(const std::exception&)> is_conflict{};
};

class Controller {
 public:
  // Throws std::invalid_argument naming the field when `options` is unusable.
  Controller(Options options, Reconciler reconciler);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;
  ~Controller();  // stop()

  // Queues `key`; `reason` ("watch Modified", "owned Pod changed", ...) is logged when the key
  // is reconciled. Reasons given while the key waits are collected into that one log line.
  void enqueue(const std::string& key, std::string_view reason);
  void enqueue_after(const std::string& key, Duration delay, std::string_view reason);

  // Starts the workers. Calling start() twice, or after stop(), throws std::logic_error.
  void start();
  // Stops handing out keys, lets every running reconcile finish, joins the workers. Idempotent.
  void stop();

  const std::string& name() const { return options_.name; }
  queue::WorkQueue& queue() { return *queue_; }

 private:
  struct Metrics;
  void worker_loop();
  void process(const std::string& key);
  void note_reason(const std::string& key, std::string_view reason);
  std::vector<std::string> take_reasons(const std::string& key);
  std::size_t conflict_streak(const std::string& key, bool conflict);

  Options options_;
  Reconciler reconciler_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<queue::WorkQueue> queue_;

  std::mutex mutex_;  // guards reasons_, conflicts_, workers_, started_
  std::unordered_map<std::string, std::vector<std::string>> reasons_;
  std::unordered_map<std::string, std::size_t> conflicts_;
  std::vector<std::thread> workers_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace redraft::runtime::controller
