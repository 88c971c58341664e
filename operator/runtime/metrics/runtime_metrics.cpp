#include "operator/runtime/metrics/runtime_metrics.hpp"

#include <atomic>

namespace redraft::runtime::metrics {

namespace {
CounterFamily& reconcile_total(Registry& r) {
  return r.counter("controller_runtime_reconcile_total",
                   "Total number of reconciliations per controller", {"controller", "result"});
}
}  // namespace

ReconcileMetrics::ReconcileMetrics(Registry& registry, const std::string& controller,
                                   int max_concurrent)
    : total_(reconcile_total(registry)),
      errors_(registry
                  .counter("controller_runtime_reconcile_errors_total",
                           "Total number of reconciliation errors per controller", {"controller"})
                  .with({controller})),
      time_(registry
                .histogram("controller_runtime_reconcile_time_seconds",
                           "Length of time per reconciliation per controller", {"controller"},
                           reconcile_time_buckets())
                .with({controller})),
      active_(registry
                  .gauge("controller_runtime_active_workers",
                         "Number of currently used workers per controller", {"controller"})
                  .with({controller})),
      controller_(controller) {
  // Added, not set: the operator runs one controller of a kind per watched namespace under the
  // same name, and together they allow the sum of their workers.
  registry
      .gauge("controller_runtime_max_concurrent_reconciles",
             "Maximum number of concurrent reconciles per controller", {"controller"})
      .with({controller})
      .inc(max_concurrent);
  for (const char* r : {reconcile_result::kSuccess, reconcile_result::kError,
                        reconcile_result::kRequeue, reconcile_result::kRequeueAfter}) {
    total_.with({controller_, r});
  }
}

void ReconcileMetrics::result(std::string_view result) {
  total_.with({controller_, std::string(result)}).inc();
}

void ReconcileMetrics::error() { errors_.inc(); }

void ReconcileMetrics::duration(double seconds) { time_.observe(seconds); }

namespace {
// client-go's workqueue duration buckets: 10ns .. 1000s, factor 10.
std::vector<double> queue_buckets() { return exponential_buckets(10e-9, 10, 12); }

class WorkqueueMetrics final : public queue::QueueObserver {
 public:
  WorkqueueMetrics(Registry& r, const std::string& name)
      : depth_(r.gauge("workqueue_depth", "Current depth of workqueue", {"name"}).with({name})),
        adds_(r.counter("workqueue_adds_total", "Total number of adds handled by workqueue",
                        {"name"})
                  .with({name})),
        retries_(r.counter("workqueue_retries_total", "Total number of retries handled by workqueue",
                           {"name"})
                     .with({name})),
        queue_duration_(r.histogram("workqueue_queue_duration_seconds",
                                    "How long in seconds an item stays in workqueue before being "
                                    "requested",
                                    {"name"}, queue_buckets())
                            .with({name})),
        work_duration_(r.histogram("workqueue_work_duration_seconds",
                                   "How long in seconds processing an item from workqueue takes",
                                   {"name"}, queue_buckets())
                           .with({name})) {}

  void added() override { adds_.inc(); }
  // Applied as a change, not set: queues of several controllers sharing a name (one per watched
  // namespace) then add up to their total depth instead of showing whichever reported last.
  void depth(std::size_t depth) override {
    const auto previous = last_depth_.exchange(depth);
    depth_.inc(static_cast<double>(depth) - static_cast<double>(previous));
  }
  void started(double queued_seconds) override { queue_duration_.observe(queued_seconds); }
  void finished(double work_seconds) override { work_duration_.observe(work_seconds); }
  void retried() override { retries_.inc(); }

 private:
  Gauge& depth_;
  std::atomic<std::size_t> last_depth_{0};
  Counter& adds_;
  Counter& retries_;
  Histogram& queue_duration_;
  Histogram& work_duration_;
};
}  // namespace

std::shared_ptr<queue::QueueObserver> workqueue_observer(Registry& registry, const std::string& name) {
  return std::make_shared<WorkqueueMetrics>(registry, name);
}

RequestObserver rest_client_observer(Registry& registry) {
  auto& requests = registry.counter("rest_client_requests_total",
                                    "Number of HTTP requests, partitioned by status code, method, "
                                    "and host",
                                    {"code", "method", "host"});
  auto& latency = registry.histogram(
      "rest_client_request_duration_seconds", "Request latency in seconds, by verb and host",
      {"verb", "host"}, {0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0});
  return [&requests, &latency](std::string_view method, std::string_view host, int code,
                               double seconds) {
    const std::string code_label = code > 0 ? std::to_string(code) : "<error>";
    requests.with({code_label, std::string(method), std::string(host)}).inc();
    latency.with({std::string(method), std::string(host)}).observe(seconds);
  };
}

Gauge& cache_objects_gauge(Registry& registry, const std::string& resource) {
  return registry.gauge("redraft_cache_objects", "Number of objects in the informer cache",
                        {"resource"})
      .with({resource});
}

std::function<void(std::size_t)> cache_size_observer(Registry& registry,
                                                     const std::string& resource) {
  Gauge& gauge = cache_objects_gauge(registry, resource);
  return [&gauge](std::size_t objects) { gauge.set(static_cast<double>(objects)); };
}

}  // namespace redraft::runtime::metrics
