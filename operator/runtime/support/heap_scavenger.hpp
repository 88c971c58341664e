// Hands the heap's free pages back to the operating system now and then, like Go's background
// scavenger does for client-go based operators. glibc keeps memory freed after a peak (a list,
// a burst of reconciles) as RSS for good; the operator's memory goal is about RSS.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace redraft::runtime::support {

// Returns free heap pages to the system (malloc_trim on glibc; nothing elsewhere).
void release_free_heap();

class HeapScavenger {
 public:
  // Calls `release` every `interval` on its own thread until destroyed.
  explicit HeapScavenger(std::chrono::milliseconds interval,
                         std::function<void()> release = release_free_heap);
  ~HeapScavenger();  // stops at once, even mid-interval
  HeapScavenger(const HeapScavenger&) = delete;
  HeapScavenger& operator=(const HeapScavenger&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace redraft::runtime::support
