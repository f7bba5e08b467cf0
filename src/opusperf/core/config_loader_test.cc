#include "opusperf/core/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "opusperf/core/profiles.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Returns the ConfigError loading `yaml` throws (adding a test failure when it does not throw).
ConfigError load_error(std::string_view yaml,
                       std::optional<std::string_view> profile_override = std::nullopt) {
  try {
    load_config_string(yaml, "test.yaml", profile_override);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected ConfigError loading:\n" << yaml;
  return ConfigError("", 0, "", "");
}

ConfigError validate_error(const OptimizationConfig& cfg) {
  try {
    validate(cfg);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected ConfigError from validate()";
  return ConfigError("", 0, "", "");
}

OptimizationConfig load(std::string_view yaml,
                        std::optional<std::string_view> profile_override = std::nullopt) {
  return load_config_string(yaml, "test.yaml", profile_override);
}

// Writes `text` to a fresh file under the test temp dir and returns its path.
std::filesystem::path write_temp(const std::string& name, std::string_view text) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "opusperf_config_loader_test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

// Renders to_json(cfg) as a block-style YAML file, one `key: value` line a field.
std::string to_yaml(const OptimizationConfig& cfg) {
  std::string out;
  const nlohmann::json j = to_json(cfg);  // must outlive items(), which refers to it
  for (const auto& [key, value] : j.items())
    out += key + ": " + value.dump() + "\n";
  return out;
}

// ---- Valid files ----

TEST(LoadConfigTest, EmptyOrCommentOnlyIsProduction) {
  EXPECT_EQ(to_json(load("")), to_json(profiles::production()));
  EXPECT_EQ(to_json(load("# nothing here\n\n")), to_json(profiles::production()));
  EXPECT_EQ(to_json(load("---\n")), to_json(profiles::production()));
}

TEST(LoadConfigTest, ProfileKeySelectsBaseAndKeysOverride) {
  const OptimizationConfig c = load(
      "profile: high_performance\n"
      "max_workers: 8\n"
      "enable_cuda_graphs: false\n"
      "tuning_interval: 250ms\n"
      "cache_max_bytes: 512MiB\n"
      "tensor_memory_fraction: 0.5\n"
      "load_balancing_strategy: round_robin\n");
  EXPECT_EQ(c.profile, "high_performance");
  EXPECT_EQ(c.max_workers, 8u);
  EXPECT_FALSE(c.enable_cuda_graphs);
  EXPECT_EQ(c.tuning_interval, 250ms);
  EXPECT_EQ(c.cache_max_bytes, 512ull << 20);
  EXPECT_DOUBLE_EQ(c.tensor_memory_fraction, 0.5);
  EXPECT_EQ(c.load_balancing_strategy, "round_robin");
  // Untouched fields come from the profile.
  EXPECT_TRUE(c.mixed_precision);
  EXPECT_EQ(c.cache_size_limit, 5000u);
}

TEST(LoadConfigTest, NoProfileMeansProduction) {
  const OptimizationConfig c = load("max_workers: 2\n");
  EXPECT_EQ(c.profile, "production");
  EXPECT_EQ(c.max_workers, 2u);
  EXPECT_EQ(c.cache_size_limit, 2000u);
}

TEST(LoadConfigTest, OverrideBeatsFileProfile) {
  const OptimizationConfig c = load("profile: high_performance\nmax_workers: 8\n", "development");
  EXPECT_EQ(c.profile, "development");
  EXPECT_EQ(c.max_workers, 8u);         // file keys still apply
  EXPECT_EQ(c.cache_size_limit, 500u);  // from development
  EXPECT_FALSE(c.enable_cuda_graphs);   // not from high_performance
  EXPECT_EQ(load("", "high-performance").profile, "high_performance");
}

TEST(LoadConfigTest, UnknownOverrideThrows) {
  const ConfigError e = load_error("max_workers: 8\n", "prodution");
  EXPECT_EQ(e.line(), 0u);
  EXPECT_THAT(e.what(), HasSubstr("unknown profile 'prodution'; did you mean 'production'?"));
}

TEST(LoadConfigTest, ProfileNameAcceptsDashesAndCustom) {
  EXPECT_EQ(load("profile: high-performance\n").profile, "high_performance");
  const OptimizationConfig custom = load("profile: custom\n");
  EXPECT_EQ(to_json(custom), to_json(OptimizationConfig{}));
}

TEST(LoadConfigTest, BadProfileInFileNamesItsLine) {
  const ConfigError e = load_error("max_workers: 8\nprofile: prodcution\n");
  EXPECT_STREQ(e.what(),
               "test.yaml:2: key 'profile': unknown profile 'prodcution'; did you mean "
               "'production'? (profiles: development, production, high_performance)");
  EXPECT_EQ(e.file(), "test.yaml");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.key(), "profile");
  // Checked even when --profile overrides it.
  EXPECT_EQ(load_error("profile: prodcution\n", "development").line(), 1u);
  EXPECT_THAT(load_error("profile: [a, b]\n").what(),
              HasSubstr("key 'profile': expected a string, got a sequence"));
}

TEST(LoadConfigTest, ValueForms) {
  const OptimizationConfig c = load(
      "enable_smart_caching: no\n"
      "enable_monitoring: off\n"
      "enable_load_balancing: yes\n"
      "cache_ttl: 1.5\n"
      "monitoring_interval: 20000us\n"
      "tuning_interval: 5m\n"
      "cache_size_limit: \"300\"\n"
      "cache_max_bytes: 1048576\n"
      "performance_history_size: 1e4\n"
      "memory_psi_threshold: 25\n");
  EXPECT_FALSE(c.enable_smart_caching);
  EXPECT_FALSE(c.enable_monitoring);
  EXPECT_TRUE(c.enable_load_balancing);
  EXPECT_EQ(c.cache_ttl, 1500ms);
  EXPECT_EQ(c.monitoring_interval, 20ms);
  EXPECT_EQ(c.tuning_interval, 5min);
  EXPECT_EQ(c.cache_size_limit, 300u);
  EXPECT_EQ(c.cache_max_bytes, 1048576u);
  EXPECT_EQ(c.performance_history_size, 10000u);
  EXPECT_DOUBLE_EQ(c.memory_psi_threshold, 25.0);
}

TEST(LoadConfigTest, SizeForms) {
  EXPECT_EQ(load("cache_max_bytes: 2GiB\n").cache_max_bytes, 2ull << 30);
  EXPECT_EQ(load("cache_max_bytes: 100KiB\n").cache_max_bytes, 100u * 1024);
  EXPECT_EQ(load("cache_max_bytes: 1GB\n").cache_max_bytes, 1'000'000'000u);
  EXPECT_EQ(load("cache_max_bytes: 1MB\n").cache_max_bytes, 1'000'000u);
  EXPECT_EQ(load("cache_max_bytes: 0\n").cache_max_bytes, 0u);
}

TEST(LoadConfigTest, DurationForms) {
  EXPECT_EQ(load("cache_ttl: 30s\n").cache_ttl, 30s);
  EXPECT_EQ(load("cache_ttl: 1h\n").cache_ttl, 1h);
  EXPECT_EQ(load("cache_ttl: 0\n").cache_ttl, 0ms);
  EXPECT_EQ(load("cache_ttl: 30\n").cache_ttl, 30s);
}

TEST(LoadConfigTest, RangeBoundariesAreAccepted) {
  const OptimizationConfig c = load(
      "tensor_memory_fraction: 1\n"
      "memory_critical_threshold: 1.0\n"
      "tuning_interval: 100ms\n"
      "monitoring_interval: 1h\n"
      "max_workers: 4096\n"
      "cache_size_limit: 1\n"
      "performance_history_size: 10000000\n"
      "memory_psi_threshold: 0\n");
  EXPECT_EQ(c.max_workers, 4096u);
  EXPECT_EQ(load("tuning_interval: 24h\nmonitoring_interval: 10ms\n").tuning_interval, 24h);
  EXPECT_EQ(load("cache_size_limit: 1e9\n").cache_size_limit, 1'000'000'000u);
}

TEST(LoadConfigTest, LoadsFromFile) {
  const auto path = write_temp("valid.yaml",
                               "# service config\n"
                               "profile: development\n"
                               "max_workers: 6\n"
                               "cache_ttl: 10m\n");
  const OptimizationConfig c = load_config(path);
  EXPECT_EQ(c.profile, "development");
  EXPECT_EQ(c.max_workers, 6u);
  EXPECT_EQ(c.cache_ttl, 10min);
  EXPECT_EQ(load_config(path, "production").profile, "production");
}

// ---- Errors: the file and its structure ----

TEST(LoadConfigErrorTest, MissingFile) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "no_such_dir" / "nope.yaml";
  try {
    load_config(path);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(e.line(), 0u);
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": cannot read config file: No such file or directory");
  }
}

TEST(LoadConfigErrorTest, DirectoryIsNotAFile) {
  const auto dir = write_temp("x.yaml", "").parent_path();
  try {
    load_config(dir);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("it is a directory"));
  }
}

