#include "bench/cache/trace_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <string>

#include "bench/cache/test_util.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

void write_plain(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void write_gzip(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

// Returns the InputError message read_trace throws for `path` ("" when it does not throw).
std::string error_of(const std::string& path) {
  try {
    read_trace(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TraceReaderTest, ReadsPlainKeysInOrder) {
  testing::ScratchDir dir;
  write_plain(dir.file("t.txt"), "5\n3\n5\n18446744073709551615\n");
  EXPECT_THAT(read_trace(dir.file("t.txt")), ElementsAre(5, 3, 5, 18446744073709551615ULL));
}

TEST(TraceReaderTest, ReadsGzipByContentNotName) {
  testing::ScratchDir dir;
  write_gzip(dir.file("t.txt.gz"), "1\n2\n3\n");
  write_gzip(dir.file("no_suffix"), "7\n8\n");
  EXPECT_THAT(read_trace(dir.file("t.txt.gz")), ElementsAre(1, 2, 3));
  EXPECT_THAT(read_trace(dir.file("no_suffix")), ElementsAre(7, 8));
}

TEST(TraceReaderTest, AcceptsBlankLinesSpacesCrlfAndMissingFinalNewline) {
  testing::ScratchDir dir;
  write_plain(dir.file("t.txt"), " 1 \r\n\n\t2\r\n3");
  EXPECT_THAT(read_trace(dir.file("t.txt")), ElementsAre(1, 2, 3));
  write_plain(dir.file("u.txt"), "4\n\n\n");
  EXPECT_THAT(read_trace(dir.file("u.txt")), ElementsAre(4));
  write_plain(dir.file("empty.txt"), "");
  EXPECT_THAT(read_trace(dir.file("empty.txt")), IsEmpty());
}

TEST(TraceReaderTest, NegativeKeysAreDistinctUnsignedKeys) {
  testing::ScratchDir dir;
  write_plain(dir.file("t.txt"), "-1\n1\n-9223372036854775808\n");
  EXPECT_THAT(read_trace(dir.file("t.txt")),
              ElementsAre(18446744073709551615ULL, 1, 9223372036854775808ULL));
}

TEST(TraceReaderTest, MalformedLineNamesFileLineAndText) {
  testing::ScratchDir dir;
  const std::string path = dir.file("bad.txt");
  write_plain(path, "1\n2\n12abc\n4\n");
  const std::string message = error_of(path);
  EXPECT_THAT(message, HasSubstr(path + ":3"));
  EXPECT_THAT(message, HasSubstr("'12abc'"));

  write_gzip(dir.file("bad.gz"), "1\n\n1 2\n");
  EXPECT_THAT(error_of(dir.file("bad.gz")),
              HasSubstr("bad.gz:3: expected one integer key, got '1 2'"));
}

TEST(TraceReaderTest, RejectsOutOfRangeSignsAndFloats) {
  testing::ScratchDir dir;
  for (const char* text :
       {"18446744073709551616\n", "-9223372036854775809\n", "+3\n", "-\n", "1.5\n", "0x10\n"}) {
    write_plain(dir.file("t.txt"), text);
    EXPECT_THAT(error_of(dir.file("t.txt")), HasSubstr("t.txt:1")) << text;
  }
}

TEST(TraceReaderTest, LongLineIsOneLineAndIsQuotedShort) {
  testing::ScratchDir dir;
  // Longer than the reader's 4 KiB chunk: still counted as a single line 2.
  write_plain(dir.file("t.txt"), "1\n" + std::string(10000, '7') + "x\n3\n");
  const std::string message = error_of(dir.file("t.txt"));
  EXPECT_THAT(message, HasSubstr("t.txt:2"));
  EXPECT_THAT(message, HasSubstr("...'"));
  EXPECT_LT(message.size(), 300u);
}

TEST(TraceReaderTest, TruncatedGzipIsAnError) {
  testing::ScratchDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += std::to_string(i * 7919 % 100003) + "\n";
  write_gzip(dir.file("full.gz"), text);
  std::ifstream in(dir.file("full.gz"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_plain(dir.file("cut.gz"), bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(read_trace(dir.file("full.gz")).size(), 20000u);
  EXPECT_THAT(error_of(dir.file("cut.gz")), HasSubstr("cannot read trace"));
}

TEST(TraceReaderTest, MissingFileIsAnInputErrorNamingIt) {
  testing::ScratchDir dir;
  const std::string path = dir.file("absent.txt.gz");
  EXPECT_THAT(error_of(path), HasSubstr(path));
}

TEST(TraceReaderTest, ParseTraceKeyQuotesTheLine) {
  EXPECT_EQ(parse_trace_key(" 42 ", "f:1"), 42u);
  try {
    parse_trace_key("forty", "f:9");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("f:9: expected one integer key, got 'forty'"));
  }
}

}  // namespace
}  // namespace opusperf::bench::cachesim
