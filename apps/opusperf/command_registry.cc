#include "command_registry.h"

namespace opusperf::cli {
namespace {

// Function-local statics: safe to use from other files' static initialisers.
std::vector<QuickstartExample>& mutable_examples() {
  static std::vector<QuickstartExample> examples;
  return examples;
}

std::vector<BenchSuite>& mutable_suites() {
  static std::vector<BenchSuite> suites;
  return suites;
}

}  // namespace

bool register_quickstart(QuickstartExample example) {
  mutable_examples().push_back(std::move(example));
  return true;
}

bool register_bench_suite(BenchSuite suite) {
  mutable_suites().push_back(std::move(suite));
  return true;
}

const std::vector<QuickstartExample>& quickstart_examples() {
  return mutable_examples();
}
const std::vector<BenchSuite>& bench_suites() {
  return mutable_suites();
}

}  // namespace opusperf::cli
