// Loading an OptimizationConfig from a YAML file, checking it, and writing it out as JSON.
//
//   # opusperf.yaml
//   profile: high_performance      # base profile (optional; default production)
//   max_workers: 8                 # every other key overrides the field of the same name
//   tuning_interval: 250ms         # durations: seconds (1.5) or 250ms / 30s / 5m / 1h
//   cache_max_bytes: 2GiB          # sizes: bytes or 512MiB / 2GiB / 1GB
//
//   opusperf::OptimizationConfig cfg = opusperf::load_config("opusperf.yaml");
//   auto cfg2 = opusperf::load_config("opusperf.yaml", "development");   // --profile wins
//
// The keys are the field names of OptimizationConfig (config.h), where each default and allowed
// range is documented. Booleans are true/false (also yes/no, on/off); counts are non-negative whole
// numbers; durations and sizes use the text forms of config_value.h. `profile` names one of
// profiles::names() ('-' and '_' alike) or "custom", which starts from the plain
// OptimizationConfig{} defaults (so the output of to_json() always loads back).
//
// Every rejected input throws ConfigError (config_error.h, an InputError: exit code 2) naming the
// file, the 1-based line of the offending key, the key and the reason, e.g.
//   opusperf.yaml:7: key 'cache_size_limt': unknown key; did you mean 'cache_size_limit'?
// Nothing a file contains makes these functions crash or hang.
//
// Thread-safety: pure functions; safe from any thread. Cost: a file read and a YAML parse, once at
// start-up.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "opusperf/core/config.h"
#include "opusperf/core/config_error.h"

namespace opusperf {

// Returns the config described by the YAML file at `file`: a mapping of key: value (an empty file
// is the base profile unchanged). The base profile is `profile_override` when given (the CLI's
// --profile), else the file's `profile:` key, else profiles::production(); the returned config's
// `profile` is the base's name. Every other key overrides one field. The result is validate()d.
// Throws ConfigError when the file cannot be read, is not valid YAML, holds more than one document,
// its top level is not a mapping, a key is repeated or unknown, a value has the wrong type or is
// out of range, the result breaks a cross-field rule, or a profile name is unknown (for an unknown
// `profile_override` the error has no file, line or key).
OptimizationConfig load_config(const std::filesystem::path& file,
                               std::optional<std::string_view> profile_override = std::nullopt);

// As load_config, with the YAML text given directly; `source_name` stands for the file in messages.
OptimizationConfig load_config_string(
    std::string_view yaml, std::string_view source_name,
    std::optional<std::string_view> profile_override = std::nullopt);

// Checks every field against its range in config.h and the cross-field rules:
// memory_elevated_threshold < memory_threshold < memory_critical_threshold; load_balancing_strategy
// is one of round_robin, random, least_loaded, peak_ewma, adaptive, consistent_hash; profile is not
// empty. Returns normally when all hold. Throws ConfigError with file "<config>", line 0 and the
// offending key otherwise (for a bad strategy name, with "did you mean ...?").
void validate(const OptimizationConfig& cfg);

// Returns every field of `cfg` as a JSON object keyed by the YAML key names: booleans and numbers
// as JSON booleans and numbers, durations as strings ("30s", "250ms"), sizes as strings ("1GiB",
// "1000B"). Writing these key: value pairs to a YAML file (or passing the JSON text itself, which
// is YAML) loads back, with load_config, to a config equal to `cfg` when `cfg` is valid.
nlohmann::json to_json(const OptimizationConfig& cfg);

}  // namespace opusperf
