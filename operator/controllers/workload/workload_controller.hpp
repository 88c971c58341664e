// The Workload controller shell: reads the caches, calls the pure planner (plan.hpp), creates
// the planned AgenticTasks (AlreadyExists is success; a permanent refusal — 400, 413, 422 — fails
// that task's item via a second plan, the other creates go on), records the planned events and
// writes the Workload status only when it changed.
//
// Wiring (done in the constructor): Workload changes enqueue the Workload; AgenticTask changes
// enqueue their controlling Workload (owner reference); Agent changes (existence, spec) enqueue
// every Workload in the Agent's namespace that references it (so creating a missing Agent or
// fixing an invalid one resumes planning).
#pragma once

#include <memory>

#include "api/types.hpp"
#include "operator/controllers/common/operator_metrics.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/events/event_recorder.hpp"
#include "operator/runtime/metrics/registry.hpp"

namespace redraft::controllers::workload {

struct WorkloadControllerOptions {
  int workers = 1;                                  // --max-concurrent-reconciles
  runtime::metrics::Registry* registry = nullptr;   // controller_runtime_* / workqueue_* metrics
  OperatorMetrics* metrics = nullptr;               // redraft_* metrics (optional)
};

class WorkloadController {
 public:
  // Every reference must outlive the controller. Handlers are added to the informers here, so
  // construct the controller before (or after) starting the informers: both work.
  WorkloadController(runtime::Client& client, runtime::cache::Informer<api::Workload>& workloads,
                     runtime::cache::Informer<api::AgenticTask>& tasks,
                     runtime::cache::Informer<api::Agent>& agents,
                     runtime::events::Recorder& recorder, WorkloadControllerOptions options);
  ~WorkloadController();
  WorkloadController(const WorkloadController&) = delete;
  WorkloadController& operator=(const WorkloadController&) = delete;

  void start();  // starts the workers (call after the caches synced)
  void stop();   // lets running reconciles finish; idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::controllers::workload
