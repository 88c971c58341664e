// Shared bits of the runtime benchmarks: RSS of this process, and the AgenticTask the operator
// would create (realistic field sizes), so memory figures mean something.
#pragma once

#include <malloc.h>

#include <cstdio>
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

inline nlohmann::json sample_status() {
  return {{"phase", "Succeeded"},
          {"verdict", "PUSHED"},
          {"branch", "redraft/demo/1042"},
          {"commitSha", "e83c5163316f89bfbde7d9ab23ca2e25604af290"},
          {"baseSha", "9fceb02d0ae598e95dc970b74767f19372d61af8"},
          {"restore", {{"outcome", "restored"}, {"fromSha", "9fceb02d0ae598e95dc970b74767f19372d61af8"}}},
          {"summary", "Empty configuration files now load the defaults; added a regression test."},
          {"podName", "demo-1042-code-r1-a1"},
          {"attempts", 1},
          {"startTime", "2026-11-21T12:00:00Z"},
          {"completionTime", "2026-11-21T12:04:10Z"},
          {"conditions",
           nlohmann::json::array({{{"type", "Ready"},
                                   {"status", "True"},
                                   {"reason", "Succeeded"},
                                   {"message", "pushed e83c516"},
                                   {"lastTransitionTime", "2026-11-21T12:04:10Z"}}})}};
}

}  // namespace redraft::bench
