#include "bench/cache/reference_evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "bench/cache/test_util.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

TEST(ReferenceEvaluationTest, ComputesShortfallsAndSummaries) {
  testing::ScratchDir dir;
  // 1 2 3 1 2 3: with capacity 2 LRU hits nothing and MIN hits 2 of 6; with 3, both hit 3.
  std::ofstream(dir.file("loop3.txt")) << "1\n2\n3\n1\n2\n3\n";
  const ReferenceTable table = parse_reference_table(
      "| trace | requests | capacity | LRU | Belady | best |\n|---|---|---|---|---|---|\n"
      "| loop3 | 6 | 2 | 0.0 | 33.3 | 10.0 |\n| loop3 | 6 | 3 | 50.0 | 50.0 | 50.0 |\n",
      dir.file("REFERENCE.md"));
  const std::vector<std::string> policies = {"lru", "belady"};
  const ReferenceEvaluation e = evaluate_reference(table, policies);
  ASSERT_EQ(e.rows.size(), 2u);
  EXPECT_EQ(e.rows[0].trace_path, dir.file("loop3.txt"));
  EXPECT_EQ(e.rows[0].trace_requests, 6u);
  const PolicyOnRow& lru2 = e.rows[0].policies[0];
  EXPECT_EQ(lru2.policy, "lru");
  EXPECT_DOUBLE_EQ(lru2.hit_ratio, 0.0);
  EXPECT_DOUBLE_EQ(lru2.reference.value(), 0.0);
  EXPECT_DOUBLE_EQ(lru2.shortfall, 10.0);
  EXPECT_NEAR(e.rows[0].policies[1].hit_ratio, 100.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(e.rows[1].policies[0].shortfall, 0.0);

  ASSERT_EQ(e.summaries.size(), 2u);
  const PolicySummary& lru = e.summaries[0];
  EXPECT_EQ(lru.rows, 2u);
  EXPECT_DOUBLE_EQ(lru.mean_shortfall, 5.0);
  EXPECT_DOUBLE_EQ(lru.worst_shortfall, 10.0);
  EXPECT_EQ(lru.worst_trace, "loop3");
  EXPECT_EQ(lru.worst_capacity, 2u);
  EXPECT_DOUBLE_EQ(lru.max_reference_gap.value(), 0.0);
  EXPECT_NEAR(e.summaries[1].max_reference_gap.value(), 100.0 / 3 - 33.3, 1e-9);
  EXPECT_TRUE(e.missing_traces.empty());
}

TEST(ReferenceEvaluationTest, RowsWithoutATraceAreSkippedAndListedOnce) {
  testing::ScratchDir dir;
  const ReferenceTable table = parse_reference_table(
      "| trace | requests | capacity | LRU | best |\n|---|---|---|---|---|\n"
      "| absent | 3 | 1 | 0 | 0 |\n| absent | 3 | 2 | 0 | 0 |\n",
      dir.file("REFERENCE.md"));
  const std::vector<std::string> policies = {"lru"};
  const ReferenceEvaluation e = evaluate_reference(table, policies);
  EXPECT_TRUE(e.rows.empty());
  EXPECT_EQ(e.missing_traces, std::vector<std::string>{"absent"});
  ASSERT_EQ(e.summaries.size(), 1u);
  EXPECT_EQ(e.summaries[0].rows, 0u);
}

TEST(ReferenceEvaluationTest, UnknownPolicyFailsBeforeAnyReplay) {
  const ReferenceTable table = parse_reference_table(
      "| trace | requests | capacity | best |\n|---|---|---|---|\n| x | 1 | 1 | 0 |\n", "R.md");
  const std::vector<std::string> policies = {"lru", "lfru"};
  EXPECT_THROW(evaluate_reference(table, policies), InputError);
}

TEST(ReferenceEvaluationTest, FindsCompressedThenPlainTraceFiles) {
  testing::ScratchDir dir;
  const std::string table = dir.file("REFERENCE.md");
  EXPECT_EQ(find_trace_file(table, "t"), "");
  std::ofstream(dir.file("t.txt")) << "1\n";
  EXPECT_EQ(find_trace_file(table, "t"), dir.file("t.txt"));
  std::ofstream(dir.file("t.txt.gz")) << "1\n";  // plain text in a .gz name reads fine too
  EXPECT_EQ(find_trace_file(table, "t"), dir.file("t.txt.gz"));
}

}  // namespace
}  // namespace opusperf::bench::cachesim
