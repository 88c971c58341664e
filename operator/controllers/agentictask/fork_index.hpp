// Which unfinished tasks fork which source task: "ns/source" → the keys ("ns/name") of the
// unfinished tasks whose spec.forkOf names it. Kept up to date from the task informer's
// handlers, so waking the forks of a finished task costs O(its forks) instead of a scan of every
// task in the namespace (O(n²) over a run of n tasks). Thread-safe; header-only.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/types.hpp"
#include "operator/runtime/cache/object_key.hpp"

namespace redraft::controllers::agentictask {

class ForkIndex {
 public:
  // Records `task` as it now is (added or updated): indexed iff it has a forkOf and is not
  // finished. `previous` is its former state (nullptr on add) whose entry is dropped first.
  void upsert(const api::AgenticTask* previous, const api::AgenticTask& task, bool finished) {
    std::lock_guard lock(mu_);
    if (previous != nullptr) erase_locked(*previous);
    if (finished) {
      erase_locked(task);
      return;
    }
    const std::string source = source_key(task);
    if (!source.empty()) by_source_[source].insert(task_key(task));
  }

  void erase(const api::AgenticTask& task) {
    std::lock_guard lock(mu_);
    erase_locked(task);
  }

  // The unfinished forks of the task named `name` in `ns`.
  std::vector<std::string> forks_of(std::string_view ns, std::string_view name) const {
    std::lock_guard lock(mu_);
    auto it = by_source_.find(runtime::cache::ObjectKey{ns, name}.str());
    if (it == by_source_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

  std::size_t sources() const {
    std::lock_guard lock(mu_);
    return by_source_.size();
  }

 private:
  static std::string task_key(const api::AgenticTask& t) { return runtime::cache::key_of(t).str(); }
  static std::string source_key(const api::AgenticTask& t) {
    if (!t.spec.forkOf || t.spec.forkOf->name.empty()) return "";
    return runtime::cache::ObjectKey{t.metadata.namespace_, t.spec.forkOf->name}.str();
  }
  void erase_locked(const api::AgenticTask& t) {
    const std::string source = source_key(t);
    if (source.empty()) return;
    auto it = by_source_.find(source);
    if (it == by_source_.end()) return;
    it->second.erase(task_key(t));
    if (it->second.empty()) by_source_.erase(it);  // no growth from finished or deleted forks
  }

  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>, std::less<>> by_source_;
};

}  // namespace redraft::controllers::agentictask
