#include "bench/cache/reference_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "bench/cache/test_util.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

using ::testing::HasSubstr;

constexpr const char* kTable = R"(# Reference

Some prose | with a bar.

| trace | requests | capacity | LRU | ARC | Belady | best non-Bélády |
|---|---|---|---|---|---|---|
| gli | 6015 | 126 | 0.9 | 1.4 | 9.4 | 7.9 |
| cs | 6781 | 70 | 1.8 | 1.8 | 6.0 | 3.5 |

Trailing text.
)";

std::string error_of(const std::string& text) {
  try {
    parse_reference_table(text, "REF.md");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReferenceTableTest, ParsesRowsAndColumns) {
  const ReferenceTable t = parse_reference_table(kTable, "REF.md");
  ASSERT_EQ(t.rows.size(), 2u);
  const ReferenceRow& gli = t.rows[0];
  EXPECT_EQ(gli.line, 7u);
  EXPECT_EQ(gli.trace, "gli");
  EXPECT_EQ(gli.requests, 6015u);
  EXPECT_EQ(gli.capacity, 126u);
  EXPECT_DOUBLE_EQ(gli.best_online, 7.9);
  EXPECT_DOUBLE_EQ(gli.column("ARC").value(), 1.4);
  EXPECT_DOUBLE_EQ(gli.column("Belady").value(), 9.4);
  EXPECT_FALSE(gli.column("LIRS").has_value());
  EXPECT_EQ(gli.hit_ratios.size(), 3u);
  EXPECT_EQ(t.rows[1].trace, "cs");
}

TEST(ReferenceTableTest, MalformedCellNamesLineAndColumn) {
  std::string text = kTable;
  text.replace(text.find("1.8 | 6.0"), 3, "n/a");
  EXPECT_THAT(error_of(text), HasSubstr("REF.md:8: column 'ARC': expected a number, got 'n/a'"));
}

TEST(ReferenceTableTest, RejectsMissingTableColumnsAndRaggedRows) {
  EXPECT_THAT(error_of("no table here\n"), HasSubstr("no table"));
  EXPECT_THAT(error_of("| trace | capacity | best |\n|---|---|---|\n| a | 1 | 2 |\n"),
              HasSubstr("REF.md:1: the table has no 'requests' column"));
  EXPECT_THAT(
      error_of("| trace | requests | capacity | best |\n|---|---|---|---|\n| a | 1 | 2 |\n"),
      HasSubstr("REF.md:3: 3 cells, the header has 4"));
  EXPECT_THAT(error_of("| trace | requests | capacity | best |\n|---|---|---|---|\n"),
              HasSubstr("no rows"));
  EXPECT_THAT(
      error_of("| trace | requests | capacity | best |\n|---|---|---|---|\n| a | 1 | 0 | 2 |\n"),
      HasSubstr("REF.md:3: capacity 0 is out of range 1.."));
}

TEST(ReferenceTableTest, MissingFileNamesIt) {
  EXPECT_THROW(read_reference_table("/nonexistent/REFERENCE.md"), InputError);
}

TEST(ReferenceTableTest, MapsSimulatorPoliciesToColumns) {
  EXPECT_EQ(reference_column_for("lru"), "LRU");
  EXPECT_EQ(reference_column_for("wtinylfu"), "W-TinyLFU(1%)");
  EXPECT_EQ(reference_column_for("belady"), "Belady");
  EXPECT_FALSE(reference_column_for("smart").has_value());
}

TEST(ReferenceTableTest, ReadsTheSharedReferenceTable) {
  const std::string path = testing::cache_traces_dir() + "/REFERENCE.md";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no reference table at " << path;
  const ReferenceTable t = read_reference_table(path);
  EXPECT_GE(t.rows.size(), 36u);
  for (const ReferenceRow& row : t.rows) {
    for (const char* column : {"LRU", "ARC", "Belady"})
      EXPECT_TRUE(row.column(column).has_value()) << row.trace << " lacks " << column;
  }
}

}  // namespace
}  // namespace opusperf::bench::cachesim
