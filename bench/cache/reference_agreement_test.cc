// The simulator checks itself against REFERENCE.md (hit ratios measured by libCacheSim): its lru,
// arc and belady (and s3fifo, which follows libCacheSim's S3-FIFO) must agree with the matching
// column within 0.5 points on every row whose trace file is present, including rows added later.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/cache/reference_evaluation.h"
#include "bench/cache/test_util.h"

namespace opusperf::bench::cachesim {
namespace {

constexpr double kTolerancePoints = 0.5;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// Sanitizers run ~10x slower: only the smaller traces (gli, multi1, cs, ps, cpp).
constexpr std::uint64_t kMaxRequests = 20000;
#else
constexpr std::uint64_t kMaxRequests = UINT64_MAX;
#endif

TEST(ReferenceAgreementTest, LruArcS3FifoAndBeladyMatchTheReferenceColumns) {
  const std::string path = testing::cache_traces_dir() + "/REFERENCE.md";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "no reference table at " << path << " (set OPUSPERF_DATA_DIR)";
  const ReferenceTable table = read_reference_table(path);
  const std::vector<std::string> policies = {"lru", "arc", "s3fifo", "belady"};
  const ReferenceEvaluation e = evaluate_reference(
      table, policies, [](const ReferenceRow& row) { return row.requests <= kMaxRequests; });
  if (e.rows.empty()) GTEST_SKIP() << "no trace file beside " << path;

  int checked = 0;
  for (const RowEvaluation& r : e.rows) {
    for (const PolicyOnRow& p : r.policies) {
      ASSERT_TRUE(p.reference.has_value()) << "table lacks the column for " << p.policy;
      EXPECT_NEAR(p.hit_ratio, *p.reference, kTolerancePoints)
          << p.policy << " on " << r.row.trace << " @ " << r.row.capacity << " (" << path << ":"
          << r.row.line << ")";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  if (!e.missing_traces.empty())
    std::cerr << "note: " << e.missing_traces.size() << " trace(s) of the table are absent\n";
}

}  // namespace
}  // namespace opusperf::bench::cachesim
