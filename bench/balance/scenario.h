// Scenario: the input of the load-balancing simulator (`opusperf bench balance --scenario FILE`).
//
//   {"workers": [{"speed": 1.0, "count": 6}, {"speed": 2.0}, {"speed": 0.2}],
//    "load": 0.8, "jobs": 200000, "service": "exp"}
//
// Keys (every other key is an error, so a typo is not silently ignored):
//   workers        required, non-empty array of objects:
//     speed          > 0, default 1: jobs per second the worker serves (a job's mean service time
//                    is 1 / speed seconds)
//     count          whole number >= 1, default 1: this many identical workers
//     weight         > 0, default 1: the weight the balancer is told (it is not told the speed)
//     fail_after     whole number: from this job index on (jobs are numbered in arrival order
//                    from 0), jobs sent to the worker fail...
//     recover_after  whole number > fail_after: ...until this job index (default: never recover)
//     fail_prob      in [0, 1], default 1: chance that a job sent during the window fails
//     fail_latency   >= 0 seconds, default 0.001: how fast such a job fails (without queueing)
//   load           required, in (0, 10]: arrival rate as a share of the total speed
//   jobs           whole number in [1, 100000000], default 100000
//   service        "exp" (default; exponential service times) or "fixed"
//   measure_from   whole number < jobs: also count each worker's jobs from this index on
//                  (window_jobs_per_worker), e.g. to see a recovered worker's share
//   name, description  strings, shown in the output
//
// Bad input throws InputError naming the file, the field (as a path: workers[2].speed) and why;
// invalid JSON names the line and column.
//
// Thread-safety: plain value types and pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opusperf::bench::balancesim {

struct SimWorkerSpec {
  double speed = 1.0;
  double weight = 1.0;
  std::optional<std::uint64_t> fail_after;
  std::optional<std::uint64_t> recover_after;
  double fail_prob = 1.0;
  double fail_latency = 0.001;

  // Returns whether job `index` falls in this worker's failure window.
  bool failing_at(std::uint64_t index) const {
    return fail_after && index >= *fail_after && (!recover_after || index < *recover_after);
  }
};

enum class ServiceDistribution { kExponential, kFixed };

struct Scenario {
  std::string source;  // the file it came from (for messages and output)
  std::string name;
  std::string description;
  std::vector<SimWorkerSpec> workers;  // `count` already expanded: one entry a worker
  double load = 0.8;
  std::uint64_t jobs = 100000;
  ServiceDistribution service = ServiceDistribution::kExponential;
  std::optional<std::uint64_t> measure_from;

  // Returns the sum of the workers' speeds: the jobs per second the system can serve.
  double capacity() const;
};

// Parses scenario JSON text; `source` names it in errors. Throws InputError.
Scenario parse_scenario(std::string_view text, std::string_view source);
// Reads and parses a scenario file. Throws InputError when unreadable or invalid.
Scenario load_scenario(const std::filesystem::path& file);

}  // namespace opusperf::bench::balancesim