TEST(LoadConfigErrorTest, SyntaxErrorNamesTheLine) {
  const ConfigError e = load_error(
      "max_workers: 8\n"
      "cache_ttl: 30s\n"
      "  monitoring_interval: 1s\n");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.key(), "");
  EXPECT_THAT(e.what(), StartsWith("test.yaml:3: invalid YAML: "));

  const ConfigError flow = load_error("max_workers: 8\ncache_ttl: {a: 1\n");
  EXPECT_THAT(flow.what(), HasSubstr("invalid YAML"));
  EXPECT_GE(flow.line(), 2u);
}

TEST(LoadConfigErrorTest, SyntaxErrorFromFileNamesFileAndLine) {
  const auto path = write_temp("syntax.yaml", "a: 1\nb: [1, 2\n");
  try {
    load_config(path);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_GT(e.line(), 0u);
    EXPECT_THAT(e.what(), HasSubstr("invalid YAML"));
  }
}

TEST(LoadConfigErrorTest, TopLevelMustBeAMapping) {
  EXPECT_STREQ(load_error("- max_workers\n- 8\n").what(),
               "test.yaml:1: the top level must be a mapping of key: value lines, got a sequence");
  EXPECT_THAT(load_error("\n\njust some words\n").what(),
              StartsWith("test.yaml:3: the top level must be a mapping of key: value lines, got "
                         "a single value"));
}

