#include "opusperf/core/config_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include "opusperf/core/config_value.h"
#include "opusperf/core/errors.h"
#include "opusperf/core/profiles.h"
#include "opusperf/core/string_distance.h"

namespace opusperf {
namespace {

using Config = OptimizationConfig;
using Duration = Config::Duration;

// ---------------------------------------------------------------------------------------------
// The one table of fields. Loading, validate() and to_json() all work from it.
// ---------------------------------------------------------------------------------------------

enum class Kind {
  kBool,      // true / false
  kCount,     // non-negative whole number
  kNumber,    // finite double
  kDuration,  // Duration, text form "250ms" / "30s"
  kSize,      // bytes, text form "512MiB"
  kName,      // string
};

using Member = std::variant<bool Config::*, std::uint64_t Config::*, std::uint32_t Config::*,
                            double Config::*, Duration Config::*, std::string Config::*>;

// A field's value, whatever its kind (counts and sizes widened to uint64).
using Value = std::variant<bool, std::uint64_t, double, Duration, std::string>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Allowed numeric range, in the field's natural unit (milliseconds for durations).
struct Range {
  double lo = -kInf;
  double hi = kInf;
  bool lo_open = false;
  bool hi_open = false;
};

constexpr Range closed(double lo, double hi) {
  return {lo, hi, false, false};
}
constexpr Range at_least(double lo) {
  return {lo, kInf, false, true};
}
// A share of something: (0, 1].
constexpr Range share() {
  return {0.0, 1.0, true, false};
}

constexpr std::array<std::string_view, 6> kStrategies = {
    "round_robin", "random", "least_loaded", "peak_ewma", "adaptive", "consistent_hash"};

struct Field {
  std::string_view name;
  Kind kind;
  Member member;
  Range range = {};                                // kCount, kNumber, kDuration, kSize
  std::span<const std::string_view> choices = {};  // kName: allowed values; empty = any non-empty
};

constexpr std::string_view kProfileKey = "profile";

// Every field of OptimizationConfig, in declaration order, with the range its comment in config.h
// gives. A field added to config.h must be added here, or it can be neither loaded nor dumped.

const std::array<Field, 23> kFields = {{
    {kProfileKey, Kind::kName, &Config::profile},
    {"enable_smart_caching", Kind::kBool, &Config::enable_smart_caching},
    {"enable_memory_optimization", Kind::kBool, &Config::enable_memory_optimization},
    {"enable_gpu_optimization", Kind::kBool, &Config::enable_gpu_optimization},
    {"enable_load_balancing", Kind::kBool, &Config::enable_load_balancing},
    {"enable_adaptive_tuning", Kind::kBool, &Config::enable_adaptive_tuning},
    {"enable_monitoring", Kind::kBool, &Config::enable_monitoring},
    {"cache_size_limit", Kind::kCount, &Config::cache_size_limit, closed(1, 1e9)},
    {"cache_max_bytes", Kind::kSize, &Config::cache_max_bytes, at_least(0)},
    {"cache_ttl", Kind::kDuration, &Config::cache_ttl, at_least(0)},
    {"enable_predictive_caching", Kind::kBool, &Config::enable_predictive_caching},
    {"max_workers", Kind::kCount, &Config::max_workers, closed(1, 4096)},
    {"load_balancing_strategy", Kind::kName, &Config::load_balancing_strategy, {}, kStrategies},
    {"memory_elevated_threshold", Kind::kNumber, &Config::memory_elevated_threshold, share()},
    {"memory_threshold", Kind::kNumber, &Config::memory_threshold, share()},
    {"memory_critical_threshold", Kind::kNumber, &Config::memory_critical_threshold, share()},
    {"memory_psi_threshold", Kind::kNumber, &Config::memory_psi_threshold, closed(0, 100)},
    {"tensor_memory_fraction", Kind::kNumber, &Config::tensor_memory_fraction, share()},
    {"mixed_precision", Kind::kBool, &Config::mixed_precision},
    {"enable_cuda_graphs", Kind::kBool, &Config::enable_cuda_graphs},
    {"tuning_interval", Kind::kDuration, &Config::tuning_interval, closed(100, 24 * 3'600'000)},
    {"performance_history_size", Kind::kCount, &Config::performance_history_size, closed(10, 1e7)},
    {"monitoring_interval", Kind::kDuration, &Config::monitoring_interval, closed(10, 3'600'000)},
}};

const Field* find_field(std::string_view name) {
  for (const Field& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string_view> field_names() {
  std::vector<std::string_view> out;
  for (const Field& f : kFields)
    out.push_back(f.name);
  return out;
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

// ---- Reading and writing one field of a config ----

Value get(const Config& cfg, const Field& f) {
  return std::visit(
      [&](auto member) -> Value {
        const auto& v = cfg.*member;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, std::uint32_t>) {
          return static_cast<std::uint64_t>(v);
        } else {
          return v;
        }
      },
      f.member);
}

// REQUIRES: `value` holds the alternative parse() makes for f.kind and passed check().
void set(Config& cfg, const Field& f, const Value& value) {
  std::visit(
      [&](auto member) {
        auto& target = cfg.*member;
        using T = std::remove_cvref_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::uint32_t>) {
          target = static_cast<std::uint32_t>(std::get<std::uint64_t>(value));
        } else {
          target = std::get<T>(value);
        }
      },
      f.member);
}

// ---- Text for messages ----

std::string show_number(const Field& f, double v) {
  switch (f.kind) {
    case Kind::kDuration:
      return format_duration(Duration(static_cast<Duration::rep>(v)));
    case Kind::kCount:
    case Kind::kSize:
      return fmt::format("{}", static_cast<std::uint64_t>(v));
    default:
      return fmt::format("{}", v);
  }
}

std::string show(const Field& f, const Value& value) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          return f.kind == Kind::kSize ? format_size(v) : std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_same_v<T, Duration>) {
          return v.count() < 0 ? std::to_string(v.count()) + "ms" : format_duration(v);
        } else {
          return "'" + v + "'";
        }
      },
      value);
}

