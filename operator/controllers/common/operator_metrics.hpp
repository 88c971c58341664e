// The redraft_* metrics (DESIGN.md §5), registered once in the operator's registry and shared by
// both controllers. Children are looked up per observation (label values vary).
#pragma once

#include <string_view>

#include "operator/runtime/metrics/registry.hpp"

namespace redraft::controllers {

class OperatorMetrics {
 public:
  explicit OperatorMetrics(runtime::metrics::Registry& registry);

  // A task reached a terminal phase (counted once, when the controller writes that status).
  void task_finished(std::string_view kind, std::string_view verdict, std::string_view reason);
  // A revision's restore outcome (restored | fallback | none).
  void restore(std::string_view outcome);
  void lease_rejected();
  // Seconds a task spent in an executor phase (prepare | agent | publish).
  void phase_duration(std::string_view phase, double seconds);
  // Review iterations an item needed when it finished (Succeeded or Failed).
  void item_finished(long iterations);

 private:
  runtime::metrics::CounterFamily& tasks_;
  runtime::metrics::CounterFamily& restores_;
  runtime::metrics::CounterFamily& lease_rejections_;
  runtime::metrics::HistogramFamily& phase_seconds_;
  runtime::metrics::HistogramFamily& item_iterations_;
};

}  // namespace redraft::controllers
