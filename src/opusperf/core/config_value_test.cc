#include "opusperf/core/config_value.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Returns the InputError message `f` throws, or "" (with a test failure) when it does not throw.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected InputError";
  return "";
}

TEST(ParseBoolTest, AcceptsYamlWords) {
  EXPECT_TRUE(parse_bool("true"));
  EXPECT_TRUE(parse_bool("True"));
  EXPECT_TRUE(parse_bool("yes"));
  EXPECT_TRUE(parse_bool(" on "));
  EXPECT_FALSE(parse_bool("false"));
  EXPECT_FALSE(parse_bool("NO"));
  EXPECT_FALSE(parse_bool("off"));
}

TEST(ParseBoolTest, RejectsNumbersAndOtherWords) {
  EXPECT_EQ(error_of([] { parse_bool("3"); }), "expected true or false, got '3'");
  EXPECT_EQ(error_of([] { parse_bool("1"); }), "expected true or false, got '1'");
  EXPECT_EQ(error_of([] { parse_bool("enabled"); }), "expected true or false, got 'enabled'");
  EXPECT_EQ(error_of([] { parse_bool(""); }), "expected true or false, got ''");
}

TEST(ParseUintTest, AcceptsWholeNumbers) {
  EXPECT_EQ(parse_uint("0"), 0u);
  EXPECT_EQ(parse_uint("4096"), 4096u);
  EXPECT_EQ(parse_uint(" 007 "), 7u);
  EXPECT_EQ(parse_uint("+12"), 12u);
  EXPECT_EQ(parse_uint("1e6"), 1'000'000u);
  EXPECT_EQ(parse_uint("2.5e1"), 25u);
  EXPECT_EQ(parse_uint("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseUintTest, RejectsFractionsNegativesTextAndOverflow) {
  EXPECT_EQ(error_of([] { parse_uint("lots"); }), "expected an integer, got 'lots'");
  EXPECT_EQ(error_of([] { parse_uint("1.5"); }), "expected an integer, got '1.5'");
  EXPECT_EQ(error_of([] { parse_uint("-3"); }), "expected a non-negative integer, got '-3'");
  EXPECT_EQ(error_of([] { parse_uint("-"); }), "expected an integer, got '-'");
  EXPECT_EQ(error_of([] { parse_uint(""); }), "expected an integer, got ''");
  EXPECT_EQ(error_of([] { parse_uint("12abc"); }), "expected an integer, got '12abc'");
  EXPECT_EQ(error_of([] { parse_uint("0x10"); }), "expected an integer, got '0x10'");
  EXPECT_THAT(error_of([] { parse_uint("18446744073709551616"); }), HasSubstr("too large"));
  EXPECT_THAT(error_of([] { parse_uint("1e30"); }), HasSubstr("too large"));
  EXPECT_THAT(error_of([] { parse_uint("1e99999999"); }), HasSubstr("too large"));
  EXPECT_THAT(error_of([] { parse_uint("123456789012345678901234567890"); }),
              HasSubstr("too many significant digits"));
}

TEST(ParseDoubleTest, AcceptsDecimalNumbers) {
  EXPECT_DOUBLE_EQ(parse_double("0.75"), 0.75);
  EXPECT_DOUBLE_EQ(parse_double("1"), 1.0);
  EXPECT_DOUBLE_EQ(parse_double("+2"), 2.0);
  EXPECT_DOUBLE_EQ(parse_double("-0.5"), -0.5);
  EXPECT_DOUBLE_EQ(parse_double("1e-3"), 0.001);
  EXPECT_DOUBLE_EQ(parse_double(".5"), 0.5);
}

TEST(ParseDoubleTest, RejectsTextAndNonFinite) {
  EXPECT_EQ(error_of([] { parse_double("abc"); }), "expected a number, got 'abc'");
  EXPECT_EQ(error_of([] { parse_double("0.5x"); }), "expected a number, got '0.5x'");
  EXPECT_EQ(error_of([] { parse_double(""); }), "expected a number, got ''");
  EXPECT_EQ(error_of([] { parse_double("+-1"); }), "expected a number, got '+-1'");
  EXPECT_EQ(error_of([] { parse_double("nan"); }), "expected a finite number, got 'nan'");
  EXPECT_EQ(error_of([] { parse_double("inf"); }), "expected a finite number, got 'inf'");
  EXPECT_EQ(error_of([] { parse_double("1e999"); }), "expected a finite number, got '1e999'");
  EXPECT_EQ(error_of([] { parse_double(".inf"); }), "expected a number, got '.inf'");
}

TEST(ParseDurationTest, PlainNumbersAreSeconds) {
  EXPECT_EQ(parse_duration("30"), 30s);
  EXPECT_EQ(parse_duration("1.5"), 1500ms);
  EXPECT_EQ(parse_duration("0"), 0ms);
  EXPECT_EQ(parse_duration("0.001"), 1ms);
}

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("2000us"), 2ms);
  EXPECT_EQ(parse_duration("2000\xC2\xB5s"), 2ms);
  EXPECT_EQ(parse_duration("3000000ns"), 3ms);
  EXPECT_EQ(parse_duration("1.5h"), 90min);
  EXPECT_EQ(parse_duration("1.001s"), 1001ms);  // exact decimal arithmetic, no float rounding
  EXPECT_EQ(parse_duration(" 10 s "), 10s);
  EXPECT_EQ(parse_duration("1S"), 1s);
}

