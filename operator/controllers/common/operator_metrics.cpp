#include "operator/controllers/common/operator_metrics.hpp"

#include <string>

namespace redraft::controllers {

OperatorMetrics::OperatorMetrics(runtime::metrics::Registry& registry)
    : tasks_(registry.counter("redraft_tasks_total",
                              "AgenticTasks that reached a terminal phase, by kind, verdict and reason.",
                              {"kind", "verdict", "reason"})),
      restores_(registry.counter("redraft_restore_total",
                                 "Prior-attempt restores of revision tasks, by outcome.", {"outcome"})),
      lease_rejections_(registry.counter(
          "redraft_lease_rejections_total",
          "Pushes refused because the remote branch moved since it was observed.")),
      phase_seconds_(registry.histogram(
          "redraft_task_phase_seconds", "Seconds a task spent in each executor phase.", {"phase"},
          runtime::metrics::exponential_buckets(0.1, 2, 16))),
      item_iterations_(registry.histogram("redraft_item_iterations",
                                          "Review iterations a Workload item needed to finish.", {},
                                          {0, 1, 2, 3, 4, 5, 7, 10})) {}

void OperatorMetrics::task_finished(std::string_view kind, std::string_view verdict,
                                    std::string_view reason) {
  tasks_.with({std::string(kind), std::string(verdict), std::string(reason)}).inc();
}

void OperatorMetrics::restore(std::string_view outcome) {
  restores_.with({std::string(outcome)}).inc();
}

void OperatorMetrics::lease_rejected() { lease_rejections_.with({}).inc(); }

void OperatorMetrics::phase_duration(std::string_view phase, double seconds) {
  if (seconds < 0) return;
  phase_seconds_.with({std::string(phase)}).observe(seconds);
}

void OperatorMetrics::item_finished(long iterations) {
  item_iterations_.with({}).observe(static_cast<double>(iterations));
}

}  // namespace redraft::controllers
