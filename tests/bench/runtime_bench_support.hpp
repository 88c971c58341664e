// Shared bits of the runtime benchmarks: RSS of this process, and the AgenticTask the operator
// would create (realistic field sizes), so memory figures mean something.
#pragma once

#include <malloc.h>

#include <cstdio>
#include <cstdint>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

namespace redraft::bench {

// Resident set size in KiB (after giving freed heap back to the OS, so growth is honest).
inline long rss_kib() {
  malloc_trim(0);
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

// Bytes of heap in use: live allocations, including the large ones malloc maps separately, but
// not free memory the allocator keeps (fragmentation), which RSS does include.
inline long heap_in_use_bytes() {
  const auto info = mallinfo2();
  return static_cast<long>(info.uordblks + info.hblkhd);
}

// An AgenticTask as the Workload controller creates it (labels, owner reference, issue text),
// with a status as the task controller writes it after a run.
inline nlohmann::json sample_task(const std::string& ns, int i) {
  const std::string n = std::to_string(i);
  const std::string item = std::to_string(1000 + i % 500);
  return {
      {"apiVersion", "redraft.dev/v1alpha1"},
      {"kind", "AgenticTask"},
      {"metadata",
       {{"name", "demo-" + item + "-code-r" + n},
        {"namespace", ns},
        {"labels",
         {{"redraft.dev/workload", "demo"}, {"redraft.dev/item", item}, {"redraft.dev/iteration", "1"}}},
        {"ownerReferences",
         nlohmann::json::array({{{"apiVersion", "redraft.dev/v1alpha1"},
                                 {"kind", "Workload"},
                                 {"name", "demo"},
                                 {"uid", "2f1c7d3e-6b1a-4c55-9a0e-3d9f0f1b7a21"},
                                 {"controller", true},
                                 {"blockOwnerDeletion", true}}})}}},
      {"spec",
       {{"kind", "code"},
        {"agentRef", {{"name", "coder"}}},
        {"repo",
         {{"url", "https://git.example.com/acme/widgets.git"},
          {"credentialsSecretRef", {{"name", "widgets-git"}}}}},
        {"baseBranch", "main"},
        {"branch", "redraft/demo/" + item},
        {"issue",
         {{"number", 1000 + i % 500},
          {"title", "Parsing fails on empty configuration files"},
          {"body",
           "Loading an empty config.yaml crashes with \"bad conversion\". An empty file should "
           "give the default configuration."}}},
        {"intent", "Fix the reported bugs without changing the public API."},
        {"branchStrategy", "rebase"},
        {"allowOverwrite", true},
        {"reviseFromBranch", "redraft/demo/" + item},
        {"expectedRemoteSha", "9fceb02d0ae598e95dc970b74767f19372d61af8"}}},
  };
}

// A 40-hex-digit SHA that differs for every `seed` (deterministic, so runs compare).
inline std::string fake_sha(std::uint64_t seed) {
  char out[41];
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (int i = 0; i < 40; ++i) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    out[i] = "0123456789abcdef"[(x >> 60) & 0xF];
  }
  out[40] = '\0';
  return out;
}

// The status the task controller writes after run `i`. What is unique per run in reality is
// unique here too (commit SHA, pod name, times, the agent's summary), so interning in the cache
// is measured on realistic data, not on 10,000 copies of one status.
inline nlohmann::json sample_status(int i) {
  const std::string n = std::to_string(i);
  const std::string item = std::to_string(1000 + i % 500);
  const std::string commit = fake_sha(static_cast<std::uint64_t>(i) + 1);
  const std::string prior = fake_sha(1000000 + static_cast<std::uint64_t>(i % 500));
  char start[32], end[32];
  std::snprintf(start, sizeof start, "2026-11-21T%02d:%02d:%02dZ", (i / 3600) % 24, (i / 60) % 60, i % 60);
  std::snprintf(end, sizeof end, "2026-11-21T%02d:%02d:%02dZ", (i / 3600 + 1) % 24, (i / 60) % 60, i % 60);
  return {{"phase", "Succeeded"},
          {"verdict", "PUSHED"},
          {"branch", "redraft/demo/" + item},
          {"commitSha", commit},
          {"baseSha", "9fceb02d0ae598e95dc970b74767f19372d61af8"},
          {"restore", {{"outcome", "restored"}, {"fromSha", prior}}},
          {"summary", "Empty configuration files now load the defaults; added regression test #" + n + "."},
          {"podName", "demo-" + item + "-code-r" + n + "-a1"},
          {"attempts", 1},
          {"startTime", start},
          {"completionTime", end},
          {"conditions",
           nlohmann::json::array({{{"type", "Ready"},
                                   {"status", "True"},
                                   {"reason", "Succeeded"},
                                   {"message", "pushed " + commit.substr(0, 7)},
                                   {"lastTransitionTime", end}}})}};
}

}  // namespace redraft::bench
