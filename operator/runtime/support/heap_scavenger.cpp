#include "operator/runtime/support/heap_scavenger.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <utility>

namespace redraft::runtime::support {

void release_free_heap() {
  // Not under AddressSanitizer: its allocator replaces malloc, so glibc's heap is unused, and
  // malloc_trim there initialises glibc's malloc from whichever thread calls it first (a
  // reflector's). That thread then takes the main arena without counting itself in, and its exit
  // aborts the process ("malloc assertion failure in __malloc_arena_thread_freeres").
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
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
