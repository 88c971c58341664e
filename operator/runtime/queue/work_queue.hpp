#pragma once
// A rate-limited, delaying work queue with client-go semantics:
//  - a key is handed to at most one worker at a time (it sits in `processing` until done());
//  - adding a key that is already queued is a no-op, and adding a key that is being processed
//    marks it dirty so it is queued once more when the worker calls done() — any number of adds
//    while processing collapse into exactly one follow-up;
//  - add_after() delays a key; add_rate_limited() delays it by the key's exponential backoff;
//  - shutdown() wakes every waiting worker; get() then returns nothing.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "operator/runtime/queue/rate_limiter.hpp"

namespace redraft::runtime::queue {

// Receives the queue's measurements (implemented by the metrics module; the queue itself does
// not depend on any metrics library). Calls are made under the queue's lock: implementations must
// be quick and must not call back into the queue.
class QueueObserver {
 public:
  virtual ~QueueObserver() = default;
  virtual void added() = 0;                            // a key entered the queue
  virtual void depth(std::size_t depth) = 0;           // current number of queued keys
  virtual void started(double queued_seconds) = 0;     // a worker picked a key up
  virtual void finished(double work_seconds) = 0;      // the worker called done()
  virtual void retried() = 0;                          // add_rate_limited() was called
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(BackoffConfig backoff = {}, std::shared_ptr<QueueObserver> observer = nullptr);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue();

  void add(const std::string& key);
  // Adds `key` once `delay` has passed. A key already waiting keeps the earlier of both times.
  void add_after(const std::string& key, Duration delay);
  // Adds `key` after its next backoff step (5 ms, 10 ms, ... up to the cap).
  void add_rate_limited(const std::string& key);
  // Resets the key's backoff (after a successful reconcile).
  void forget(const std::string& key);
  std::size_t num_requeues(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (then returns std::nullopt).
  std::optional<std::string> get();
  // Same, but gives up after `timeout` (returns std::nullopt).
  std::optional<std::string> get_for(Duration timeout);
  // Marks a key handed out by get() as finished; re-queues it if it was added meanwhile.
  void done(const std::string& key);

  // Stops handing out keys; pending and delayed keys are dropped, waiting workers wake up.
  void shutdown();
  // shutdown(), then waits until every key handed out has been marked done().
  void shutdown_with_drain();
  bool shutting_down() const;

  // Keys ready to be handed out (delayed keys count once they are due).
  std::size_t len();
  // Keys currently handed out to workers.
  std::size_t processing() const;

 private:
  std::optional<std::string> get_until(std::optional<Clock::time_point> deadline);
  // The helpers below require mutex_ to be held.
  bool insert_locked(const std::string& key, Clock::time_point now);
  void promote_due_locked(Clock::time_point now);
  std::optional<Clock::time_point> next_due_locked() const;

  ExponentialRateLimiter limiter_;
  std::shared_ptr<QueueObserver> observer_;

  mutable std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, Clock::time_point> queued_at_;
  std::unordered_map<std::string, Clock::time_point> started_at_;
  // Delayed keys: ready time per key, plus an ordered index (ready time, key) to find the next one.
  std::unordered_map<std::string, Clock::time_point> waiting_;
  std::multimap<Clock::time_point, std::string> waiting_by_time_;
  bool shutting_down_ = false;
};

}  // namespace redraft::runtime::queue
