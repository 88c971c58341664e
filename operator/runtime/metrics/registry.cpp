#include "operator/runtime/metrics/registry.hpp"

#include "operator/runtime/metrics/exposition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

namespace redraft::runtime::metrics {

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

namespace {
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == ':'; });
}

bool is_valid_label_name(std::string_view name) {
  // Names starting with "__" are reserved for Prometheus' internal use.
  if (name.empty() || is_digit(name.front()) || name.starts_with("__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

void Counter::inc(double amount) {
  if (!(amount >= 0)) {  // also rejects NaN
    throw std::invalid_argument("counter increment must be non-negative, got " +
                                std::to_string(amount));
  }
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (!std::isfinite(upper_bounds_[i])) {
      throw std::invalid_argument("histogram bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(upper_bounds_[i - 1] < upper_bounds_[i])) {
      throw std::invalid_argument("histogram bucket bounds must be strictly increasing, got " +
                                  std::to_string(upper_bounds_[i - 1]) + " then " +
                                  std::to_string(upper_bounds_[i]));
    }
  }
}

void Histogram::observe(double value) {
  // Bucket i counts observations <= bound i ("le"): lower_bound finds the first bound >= value.
  // NaN compares false with everything; like the Go client it lands in the +Inf bucket.
  const auto index =
      std::isnan(value)
          ? upper_bounds_.size()
          : static_cast<std::size_t>(
                std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
                upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[index];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  snap.cumulative_counts.reserve(counts_.size());
  for (auto c : counts_) {
    running += c;
    snap.cumulative_counts.push_back(running);
  }
  snap.sum = sum_;
  snap.count = count_;
  return snap;
}

std::vector<double> reconcile_time_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5,
          6,     7,    8,     9,    10,   15,  20,   25,  30,  40,  50,  60};
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    throw std::invalid_argument("exponential buckets need start > 0, factor > 1 and count >= 1");
  }
  std::vector<double> buckets;
  buckets.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    buckets.push_back(start);
    start *= factor;
  }
  return buckets;
}

namespace detail {

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  if (!is_valid_metric_name(name_)) {
    throw std::invalid_argument("invalid metric name \"" + name_ + "\"");
  }
  std::set<std::string> seen;
  for (const auto& label : label_names_) {
    if (!is_valid_label_name(label)) {
      throw std::invalid_argument("metric " + name_ + ": invalid label name \"" + label + "\"");
    }
    if (type_ == MetricType::Histogram && label == "le") {
      throw std::invalid_argument("metric " + name_ + ": label name \"le\" is reserved for buckets");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument("metric " + name_ + ": duplicate label name \"" + label + "\"");
    }
  }
}

void FamilyBase::check_arity(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + " expects " +
                                std::to_string(label_names_.size()) + " label values, got " +
                                std::to_string(values.size()));
  }
}

}  // namespace detail

template <class Metric>
Family<Metric>::Family(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names, std::vector<double> buckets)
    : detail::FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
      buckets_(std::move(buckets)) {
  if constexpr (std::is_same_v<Metric, Histogram>) {
    Histogram probe(buckets_);  // validates the bounds before any child exists
  }
}

template <class Metric>
Metric& Family<Metric>::with(const std::vector<std::string>& label_values) {
  check_arity(label_values);
  std::lock_guard lock(mutex_);
  auto& slot = children_[label_values];
  if (!slot) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      slot = std::make_unique<Histogram>(buckets_);
    } else {
      slot = std::make_unique<Metric>();
    }
  }
  return *slot;
}

namespace {
std::vector<std::pair<std::string, std::string>> zip_labels(const std::vector<std::string>& names,
                                                             const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::string>> labels;
  labels.reserve(names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    labels.emplace_back(names[i], values[i]);
  }
  return labels;
}
}  // namespace

template <class Metric>
FamilySnapshot Family<Metric>::snapshot() const {
  FamilySnapshot snap{name(), help(), type(), {}};
  std::lock_guard lock(mutex_);
  for (const auto& [values, child] : children_) {
    auto labels = zip_labels(label_names(), values);
    if constexpr (std::is_same_v<Metric, Histogram>) {
      const auto h = child->snapshot();
      for (std::size_t i = 0; i < h.cumulative_counts.size(); ++i) {
        const double le = i < h.upper_bounds.size() ? h.upper_bounds[i]
                                                    : std::numeric_limits<double>::infinity();
        auto bucket_labels = labels;
        bucket_labels.emplace_back("le", format_value(le));
        snap.samples.push_back({name() + "_bucket", std::move(bucket_labels),
                                static_cast<double>(h.cumulative_counts[i])});
      }
      snap.samples.push_back({name() + "_sum", labels, h.sum});
      snap.samples.push_back({name() + "_count", labels, static_cast<double>(h.count)});
    } else {
      snap.samples.push_back({name(), std::move(labels), child->value()});
    }
  }
  return snap;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <class F>
F& Registry::get_or_add(const std::string& name, const std::string& help, MetricType type,
                        std::vector<std::string> label_names, std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<F*>(it->second.get());
    if (existing == nullptr || existing->type() != type || existing->label_names() != label_names ||
        existing->buckets() != buckets) {
      throw std::invalid_argument("metric " + name +
                                  " is already registered with a different type, labels or buckets");
    }
    return *existing;
  }
  auto family = std::make_unique<F>(name, help, type, std::move(label_names), std::move(buckets));
  F& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  return get_or_add<CounterFamily>(name, help, MetricType::Counter, std::move(label_names), {});
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  return get_or_add<GaugeFamily>(name, help, MetricType::Gauge, std::move(label_names), {});
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets) {
  return get_or_add<HistogramFamily>(name, help, MetricType::Histogram, std::move(label_names),
                                     std::move(buckets));
}

std::vector<FamilySnapshot> Registry::collect() const {
  std::lock_guard lock(mutex_);
  std::vector<FamilySnapshot> out;
  out.reserve(families_.size());
  for (const auto& [name, family] : families_) {
    out.push_back(family->snapshot());
  }
  return out;
}

}  // namespace redraft::runtime::metrics