TEST(LoadConfigErrorTest, MoreThanOneDocument) {
  const ConfigError e = load_error("max_workers: 8\n---\nmax_workers: 9\n");
  EXPECT_THAT(e.what(), HasSubstr("expected one YAML document, found 2"));
  EXPECT_EQ(load("max_workers: 8\n---\n").max_workers, 8u);  // an empty trailing document is fine
}

TEST(LoadConfigErrorTest, DuplicateKey) {
  const ConfigError e = load_error("max_workers: 8\ncache_ttl: 1s\nmax_workers: 9\n");
  EXPECT_STREQ(e.what(), "test.yaml:3: key 'max_workers': duplicate key (first set on line 1)");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.key(), "max_workers");
  EXPECT_EQ(load_error("profile: production\nprofile: development\n").line(), 2u);
}

TEST(LoadConfigErrorTest, KeyMustBeAName) {
  EXPECT_THAT(load_error("? [a, b]\n: 1\n").what(),
              HasSubstr("a key must be a plain name, got a sequence"));
}

TEST(LoadConfigErrorTest, UnknownKeyWithSuggestion) {
  const ConfigError e = load_error(
      "profile: production\n"
      "# caching\n"
      "\n"
      "max_workers: 8\n"
      "enable_smart_caching: true\n"
      "cache_ttl: 30s\n"
      "cache_size_limt: 100\n");
  EXPECT_STREQ(e.what(),
               "test.yaml:7: key 'cache_size_limt': unknown key; did you mean 'cache_size_limit'?");
  EXPECT_EQ(e.line(), 7u);
  EXPECT_EQ(e.key(), "cache_size_limt");
  EXPECT_THAT(load_error("max-workers: 3\n").what(), HasSubstr("did you mean 'max_workers'?"));
  EXPECT_THAT(load_error("Profile: production\n").what(), HasSubstr("did you mean 'profile'?"));
}