std::string show_range(const Field& f) {
  const Range& r = f.range;
  if (r.hi == kInf) {
    return (r.lo_open ? "above " : "") + show_number(f, r.lo) + (r.lo_open ? "" : " or more");
  }
  return std::string(r.lo_open ? "(" : "[") + show_number(f, r.lo) + ", " + show_number(f, r.hi) +
         (r.hi_open ? ")" : "]");
}

// ---- Checking one field ----

// Returns the value as a number in the unit of f.range, for the numeric kinds.
std::optional<double> as_number(const Value& value) {
  if (const auto* u = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*u);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* t = std::get_if<Duration>(&value)) return static_cast<double>(t->count());
  return std::nullopt;
}

// Returns why `value` is not allowed for `f`, or nullopt when it is.
std::optional<std::string> check(const Field& f, const Value& value) {
  if (const auto v = as_number(value)) {
    const Range& r = f.range;
    // Written so that NaN fails every test.
    const bool above_lo = r.lo_open ? *v > r.lo : *v >= r.lo;
    const bool below_hi = r.hi == kInf || (r.hi_open ? *v < r.hi : *v <= r.hi);
    if (above_lo && below_hi) return std::nullopt;
    return "value " + show(f, value) + " is out of range; allowed " + show_range(f);
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (f.choices.empty()) {
      if (s->empty()) return std::string("must not be empty");
      return std::nullopt;
    }
    for (std::string_view c : f.choices) {
      if (c == *s) return std::nullopt;
    }
    std::string reason = "unknown value '" + *s + "'";
    if (auto m = closest_match(*s, f.choices)) reason += "; did you mean '" + *m + "'?";
    return reason + " (allowed: " + join(f.choices) + ")";
  }
  return std::nullopt;
}

// A broken rule: the keys involved (first = the one to blame by default) and why.
struct Violation {
  std::vector<std::string_view> keys;
  std::string reason;
};

