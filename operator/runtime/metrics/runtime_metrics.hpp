#pragma once
// The controller runtime's own metrics, with controller-runtime / client-go names and labels so
// existing dashboards and alerts work unchanged:
//   controller_runtime_reconcile_total{controller,result}   result: success|error|requeue|requeue_after
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_reconcile_time_seconds{controller}   (histogram)
//   controller_runtime_active_workers{controller}, controller_runtime_max_concurrent_reconciles{controller}
//   workqueue_depth{name}, workqueue_adds_total{name}, workqueue_retries_total{name},
//   workqueue_queue_duration_seconds{name}, workqueue_work_duration_seconds{name} (histograms)
//   rest_client_requests_total{code,method,host}
//   rest_client_request_duration_seconds{verb,host}         (histogram)
//   redraft_cache_objects{resource}                         (gauge, set by the cache owner)

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/queue/work_queue.hpp"

namespace redraft::runtime::metrics {

namespace reconcile_result {
inline constexpr const char* kSuccess = "success";
inline constexpr const char* kError = "error";
inline constexpr const char* kRequeue = "requeue";
inline constexpr const char* kRequeueAfter = "requeue_after";
}  // namespace reconcile_result

// Per-controller reconcile metrics. Creating one registers the families (idempotently) and
// initialises every result series to 0, so rate() queries work from the first scrape.
class ReconcileMetrics {
 public:
  ReconcileMetrics(Registry& registry, const std::string& controller, int max_concurrent = 1);
  void result(std::string_view result);  // one of reconcile_result::*
  void error();
  void duration(double seconds);
  Gauge& active_workers() { return active_; }

 private:
  CounterFamily& total_;
  Counter& errors_;
  Histogram& time_;
  Gauge& active_;
  std::string controller_;
};

// A work queue observer that feeds the workqueue_* metrics for queue `name`.
std::shared_ptr<queue::QueueObserver> workqueue_observer(Registry& registry, const std::string& name);

// The signature of the API client's request observer (runtime-client's set_request_observer).
using RequestObserver =
    std::function<void(std::string_view method, std::string_view host, int code, double seconds)>;
// An observer that records rest_client_* metrics in `registry` (which must outlive it).
// code <= 0 (no HTTP answer: connection refused, timeout) is recorded as code="<error>",
// like client-go.
RequestObserver rest_client_observer(Registry& registry);

// The object-count gauge of one cached resource (e.g. "agentictasks.redraft.dev").
Gauge& cache_objects_gauge(Registry& registry, const std::string& resource);

// A cache size observer (the shape of cache::InformerOptions::size_observer) that sets
// redraft_cache_objects{resource}. The series exists (at 0) from this call on, so a scrape
// before the first list shows an empty cache rather than no cache. `registry` must outlive it.
std::function<void(std::size_t objects)> cache_size_observer(Registry& registry,
                                                             const std::string& resource);

}  // namespace redraft::runtime::metrics
