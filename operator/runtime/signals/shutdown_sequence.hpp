#pragma once
// The ordered steps of a graceful shutdown, e.g. "controllers" (stop queues, drain workers),
// then "leader lease" (release it so a standby takes over at once), then "probe server".
// run() executes every step once, in the order added, even when an earlier one throws — a
// failing drain must not keep the lease held.

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace redraft::runtime::signals {

class ShutdownSequence {
 public:
  void add(std::string name, std::function<void()> step);
  // Runs the steps (only the first call does anything; later calls return at once). Returns the
  // names of the steps that threw.
  std::vector<std::string> run();

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::function<void()>>> steps_;
  bool ran_ = false;
};

}  // namespace redraft::runtime::signals
