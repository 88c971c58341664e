#include "operator/runtime/queue/work_queue.hpp"

#include <utility>

namespace redraft::runtime::queue {

namespace {
double seconds_between(WorkQueue::Clock::time_point from, WorkQueue::Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}
}  // namespace

WorkQueue::WorkQueue(BackoffConfig backoff, std::shared_ptr<QueueObserver> observer)
    : limiter_(backoff), observer_(std::move(observer)) {}

WorkQueue::~WorkQueue() { shutdown(); }

bool WorkQueue::insert_locked(const std::string& key, Clock::time_point now) {
  if (shutting_down_ || dirty_.contains(key)) {
    return false;  // already queued (or due to be re-queued by done()): collapse
  }
  dirty_.insert(key);
  if (observer_) {
    observer_->added();
  }
  if (processing_.contains(key)) {
    return false;  // done() queues it again; a worker must not see it twice at once
  }
  queue_.push_back(key);
  queued_at_.emplace(key, now);
  if (observer_) {
    observer_->depth(queue_.size());
  }
  return true;
}

void WorkQueue::add(const std::string& key) {
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    queued = insert_locked(key, Clock::now());
  }
  if (queued) {
    cond_.notify_one();
  }
}

void WorkQueue::add_after(const std::string& key, Duration delay) {
  if (delay <= Duration::zero()) {
    add(key);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_) {
      return;
    }
    const auto ready = Clock::now() + delay;
    auto it = waiting_.find(key);
    if (it != waiting_.end()) {
      if (it->second <= ready) {
        return;  // an earlier wake-up is already scheduled
      }
      auto range = waiting_by_time_.equal_range(it->second);
      for (auto pos = range.first; pos != range.second; ++pos) {
        if (pos->second == key) {
          waiting_by_time_.erase(pos);
          break;
        }
      }
      it->second = ready;
    } else {
      waiting_.emplace(key, ready);
    }
    waiting_by_time_.emplace(ready, key);
  }
  // Waiting workers recompute how long to sleep: the new key may be due before anything else.
  cond_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_) {
      return;
    }
    if (observer_) {
      observer_->retried();
    }
  }
  add_after(key, limiter_.when(key));
}

void WorkQueue::forget(const std::string& key) { limiter_.forget(key); }

std::size_t WorkQueue::num_requeues(const std::string& key) const { return limiter_.retries(key); }

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
    auto node = waiting_by_time_.extract(waiting_by_time_.begin());
    waiting_.erase(node.mapped());
    insert_locked(node.mapped(), now);
  }
}

std::optional<WorkQueue::Clock::time_point> WorkQueue::next_due_locked() const {
  if (waiting_by_time_.empty()) {
    return std::nullopt;
  }
  return waiting_by_time_.begin()->first;
}

std::optional<std::string> WorkQueue::get() { return get_until(std::nullopt); }

std::optional<std::string> WorkQueue::get_for(Duration timeout) {
  return get_until(Clock::now() + timeout);
}

std::optional<std::string> WorkQueue::get_until(std::optional<Clock::time_point> deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shutting_down_) {
      return std::nullopt;
    }
    const auto now = Clock::now();
    promote_due_locked(now);
    if (!queue_.empty()) {
      break;
    }
    if (deadline && now >= *deadline) {
      return std::nullopt;
    }
    // Sleep until woken, the next delayed key is due, or the caller's deadline — whichever first.
    auto wake = next_due_locked();
    if (deadline && (!wake || *deadline < *wake)) {
      wake = deadline;
    }
    if (wake) {
      cond_.wait_until(lock, *wake);
    } else {
      cond_.wait(lock);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  const auto now = Clock::now();
  processing_.insert(key);
  dirty_.erase(key);
  started_at_[key] = now;
  if (auto it = queued_at_.find(key); it != queued_at_.end()) {
    if (observer_) {
      observer_->started(seconds_between(it->second, now));
    }
    queued_at_.erase(it);
  }
  if (observer_) {
    observer_->depth(queue_.size());
  }
  return key;
}

void WorkQueue::done(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    if (processing_.erase(key) == 0) {
      return;  // not handed out (or already done): nothing to finish
    }
    if (auto it = started_at_.find(key); it != started_at_.end()) {
      if (observer_) {
        observer_->finished(seconds_between(it->second, now));
      }
      started_at_.erase(it);
    }
    if (dirty_.contains(key) && !shutting_down_) {
      queue_.push_back(key);
      queued_at_.emplace(key, now);
      if (observer_) {
        observer_->depth(queue_.size());
      }
    }
  }
  // notify_all: besides a worker waiting for work, shutdown_with_drain() may wait for processing
  // to become empty.
  cond_.notify_all();
}

void WorkQueue::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    queue_.clear();
    dirty_.clear();
    queued_at_.clear();
    waiting_.clear();
    waiting_by_time_.clear();
    if (observer_) {
      observer_->depth(0);
    }
  }
  cond_.notify_all();
}

void WorkQueue::shutdown_with_drain() {
  shutdown();
  std::unique_lock lock(mutex_);
  cond_.wait(lock, [this] { return processing_.empty(); });
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::len() {
  std::lock_guard lock(mutex_);
  promote_due_locked(Clock::now());
  return queue_.size();
}

std::size_t WorkQueue::processing() const {
  std::lock_guard lock(mutex_);
  return processing_.size();
}

}  // namespace redraft::runtime::queue