TEST(LoadConfigErrorTest, UnknownKeyWithoutCloseMatchListsKeys) {
  const ConfigError e = load_error("turbo_mode: true\n");
  EXPECT_THAT(e.what(), Not(HasSubstr("did you mean")));
  EXPECT_THAT(e.what(), StartsWith("test.yaml:1: key 'turbo_mode': unknown key; valid keys: "
                                   "profile, enable_smart_caching,"));
  EXPECT_THAT(e.what(), HasSubstr("monitoring_interval"));
}

// ---- Errors: wrong types ----

TEST(LoadConfigErrorTest, WrongTypeBool) {
  EXPECT_STREQ(load_error("enable_smart_caching: 3\n").what(),
               "test.yaml:1: key 'enable_smart_caching': expected true or false, got '3'");
  EXPECT_STREQ(load_error("mixed_precision: maybe\n").what(),
               "test.yaml:1: key 'mixed_precision': expected true or false, got 'maybe'");
}

TEST(LoadConfigErrorTest, WrongTypeInteger) {
  EXPECT_STREQ(load_error("max_workers: lots\n").what(),
               "test.yaml:1: key 'max_workers': expected an integer, got 'lots'");
  EXPECT_STREQ(load_error("max_workers: 2.5\n").what(),
               "test.yaml:1: key 'max_workers': expected an integer, got '2.5'");
  EXPECT_STREQ(load_error("cache_size_limit: -5\n").what(),
               "test.yaml:1: key 'cache_size_limit': expected a non-negative integer, got '-5'");
  EXPECT_STREQ(load_error("performance_history_size: true\n").what(),
               "test.yaml:1: key 'performance_history_size': expected an integer, got 'true'");
}

TEST(LoadConfigErrorTest, WrongTypeDouble) {
  EXPECT_STREQ(load_error("tensor_memory_fraction: most\n").what(),
               "test.yaml:1: key 'tensor_memory_fraction': expected a number, got 'most'");
  EXPECT_STREQ(load_error("memory_threshold: .nan\n").what(),
               "test.yaml:1: key 'memory_threshold': expected a number, got '.nan'");
  EXPECT_STREQ(load_error("memory_threshold: nan\n").what(),
               "test.yaml:1: key 'memory_threshold': expected a finite number, got 'nan'");
}

TEST(LoadConfigErrorTest, WrongTypeDuration) {
  EXPECT_THAT(
      load_error("cache_ttl: forever\n").what(),
      StartsWith("test.yaml:1: key 'cache_ttl': expected a duration, got 'forever'; use "
                 "a number of seconds (1.5) or a number with a unit ns, us, ms, s, m or h"));
  EXPECT_THAT(load_error("cache_ttl: true\n").what(), HasSubstr("expected a duration"));
}

TEST(LoadConfigErrorTest, WrongTypeSize) {
  EXPECT_THAT(load_error("cache_max_bytes: big\n").what(),
              StartsWith("test.yaml:1: key 'cache_max_bytes': expected a size, got 'big'; use a "
                         "whole number of bytes"));
  EXPECT_THAT(load_error("cache_max_bytes: 1.5\n").what(),
              HasSubstr("size '1.5' is not a whole number of bytes"));
  EXPECT_THAT(load_error("cache_max_bytes: 12 parsecs\n").what(),
              HasSubstr("unknown size unit 'parsecs'"));
}

TEST(LoadConfigErrorTest, WrongTypeString) {
  EXPECT_STREQ(load_error("load_balancing_strategy: {a: 1}\n").what(),
               "test.yaml:1: key 'load_balancing_strategy': expected a string, got a mapping");
  EXPECT_STREQ(load_error("load_balancing_strategy:\n").what(),
               "test.yaml:1: key 'load_balancing_strategy': expected a string, got nothing (null)");
}

TEST(LoadConfigErrorTest, NestedValueWhereScalarExpected) {
  EXPECT_STREQ(load_error("max_workers:\n  min: 1\n  max: 4\n").what(),
               "test.yaml:1: key 'max_workers': expected an integer, got a mapping");
  EXPECT_STREQ(load_error("enable_monitoring: [true]\n").what(),
               "test.yaml:1: key 'enable_monitoring': expected true or false, got a sequence");
  EXPECT_STREQ(load_error("cache_ttl: ~\n").what(),
               "test.yaml:1: key 'cache_ttl': expected a duration, got nothing (null)");
}

