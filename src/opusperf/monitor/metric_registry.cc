#include "opusperf/monitor/metric_registry.h"

#include <algorithm>
#include <type_traits>

namespace opusperf {

template class Family<Counter>;
template class Family<Gauge>;
template class Family<LatencyHistogram>;

namespace {

bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

template <class M>
constexpr MetricKind kind_of() {
  if constexpr (std::is_same_v<M, Counter>) {
    return MetricKind::kCounter;
  } else if constexpr (std::is_same_v<M, Gauge>) {
    return MetricKind::kGauge;
  } else {
    static_assert(std::is_same_v<M, LatencyHistogram>);
    return MetricKind::kHistogram;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += v[i];
  }
  return out + "]";
}

template <class M>
FamilySnapshot snapshot_family(const Family<M>& f) {
  FamilySnapshot out;
  out.name = f.name();
  out.help = f.help();
  out.kind = kind_of<M>();
  out.label_names = f.label_names();
  f.for_each([&](const std::vector<std::string>& values, const M& m) {
    MetricSample s;
    s.label_values = values;
    if constexpr (std::is_same_v<M, LatencyHistogram>) {
      s.histogram = m.snapshot();
      s.value = static_cast<double>(s.histogram->sum());
    } else {
      s.value = static_cast<double>(m.value());
    }
    out.samples.push_back(std::move(s));
  });
  return out;
}

}  // namespace

std::string_view to_string(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_alpha_or_underscore(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_alpha_or_underscore(c) || is_digit(c) || c == ':'; });
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || !is_alpha_or_underscore(name[0])) return false;
  if (name.starts_with("__")) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_alpha_or_underscore(c) || is_digit(c); });
}

template <class M>
Family<M>& Registry::get_or_register(MetricKind kind, std::string name, std::string help,
                                     std::vector<std::string> label_names) {
  if (!is_valid_metric_name(name)) {
    throw std::invalid_argument("invalid metric name '" + name +
                                "': must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!is_valid_label_name(l)) {
      throw std::invalid_argument("metric " + name + ": invalid label name '" + l +
                                  "': must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
    }
    if (std::find(label_names.begin(), label_names.begin() + i, l) != label_names.begin() + i) {
      throw std::invalid_argument("metric " + name + ": label name '" + l + "' repeated");
    }
    if (kind == MetricKind::kHistogram && l == "le") {
      throw std::invalid_argument("histogram " + name +
                                  ": label name 'le' is reserved for its buckets");
    }
  }

  std::lock_guard lock(mu_);
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    AnyFamily& existing = families_[it->second];
    auto* family = std::get_if<std::unique_ptr<Family<M>>>(&existing);
    if (family == nullptr) {
      const MetricKind have = std::visit(
          [](const auto& f) { return kind_of<typename std::decay_t<decltype(*f)>::MetricType>(); },
          existing);
      throw std::invalid_argument("metric " + name + " is already registered as a " +
                                  std::string(to_string(have)) + ", not a " +
                                  std::string(to_string(kind)));
    }
    if ((*family)->label_names() != label_names) {
      throw std::invalid_argument("metric " + name + " is already registered with labels " +
                                  join((*family)->label_names()) + ", not " + join(label_names));
    }
    return **family;
  }
  auto family =
      std::make_unique<Family<M>>(std::move(name), std::move(help), std::move(label_names));
  Family<M>& ref = *family;
  by_name_.emplace(ref.name(), families_.size());
  families_.emplace_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  return get_or_register<Counter>(MetricKind::kCounter, std::move(name), std::move(help),
                                  std::move(label_names));
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  return get_or_register<Gauge>(MetricKind::kGauge, std::move(name), std::move(help),
                                std::move(label_names));
}

Family<LatencyHistogram>& Registry::histogram(std::string name, std::string help,
                                              std::vector<std::string> label_names) {
  return get_or_register<LatencyHistogram>(MetricKind::kHistogram, std::move(name), std::move(help),
                                           std::move(label_names));
}

std::vector<FamilySnapshot> Registry::collect() const {
  // Copy the family pointers under the lock, read the metrics outside it: families are never
  // removed, and a slow collect() must not block registration.
  std::vector<const AnyFamily*> families;
  {
    std::lock_guard lock(mu_);
    families.reserve(families_.size());
    for (const AnyFamily& f : families_)
      families.push_back(&f);
  }
  std::vector<FamilySnapshot> out;
  out.reserve(families.size());
  for (const AnyFamily* f : families) {
    out.push_back(std::visit([](const auto& p) { return snapshot_family(*p); }, *f));
  }
  return out;
}

}  // namespace opusperf