// Returns the first rule `cfg` breaks: each field's range, then the cross-field rules.
std::optional<Violation> find_violation(const Config& cfg) {
  for (const Field& f : kFields) {
    if (auto reason = check(f, get(cfg, f))) return Violation{{f.name}, *reason};
  }
  const double elevated = cfg.memory_elevated_threshold;
  const double high = cfg.memory_threshold;
  const double critical = cfg.memory_critical_threshold;
  if (!(elevated < high && high < critical)) {
    std::vector<std::string_view> keys;
    if (!(elevated < high))
      keys = {"memory_elevated_threshold", "memory_threshold"};
    else
      keys = {"memory_threshold", "memory_critical_threshold"};
    return Violation{
        keys, fmt::format("memory thresholds must rise: memory_elevated_threshold ({}) < "
                          "memory_threshold ({}) < memory_critical_threshold ({}) does not hold",
                          elevated, high, critical)};
  }
  return std::nullopt;
}

// ---- Parsing one YAML value ----

std::string_view expected(Kind kind) {
  switch (kind) {
    case Kind::kBool:
      return "true or false";
    case Kind::kCount:
      return "an integer";
    case Kind::kNumber:
      return "a number";
    case Kind::kDuration:
      return "a duration";
    case Kind::kSize:
      return "a size";
    case Kind::kName:
      return "a string";
  }
  return "a value";
}

std::string_view describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// Returns the value `node` holds for field `f`. Throws InputError with the reason when `node` is
// not a scalar of the right form. Does not check the range (see check()).
Value parse(const Field& f, const YAML::Node& node) {
  if (!node.IsScalar()) {
    throw InputError("expected " + std::string(expected(f.kind)) + ", got " +
                     std::string(describe(node)));
  }
  const std::string& text = node.Scalar();
  switch (f.kind) {
    case Kind::kBool:
      return parse_bool(text);
    case Kind::kCount:
      return parse_uint(text);
    case Kind::kNumber:
      return parse_double(text);
    case Kind::kDuration:
      return parse_duration(text);
    case Kind::kSize:
      return parse_size(text);
    case Kind::kName: {
      // Surrounding blanks are never part of a name (a folded block scalar ends in "\n").
      const auto first = text.find_first_not_of(" \t\r\n");
      if (first == std::string::npos) return std::string();
      return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
    }
  }
  throw InputError("unsupported field kind");
}

nlohmann::json encode(const Field& f, const Value& value) {
  return std::visit(
      [&](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Duration>) {
          return format_duration(v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          if (f.kind == Kind::kSize) return format_size(v);
          return v;
        } else {
          return v;
        }
      },
      value);
}

// ---- The loader ----

std::size_t line_of(const YAML::Mark& mark) {
  return mark.is_null() || mark.line < 0 ? 0 : static_cast<std::size_t>(mark.line) + 1;
}

// Returns the base config named `name`: a profile, or "custom" for the plain defaults.
Config base_config(std::string_view name) {
  if (name == "custom") return Config{};
  return profiles::by_name(name);
}