// ---- Errors: ranges ----

struct OutOfRangeCase {
  std::string key;
  std::string value;
  std::string allowed;
};

class OutOfRangeTest : public ::testing::TestWithParam<OutOfRangeCase> {};

TEST_P(OutOfRangeTest, NamesKeyValueAndRange) {
  const auto& p = GetParam();
  const ConfigError e = load_error("profile: production\n" + p.key + ": " + p.value + "\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.key(), p.key);
  EXPECT_THAT(e.reason(), StartsWith("value "));
  EXPECT_THAT(e.reason(), HasSubstr(" is out of range; allowed " + p.allowed));
}

INSTANTIATE_TEST_SUITE_P(
    EveryNumericField, OutOfRangeTest,
    ::testing::Values(OutOfRangeCase{"cache_size_limit", "0", "[1, 1000000000]"},
                      OutOfRangeCase{"cache_size_limit", "1000000001", "[1, 1000000000]"},
                      OutOfRangeCase{"max_workers", "0", "[1, 4096]"},
                      OutOfRangeCase{"max_workers", "4097", "[1, 4096]"},
                      // 2^32 + 4 must not wrap around to 4.
                      OutOfRangeCase{"max_workers", "4294967300", "[1, 4096]"},
                      OutOfRangeCase{"memory_elevated_threshold", "0", "(0, 1]"},
                      OutOfRangeCase{"memory_elevated_threshold", "1.01", "(0, 1]"},
                      OutOfRangeCase{"memory_threshold", "-0.5", "(0, 1]"},
                      OutOfRangeCase{"memory_threshold", "2", "(0, 1]"},
                      OutOfRangeCase{"memory_critical_threshold", "0", "(0, 1]"},
                      OutOfRangeCase{"memory_critical_threshold", "1.5", "(0, 1]"},
                      OutOfRangeCase{"memory_psi_threshold", "-1", "[0, 100]"},
                      OutOfRangeCase{"memory_psi_threshold", "100.5", "[0, 100]"},
                      OutOfRangeCase{"tensor_memory_fraction", "0", "(0, 1]"},
                      OutOfRangeCase{"tensor_memory_fraction", "1.5", "(0, 1]"},
                      OutOfRangeCase{"tuning_interval", "99ms", "[100ms, 24h]"},
                      OutOfRangeCase{"tuning_interval", "25h", "[100ms, 24h]"},
                      OutOfRangeCase{"performance_history_size", "9", "[10, 10000000]"},
                      OutOfRangeCase{"performance_history_size", "10000001", "[10, 10000000]"},
                      OutOfRangeCase{"monitoring_interval", "5ms", "[10ms, 1h]"},
                      OutOfRangeCase{"monitoring_interval", "2h", "[10ms, 1h]"}));

TEST(LoadConfigErrorTest, OutOfRangeExactMessage) {
  EXPECT_STREQ(
      load_error("max_workers: 4\n\n\ntensor_memory_fraction: 1.5\n").what(),
      "test.yaml:4: key 'tensor_memory_fraction': value 1.5 is out of range; allowed (0, 1]");
  EXPECT_STREQ(load_error("tuning_interval: 50ms\n").what(),
               "test.yaml:1: key 'tuning_interval': value 50ms is out of range; allowed [100ms, "
               "24h]");
}

TEST(LoadConfigErrorTest, BadDurationUnitsAndValues) {
  const ConfigError unit = load_error("max_workers: 4\ncache_ttl: 3d\n");
  EXPECT_EQ(unit.line(), 2u);
  EXPECT_EQ(unit.key(), "cache_ttl");
  EXPECT_THAT(unit.reason(), HasSubstr("unknown duration unit 'd' in '3d'; use a number of "
                                       "seconds (1.5) or a number with a unit ns, us, ms, s, m "
                                       "or h (250ms, 30s, 5m, 1h)"));
  EXPECT_THAT(load_error("monitoring_interval: 1 fortnight\n").what(),
              HasSubstr("unknown duration unit 'fortnight'"));
  EXPECT_THAT(load_error("cache_ttl: -5s\n").what(),
              HasSubstr("a duration must not be negative, got '-5s'"));
  EXPECT_THAT(load_error("cache_ttl: -5\n").what(), HasSubstr("must not be negative"));
  EXPECT_THAT(load_error("cache_ttl: 2us\n").what(),
              HasSubstr("'2us' is not a whole number of milliseconds"));
  EXPECT_THAT(load_error("tuning_interval: 1e30h\n").what(), HasSubstr("too large"));
}

// ---- Errors: cross-field rules ----

TEST(LoadConfigErrorTest, ThresholdOrderingBlamesTheKeyTheFileSet) {
  // production: elevated 0.70, high 0.80, critical 0.90.
  const ConfigError e = load_error("max_workers: 4\nmemory_elevated_threshold: 0.85\n");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.key(), "memory_elevated_threshold");
  EXPECT_EQ(e.reason(),
            "memory thresholds must rise: memory_elevated_threshold (0.85) < memory_threshold "
            "(0.8) < memory_critical_threshold (0.9) does not hold");

  const ConfigError high = load_error("memory_threshold: 0.95\n");
  EXPECT_EQ(high.key(), "memory_threshold");
  EXPECT_EQ(high.line(), 1u);

  const ConfigError low = load_error("memory_threshold: 0.6\n");  // below elevated 0.7
  EXPECT_EQ(low.key(), "memory_threshold");

  const ConfigError equal = load_error("memory_critical_threshold: 0.8\n");  // == high
  EXPECT_EQ(equal.key(), "memory_critical_threshold");

  // Both involved keys in the file: the later one is blamed.
  const ConfigError both =
      load_error("memory_critical_threshold: 0.5\nmax_workers: 3\nmemory_threshold: 0.6\n");
  EXPECT_EQ(both.line(), 3u);
  EXPECT_EQ(both.key(), "memory_threshold");

  // A consistent set that moves all three is fine.
  const OptimizationConfig ok = load(
      "memory_elevated_threshold: 0.3\nmemory_threshold: 0.4\nmemory_critical_threshold: 0.5\n");
  EXPECT_DOUBLE_EQ(ok.memory_threshold, 0.4);
}

