#include "operator/runtime/signals/shutdown_sequence.hpp"

#include <exception>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "operator/runtime/support/run_contained.hpp"

namespace redraft::runtime::signals {

void ShutdownSequence::add(std::string name, std::function<void()> step) {
  if (name.empty() || !step) {
    throw std::invalid_argument("shutdown step needs a name and a function (name: \"" + name + "\")");
  }
  std::lock_guard lock(mutex_);
  steps_.emplace_back(std::move(name), std::move(step));
}

std::vector<std::string> ShutdownSequence::run() {
  std::vector<std::pair<std::string, std::function<void()>>> steps;
  {
    std::lock_guard lock(mutex_);
    if (ran_) {
      return {};
    }
    ran_ = true;
    steps = steps_;
  }
  std::vector<std::string> failed;
  for (const auto& [name, step] : steps) {
    spdlog::info("shutdown: {}", name);
    if (auto error = support::run_contained(step)) {
      spdlog::error("shutdown step {} failed: {}", name, *error);
      failed.push_back(name);
    }
  }
  return failed;
}

}  // namespace redraft::runtime::signals