TEST(ParseDurationTest, RejectsBadForms) {
  EXPECT_THAT(error_of([] { parse_duration("5d"); }),
              HasSubstr("unknown duration unit 'd' in '5d'; use a number of seconds (1.5) or a "
                        "number with a unit ns, us, ms, s, m or h"));
  EXPECT_THAT(error_of([] { parse_duration("5 parsecs"); }), HasSubstr("unknown duration unit"));
  EXPECT_THAT(error_of([] { parse_duration("fast"); }),
              HasSubstr("expected a duration, got 'fast'; use a number of seconds"));
  EXPECT_THAT(error_of([] { parse_duration(""); }), HasSubstr("expected a duration"));
  EXPECT_THAT(error_of([] { parse_duration("ms"); }), HasSubstr("expected a duration"));
  EXPECT_EQ(error_of([] { parse_duration("-5s"); }), "a duration must not be negative, got '-5s'");
  EXPECT_THAT(error_of([] { parse_duration("2us"); }),
              HasSubstr("'2us' is not a whole number of milliseconds"));
  EXPECT_THAT(error_of([] { parse_duration("0.0005"); }), HasSubstr("not a whole number"));
  EXPECT_THAT(error_of([] { parse_duration("1e300h"); }), HasSubstr("too large"));
  EXPECT_THAT(error_of([] { parse_duration("10s10ms"); }), HasSubstr("unknown duration unit"));
}

TEST(ParseSizeTest, UnitsAndPlainBytes) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("10B"), 10u);
  EXPECT_EQ(parse_size("100KiB"), 100u * 1024);
  EXPECT_EQ(parse_size("512MiB"), 512ull << 20);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_size("1TiB"), 1ull << 40);
  EXPECT_EQ(parse_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("1MB"), 1'000'000u);
  EXPECT_EQ(parse_size("1GB"), 1'000'000'000u);
  EXPECT_EQ(parse_size("1 gib"), 1ull << 30);
}

TEST(ParseSizeTest, RejectsBadForms) {
  EXPECT_THAT(error_of([] { parse_size("lots"); }), HasSubstr("expected a size, got 'lots'"));
  EXPECT_THAT(error_of([] { parse_size("5XB"); }), HasSubstr("unknown size unit 'XB' in '5XB'"));
  EXPECT_THAT(error_of([] { parse_size("-1GiB"); }), HasSubstr("must not be negative"));
  EXPECT_THAT(error_of([] { parse_size("1.5"); }), HasSubstr("not a whole number of bytes"));
  EXPECT_THAT(error_of([] { parse_size("20000000TiB"); }), HasSubstr("too large"));
}

TEST(FormatTest, DurationUsesLargestExactUnit) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(30s), "30s");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(5min), "5m");
  EXPECT_EQ(format_duration(2h), "2h");
}

TEST(FormatTest, SizeUsesLargestExactBinaryUnit) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(100 * 1024), "100KiB");
  EXPECT_EQ(format_size(256ull << 20), "256MiB");
  EXPECT_EQ(format_size(4ull << 30), "4GiB");
  EXPECT_EQ(format_size(3ull << 40), "3TiB");
  EXPECT_EQ(format_size(1ull << 50), "1024TiB");
}

TEST(FormatTest, RoundTrips) {
  for (std::int64_t ms : std::initializer_list<std::int64_t>{0, 1LL, 999LL, 1000LL, 61'000LL,
                                                             3'600'000LL, 86'400'001LL}) {
    const std::chrono::milliseconds d(ms);
    EXPECT_EQ(parse_duration(format_duration(d)), d) << ms;
  }
  for (std::uint64_t b : std::initializer_list<std::uint64_t>{
           0ull, 1ull, 1023ull, 1024ull, 1ull << 33, 12345ull << 20,
           std::numeric_limits<std::uint64_t>::max()}) {
    EXPECT_EQ(parse_size(format_size(b)), b) << b;
  }
}

}  // namespace
}  // namespace opusperf