TEST(LoadConfigErrorTest, BadStrategyWithSuggestion) {
  const ConfigError e = load_error("max_workers: 4\nload_balancing_strategy: least_load\n");
  EXPECT_STREQ(e.what(),
               "test.yaml:2: key 'load_balancing_strategy': unknown value 'least_load'; did you "
               "mean 'least_loaded'? (allowed: round_robin, random, least_loaded, peak_ewma, "
               "adaptive, consistent_hash)");
  EXPECT_THAT(load_error("load_balancing_strategy: round-robin\n").what(),
              HasSubstr("did you mean 'round_robin'?"));
  const ConfigError none = load_error("load_balancing_strategy: fastest\n");
  EXPECT_THAT(none.what(), Not(HasSubstr("did you mean")));
  EXPECT_THAT(none.what(), HasSubstr("(allowed: round_robin,"));
}

TEST(LoadConfigErrorTest, ErrorOnLineNIsReportedAtLineN) {
  // A key line after comments, blank lines, a block scalar and a nested-free flow value.
  const std::string yaml =
      "# opusperf config\n"             // 1
      "\n"                              // 2
      "profile: production   # base\n"  // 3
      "load_balancing_strategy: >\n"    // 4
      "  peak_ewma\n"                   // 5
      "cache_ttl: \"30s\"\n"            // 6
      "\n"                              // 7
      "# below is wrong\n"              // 8
      "max_workers: 0\n";               // 9
  const ConfigError e = load_error(yaml);
  EXPECT_EQ(e.line(), 9u);
  EXPECT_THAT(e.what(), StartsWith("test.yaml:9: key 'max_workers': "));
}

TEST(LoadConfigErrorTest, FirstErrorInFileOrderWins) {
  const ConfigError e = load_error("max_workers: 0\ncache_size_limt: 3\n");
  EXPECT_EQ(e.line(), 1u);
}

