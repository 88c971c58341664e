#include "operator/runtime/support/heap_scavenger.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <utility>

namespace redraft::runtime::support {

void release_free_heap() {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
}

HeapScavenger::HeapScavenger(std::chrono::milliseconds interval, std::function<void()> release) {
  thread_ = std::thread([this, interval, release = std::move(release)] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      release();
      lock.lock();
    }
  });
}

HeapScavenger::~HeapScavenger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace redraft::runtime::support
