// Metric registry: counters, gauges and latency histograms, named and labelled the Prometheus way.
//
// A Registry owns Families; a Family is one metric name with a fixed list of label names and one
// metric per distinct list of label values:
//
//   Registry reg;
//   auto& requests = reg.counter("opusperf_requests_total", "Requests served.", {"operation"});
//   Counter& video = requests.with({"video_processing"});   // look up once, keep the reference
//   video.inc();
//   auto& latency = reg.histogram("opusperf_latency_ns", "Operation latency.", {"operation"});
//   latency.with({"video_processing"}).record(elapsed_ns);
//   for (const FamilySnapshot& f : reg.collect()) { ... }   // export (Prometheus text, JSON)
//
// Ownership: the Registry owns every Family and every metric; references it returns stay valid, at
// the same address, for the Registry's lifetime. Nothing is ever removed.
//
// Thread-safety: every method of Registry and Family may be called from many threads. Registering
// a family takes a mutex; Family::with() takes a shared lock (an exclusive one only the first time
// a label set is seen); updating a metric (inc, set, add, record) is lock-free.
//
// Cost: an update is one atomic RMW (counter, gauge: about 2 ns) or a LatencyHistogram::record
// (about 7 ns); with() hashes its label values and takes a shared lock, about 35-55 ns for two
// labels (BM_FamilyWithLookup), so hot paths should keep the returned reference. collect() copies
// every metric (a histogram snapshot walks its 3776 buckets).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "opusperf/monitor/latency_histogram.h"

namespace opusperf {

// A monotonically increasing count (requests served, bytes read). Lock-free; not copyable.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds n (default 1). Wraps modulo 2^64.
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  // Returns the current count.
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (queue depth, bytes in use). Lock-free; not copyable.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  // Sets the value to v.
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  // Adds d (negative to subtract). Atomic with respect to other add()/set() calls.
  void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  // Returns the current value.
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

enum class MetricKind { kCounter, kGauge, kHistogram };

// Returns "counter", "gauge" or "histogram" (the Prometheus TYPE names).
std::string_view to_string(MetricKind kind);

// Returns whether name is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool is_valid_metric_name(std::string_view name);
// Returns whether name is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"
// (reserved by Prometheus for internal use).
bool is_valid_label_name(std::string_view name);

// One labelled metric's value at collect() time.
struct MetricSample {
  std::vector<std::string> label_values;  // in the order of FamilySnapshot::label_names
  // Counter: its count (exact up to 2^53); gauge: its value; histogram: histogram->sum() as a
  // double, for convenience.
  double value = 0.0;
  // Set for histograms only.
  std::optional<HistogramSnapshot> histogram;
};

// One family's metrics at collect() time; samples are in creation order.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricKind kind = MetricKind::kCounter;
  std::vector<std::string> label_names;
  std::vector<MetricSample> samples;
};

// A metric name with fixed label names and one metric M per distinct label-value list. Obtain one
// from Registry (which owns it); not copyable. M is Counter, Gauge or LatencyHistogram.
template <class M>
class Family {
 public:
  using MetricType = M;

  // Used by Registry; validates nothing (Registry does).
  Family(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Returns the metric for these label values, creating it (zeroed) on first use. The reference
  // stays valid for the owning Registry's lifetime; keep it on hot paths instead of calling with()
  // per event. Label values may be any string (escaping is the exporter's job).
  // REQUIRES: label_values.size() == label_names().size(), else throws std::invalid_argument.
  M& with(const std::vector<std::string>& label_values) {
    if (label_values.size() != label_names_.size()) {
      throw std::invalid_argument("metric " + name_ + ": expected " +
                                  std::to_string(label_names_.size()) + " label values, got " +
                                  std::to_string(label_values.size()));
    }
    {
      std::shared_lock lock(mu_);
      auto it = index_.find(label_values);
      if (it != index_.end()) return it->second->metric;
    }
    std::unique_lock lock(mu_);
    auto it = index_.find(label_values);  // another thread may have created it meanwhile
    if (it != index_.end()) return it->second->metric;
    Entry& e = entries_.emplace_back(label_values);  // deque: existing entries never move
    index_.emplace(label_values, &e);
    return e.metric;
  }

  // Calls f(const std::vector<std::string>& label_values, const M& metric) for each metric, in
  // creation order. f runs without the family's lock held, so it may call with(); metrics created
  // meanwhile may or may not be visited.
  template <class F>
  void for_each(F&& f) const {
    std::vector<const Entry*> entries;
    {
      std::shared_lock lock(mu_);
      entries.reserve(entries_.size());
      for (const Entry& e : entries_)
        entries.push_back(&e);
    }
    for (const Entry* e : entries)
      f(e->label_values, e->metric);
  }

  // Returns how many label-value lists have been seen.
  std::size_t size() const {
    std::shared_lock lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    explicit Entry(std::vector<std::string> values) : label_values(std::move(values)) {}
    const std::vector<std::string> label_values;
    M metric;  // constructed in place: metrics are neither copyable nor movable
  };
  struct LabelsHash {
    std::size_t operator()(const std::vector<std::string>& v) const noexcept {
      std::size_t h = v.size();
      for (const std::string& s : v) {
        h ^= std::hash<std::string>{}(s) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      }
      return h;
    }
  };

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::shared_mutex mu_;
  std::deque<Entry> entries_;  // creation order; stable addresses
  std::unordered_map<std::vector<std::string>, Entry*, LabelsHash> index_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<LatencyHistogram>;

// See the file comment. Not copyable.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each returns the family called `name`, registering it on first use. Registering a name again
  // with the same kind and label names returns the same family (the first help text is kept).
  // REQUIRES (else throws std::invalid_argument): name matches [a-zA-Z_:][a-zA-Z0-9_:]*; each label
  // name matches [a-zA-Z_][a-zA-Z0-9_]*, does not start with "__" and is not repeated; a histogram
  // has no label "le" (its exposition uses it); an existing family of this name has the same kind
  // and label names.
  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  Family<LatencyHistogram>& histogram(std::string name, std::string help,
                                      std::vector<std::string> label_names = {});

  // Returns a copy of every family and metric, families in registration order, metrics in creation
  // order. Each metric is read atomically on its own; the whole is not one atomic cut.
  std::vector<FamilySnapshot> collect() const;

 private:
  using AnyFamily = std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                                 std::unique_ptr<Family<LatencyHistogram>>>;

  template <class M>
  Family<M>& get_or_register(MetricKind kind, std::string name, std::string help,
                             std::vector<std::string> label_names);

  mutable std::mutex mu_;
  std::deque<AnyFamily> families_;  // registration order; deque: elements never move
  std::unordered_map<std::string, std::size_t> by_name_;  // index into families_
};

}  // namespace opusperf