TEST(LoadConfigErrorTest, HostileInputNeverCrashes) {
  EXPECT_THROW(load(std::string(100000, '[')), ConfigError);
  EXPECT_THROW(load(std::string(100000, '{')), ConfigError);
  EXPECT_THROW(load("max_workers: *nowhere\n"), ConfigError);
  EXPECT_THROW(load(std::string("\x00\xff\xfe: \x01", 6)), ConfigError);
  EXPECT_THROW(load("max_workers: &a [*a]\n"), ConfigError);
  EXPECT_THROW(load("\t- \"\n"), ConfigError);
  EXPECT_THROW(load("max_workers: " + std::string(5000, '9') + "\n"), ConfigError);
}

// ---- validate ----

TEST(ValidateTest, DefaultsAndProfilesAreValid) {
  EXPECT_NO_THROW(validate(OptimizationConfig{}));
  for (std::string_view name : profiles::names())
    EXPECT_NO_THROW(validate(profiles::by_name(name)));
}

TEST(ValidateTest, ReportsFieldWithoutLine) {
  OptimizationConfig c;
  c.max_workers = 0;
  const ConfigError e = validate_error(c);
  EXPECT_STREQ(e.what(), "<config>: key 'max_workers': value 0 is out of range; allowed [1, 4096]");
  EXPECT_EQ(e.file(), "<config>");
  EXPECT_EQ(e.line(), 0u);
  EXPECT_EQ(e.key(), "max_workers");
}

