// The AgenticTask controller shell: resolves the Agent (and forkOf), creates the task's input
// ConfigMap and its Pod for the current attempt (build_pod.hpp, pure), follows the Pod, reads the
// executor's result (termination message, else the last REDRAFT-RESULT log line) and writes the
// task status only when it changed. Infrastructure failures start a new attempt up to
// backoffLimit; model outcomes never retry.
//
// Wiring (done in the constructor): AgenticTask changes enqueue the task; Pod changes enqueue
// their controlling AgenticTask (owner reference); Agent changes enqueue the tasks in the Agent's
// namespace that reference it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api/types.hpp"
#include "operator/controllers/agentictask/pod_view.hpp"
#include "operator/controllers/common/operator_metrics.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/events/event_recorder.hpp"
#include "operator/runtime/metrics/registry.hpp"

namespace redraft::controllers::agentictask {

// The label selector of the operator's Pod informer (every task Pod carries this label).
inline constexpr const char* kPodSelector = "app.kubernetes.io/managed-by=redraft-operator";

struct AgenticTaskControllerOptions {
  std::string executor_image = "redraft/executor:dev";  // --executor-image
  std::string task_service_account;                      // --task-service-account ("" ⇒ none)
  // A Pod whose containers cannot start (CreateContainerConfigError such as a missing Secret,
  // ErrImagePull, ...) for this long counts as an infrastructure failure of the attempt.
  std::chrono::seconds pod_start_timeout{120};
  int workers = 1;                                  // --max-concurrent-reconciles
  runtime::metrics::Registry* registry = nullptr;   // controller_runtime_* / workqueue_* metrics
  OperatorMetrics* metrics = nullptr;               // redraft_* metrics (optional)
};

class AgenticTaskController {
 public:
  // Every reference must outlive the controller. `pods` must be an informer over
  // resources::kPods with label_selector kPodSelector.
  AgenticTaskController(runtime::Client& client, runtime::cache::Informer<api::AgenticTask>& tasks,
                        runtime::cache::Informer<api::Agent>& agents,
                        runtime::cache::Informer<PodView>& pods,
                        runtime::events::Recorder& recorder, AgenticTaskControllerOptions options);
  ~AgenticTaskController();
  AgenticTaskController(const AgenticTaskController&) = delete;
  AgenticTaskController& operator=(const AgenticTaskController&) = delete;

  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::controllers::agentictask