struct Entry {
  std::string key;
  std::size_t line;
  YAML::Node value;
};

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  Config load(std::string_view yaml, std::optional<std::string_view> profile_override) {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(yaml));
    } catch (const YAML::Exception& e) {
      fail(line_of(e.mark), "", "invalid YAML: " + e.msg);
    }
    for (std::size_t i = 1; i < documents.size(); ++i) {
      if (!documents[i].IsNull()) {
        fail(line_of(documents[i].Mark()), "",
             "expected one YAML document, found " + std::to_string(documents.size()));
      }
    }
    YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
    try {
      return apply(root, profile_override);
    } catch (const YAML::Exception& e) {  // not expected; never let one escape unexplained
      fail(line_of(e.mark), "", "invalid YAML: " + e.msg);
    }
  }

 private:
  [[noreturn]] void fail(std::size_t line, std::string_view key, const std::string& reason) const {
    throw ConfigError(source_, line, std::string(key), reason);
  }

  std::vector<Entry> entries(const YAML::Node& root) const {
    std::vector<Entry> out;
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      fail(line_of(root.Mark()), "",
           "the top level must be a mapping of key: value lines, got " +
               std::string(describe(root)));
    }
    std::map<std::string, std::size_t, std::less<>> first_line;
    // Each element is a pair of Node handles made on the fly: hold them by value.
    for (const auto& pair : root) {
      const YAML::Node key = pair.first;
      const std::size_t line = line_of(key.Mark());
      if (!key.IsScalar())
        fail(line, "", "a key must be a plain name, got " + std::string(describe(key)));
      const std::string& name = key.Scalar();
      auto [pos, inserted] = first_line.emplace(name, line);
      if (!inserted) {
        fail(line, name, "duplicate key (first set on line " + std::to_string(pos->second) + ")");
      }
      out.push_back(Entry{name, line, pair.second});
    }
    return out;
  }

  Value parse_entry(const Field& f, const Entry& e) const {
    Value value;
    try {
      value = parse(f, e.value);
    } catch (const InputError& error) {
      fail(e.line, e.key, error.what());
    }
    return value;
  }

  Config apply(const YAML::Node& root, std::optional<std::string_view> profile_override) const {
    const std::vector<Entry> all = entries(root);

    // The base profile: --profile, else the file's `profile:`, else production. The file's key is
    // checked even when overridden, so a typo in it never goes unnoticed.
    std::optional<Config> file_base;
    for (const Entry& e : all) {
      if (e.key != kProfileKey) continue;
      const Value name = parse_entry(*find_field(kProfileKey), e);
      try {
        file_base = base_config(std::get<std::string>(name));
      } catch (const ConfigError& error) {
        fail(e.line, e.key, error.reason());
      }
    }
    Config cfg = profile_override ? base_config(*profile_override)
                 : file_base      ? *file_base
                                  : profiles::production();

    std::map<std::string_view, std::size_t> line_of_key;
    for (const Entry& e : all) {
      line_of_key[e.key] = e.line;
      if (e.key == kProfileKey) continue;
      const Field* f = find_field(e.key);
      if (f == nullptr) {
        const std::vector<std::string_view> names = field_names();
        if (auto m = closest_match(e.key, names)) {
          fail(e.line, e.key, "unknown key; did you mean '" + *m + "'?");
        }
        fail(e.line, e.key, "unknown key; valid keys: " + join(names));
      }
      const Value value = parse_entry(*f, e);
      if (auto reason = check(*f, value)) fail(e.line, e.key, *reason);
      set(cfg, *f, value);
    }

    if (auto v = find_violation(cfg)) {
      // Blame the involved key the file set last; it is where the contradiction appeared.
      std::string_view key = v->keys.front();
      std::size_t line = 0;
      for (std::string_view k : v->keys) {
        auto it = line_of_key.find(k);
        if (it != line_of_key.end() && it->second >= line) {
          key = k;
          line = it->second;
        }
      }
      fail(line, key, v->reason);
    }
    return cfg;
  }

  std::string source_;
};

}  // namespace

OptimizationConfig load_config_string(std::string_view yaml, std::string_view source_name,
                                      std::optional<std::string_view> profile_override) {
  return Loader(std::string(source_name)).load(yaml, profile_override);
}

OptimizationConfig load_config(const std::filesystem::path& file,
                               std::optional<std::string_view> profile_override) {
  const std::string source = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw ConfigError(source, 0, "", "cannot read config file: it is a directory");
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw ConfigError(source, 0, "",
                      "cannot read config file: " +
                          (err != 0 ? std::generic_category().message(err) : "cannot open"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(source, 0, "", "cannot read config file: read error");
  return load_config_string(text.str(), source, profile_override);
}

void validate(const OptimizationConfig& cfg) {
  if (auto v = find_violation(cfg)) {
    throw ConfigError("<config>", 0, std::string(v->keys.front()), v->reason);
  }
}

nlohmann::json to_json(const OptimizationConfig& cfg) {
  nlohmann::json out = nlohmann::json::object();
  for (const Field& f : kFields)
    out[std::string(f.name)] = encode(f, get(cfg, f));
  return out;
}

}  // namespace opusperf