TEST(ValidateTest, ChecksEveryRange) {
  auto expect_bad = [](auto mutate, std::string_view key) {
    OptimizationConfig c;
    mutate(c);
    EXPECT_EQ(validate_error(c).key(), key);
  };
  expect_bad([](OptimizationConfig& c) { c.cache_size_limit = 0; }, "cache_size_limit");
  expect_bad([](OptimizationConfig& c) { c.cache_size_limit = 2'000'000'000; }, "cache_size_limit");
  expect_bad([](OptimizationConfig& c) { c.cache_ttl = -1ms; }, "cache_ttl");
  expect_bad([](OptimizationConfig& c) { c.max_workers = 5000; }, "max_workers");
  expect_bad([](OptimizationConfig& c) { c.memory_elevated_threshold = 0; },
             "memory_elevated_threshold");
  expect_bad([](OptimizationConfig& c) { c.memory_threshold = 1.2; }, "memory_threshold");
  expect_bad([](OptimizationConfig& c) { c.memory_critical_threshold = -1; },
             "memory_critical_threshold");
  expect_bad([](OptimizationConfig& c) { c.memory_psi_threshold = 101; }, "memory_psi_threshold");
  expect_bad([](OptimizationConfig& c) { c.tensor_memory_fraction = std::nan(""); },
             "tensor_memory_fraction");
  expect_bad([](OptimizationConfig& c) { c.tensor_memory_fraction = 0; }, "tensor_memory_fraction");
  expect_bad([](OptimizationConfig& c) { c.tuning_interval = 10ms; }, "tuning_interval");
  expect_bad([](OptimizationConfig& c) { c.performance_history_size = 1; },
             "performance_history_size");
  expect_bad([](OptimizationConfig& c) { c.monitoring_interval = 2h; }, "monitoring_interval");
  expect_bad([](OptimizationConfig& c) { c.profile.clear(); }, "profile");
}

TEST(ValidateTest, ThresholdOrdering) {
  OptimizationConfig c;
  c.memory_elevated_threshold = 0.9;
  const ConfigError e = validate_error(c);
  EXPECT_EQ(e.key(), "memory_elevated_threshold");
  EXPECT_THAT(e.what(), HasSubstr("memory thresholds must rise"));
  OptimizationConfig d;
  d.memory_critical_threshold = 0.75;
  EXPECT_EQ(validate_error(d).key(), "memory_threshold");
}

TEST(ValidateTest, StrategyNameWithSuggestion) {
  OptimizationConfig c;
  c.load_balancing_strategy = "consistent_hsah";
  EXPECT_THAT(validate_error(c).what(),
              StartsWith("<config>: key 'load_balancing_strategy': unknown value "
                         "'consistent_hsah'; did you mean 'consistent_hash'?"));
  for (const char* s :
       {"round_robin", "random", "least_loaded", "peak_ewma", "adaptive", "consistent_hash"}) {
    c.load_balancing_strategy = s;
    EXPECT_NO_THROW(validate(c)) << s;
  }
}

// ---- to_json and the round trip ----

TEST(ToJsonTest, EveryFieldByItsKey) {
  const nlohmann::json j = to_json(OptimizationConfig{});
  EXPECT_EQ(j.size(), 23u);
  EXPECT_EQ(j["profile"], "custom");
  EXPECT_EQ(j["enable_smart_caching"], true);
  EXPECT_EQ(j["cache_size_limit"], 1000);
  EXPECT_EQ(j["cache_max_bytes"], "256MiB");
  EXPECT_EQ(j["cache_ttl"], "1h");
  EXPECT_EQ(j["max_workers"], 4);
  EXPECT_EQ(j["load_balancing_strategy"], "least_loaded");
  EXPECT_DOUBLE_EQ(j["memory_threshold"].get<double>(), 0.8);
  EXPECT_EQ(j["tuning_interval"], "30s");
  EXPECT_EQ(j["monitoring_interval"], "1s");
  EXPECT_EQ(j["performance_history_size"], 1000);
}

TEST(ToJsonTest, EveryKeyLoadsAlone) {
  const nlohmann::json j = to_json(profiles::development());
  for (const auto& [key, value] : j.items()) {
    EXPECT_NO_THROW(load(key + ": " + value.dump() + "\n")) << key;
  }
}

OptimizationConfig unusual_config() {
  OptimizationConfig c;
  c.profile = "custom";
  c.enable_smart_caching = false;
  c.enable_monitoring = false;
  c.enable_cuda_graphs = true;
  c.cache_size_limit = 123'457;
  c.cache_max_bytes = 1000;  // not a multiple of 1024
  c.cache_ttl = 0ms;
  c.max_workers = 4096;
  c.load_balancing_strategy = "consistent_hash";
  c.memory_elevated_threshold = 0.1 + 0.2;  // not exactly 0.3
  c.memory_threshold = 1.0 / 3.0;
  c.memory_critical_threshold = 0.999999999;
  c.memory_psi_threshold = 12.345;
  c.tensor_memory_fraction = 1e-3;
  c.tuning_interval = 1500ms;
  c.performance_history_size = 10;
  c.monitoring_interval = 90s;
  return c;
}

TEST(RoundTripTest, YamlFromToJsonLoadsBackEqual) {
  for (const OptimizationConfig& c :
       {OptimizationConfig{}, profiles::development(), profiles::production(),
        profiles::high_performance(), unusual_config()}) {
    const std::string yaml = to_yaml(c);
    const OptimizationConfig back = load(yaml);
    EXPECT_EQ(to_json(back), to_json(c)) << yaml;
    EXPECT_EQ(back.memory_elevated_threshold, c.memory_elevated_threshold);  // bit-exact
    EXPECT_EQ(back.memory_threshold, c.memory_threshold);
    EXPECT_EQ(back.tuning_interval, c.tuning_interval);
    EXPECT_EQ(back.cache_max_bytes, c.cache_max_bytes);
    EXPECT_EQ(back.profile, c.profile);
  }
}

TEST(RoundTripTest, ThroughAFileAndAsJsonText) {
  const OptimizationConfig c = unusual_config();
  const auto path = write_temp("roundtrip.yaml", to_yaml(c));
  EXPECT_EQ(to_json(load_config(path)), to_json(c));
  // JSON is YAML: the JSON text itself loads too.
  EXPECT_EQ(to_json(load(to_json(c).dump(2))), to_json(c));
}

TEST(ConfigErrorTest, FormatsWhatFromParts) {
  EXPECT_STREQ(ConfigError("f.yaml", 3, "k", "bad").what(), "f.yaml:3: key 'k': bad");
  EXPECT_STREQ(ConfigError("f.yaml", 0, "k", "bad").what(), "f.yaml: key 'k': bad");
  EXPECT_STREQ(ConfigError("f.yaml", 2, "", "bad").what(), "f.yaml:2: bad");
  EXPECT_STREQ(ConfigError("", 0, "", "bad").what(), "bad");
  const InputError& base = ConfigError("f.yaml", 1, "k", "bad");
  EXPECT_STREQ(base.what(), "f.yaml:1: key 'k': bad");
}

}  // namespace
}  // namespace opusperf
