#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "operator/runtime/support/heap_scavenger.hpp"

namespace redraft::runtime::support {
namespace {

using namespace std::chrono_literals;

TEST(HeapScavenger, ReleasesEveryIntervalUntilDestroyed) {
  std::atomic<int> calls{0};
  {
    HeapScavenger scavenger(20ms, [&] { ++calls; });
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (calls.load() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
  }
  const int at_stop = calls.load();
  EXPECT_GE(at_stop, 3);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), at_stop) << "no release after the scavenger is gone";
}

TEST(HeapScavenger, StopsAtOnceMidInterval) {
  const auto start = std::chrono::steady_clock::now();
  { HeapScavenger scavenger(std::chrono::hours(1), [] {}); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// What the scavenger is for: memory freed after a peak of small allocations (like decoded cache
// objects) stays resident under glibc until it is released.
TEST(ReleaseFreeHeap, GivesFreedSmallAllocationsBackToTheSystem) {
  std::vector<void*> blocks;
  for (int i = 0; i < 200000; ++i) {
    void* p = std::malloc(256);
    std::memset(p, 1, 256);
    blocks.push_back(p);
  }
  // Keep the last block: it pins the top of the heap, so only a trim can release the rest.
  for (std::size_t i = 0; i + 1 < blocks.size(); ++i) std::free(blocks[i]);
  const long before = rss_kib();
  release_free_heap();
  const long after = rss_kib();
  std::free(blocks.back());
  ASSERT_GT(before, 0);
  EXPECT_LT(after, before - 20000) << "RSS " << before << " KiB -> " << after << " KiB";
}
#endif

}  // namespace
}  // namespace redraft::runtime::support
