#pragma once
// A small Prometheus metrics registry: counters, gauges and histograms, each a family of children
// keyed by label values. Updates are lock-free for counters/gauges and take a short per-histogram
// lock (so a scrape always sees a histogram whose buckets, sum and count agree).
//
// Registration is idempotent: asking again for a family with the same name, type, labels (and
// buckets) returns the existing one, so several controllers can share runtime metrics. A name
// clash with a different shape, or an invalid metric/label name, throws std::invalid_argument
// naming the offending value.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::runtime::metrics {

enum class MetricType { Counter, Gauge, Histogram };
std::string_view type_name(MetricType type);

// One exposition line: `<name>{<labels>} <value>`.
struct Sample {
  std::string name;  // full sample name, e.g. foo_bucket
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// A consistent copy of one family, ready to render.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::Counter;
  std::vector<Sample> samples;
};

class Counter {
 public:
  // Counters only go up: a negative increment throws std::invalid_argument.
  void inc(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` must be strictly increasing and finite; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound, then the +Inf bucket
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // non-cumulative, last one is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Buckets used by controller-runtime's reconcile_time_seconds.
std::vector<double> reconcile_time_buckets();
// `count` buckets start, start*factor, ... (like prometheus.ExponentialBuckets).
std::vector<double> exponential_buckets(double start, double factor, int count);

namespace detail {
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual FamilySnapshot snapshot() const = 0;

 protected:
  // Throws std::invalid_argument unless there is exactly one value per label name.
  void check_arity(const std::vector<std::string>& values) const;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};
}  // namespace detail

// A metric family: one child per distinct combination of label values. References returned by
// with() stay valid for the registry's lifetime, so hot paths can look a child up once.
template <class Metric>
class Family : public detail::FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::vector<double> buckets = {});
  Metric& with(const std::vector<std::string>& label_values);
  const std::vector<double>& buckets() const { return buckets_; }
  FamilySnapshot snapshot() const override;

 private:
  std::vector<double> buckets_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> buckets);

  // Every family, sorted by name.
  std::vector<FamilySnapshot> collect() const;

 private:
  template <class F>
  F& get_or_add(const std::string& name, const std::string& help, MetricType type,
                std::vector<std::string> label_names, std::vector<double> buckets);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<detail::FamilyBase>> families_;
};

// Metric and label name rules of the Prometheus data model.
bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace redraft::runtime::metrics
