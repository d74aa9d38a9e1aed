#include "kce/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kce {
namespace {

using ::testing::HasSubstr;

using std::chrono::milliseconds;

TEST(DurationTest, ParsesGoSyntax) {
  using std::chrono::nanoseconds;
  const struct {
    std::string text;
    std::int64_t nanos;
  } kCases[] = {
      {"0", 0},
      {"30s", 30'000'000'000},
      {"1m30s", 90'000'000'000},
      {"500ms", 500'000'000},
      {"1.5h", 5'400'000'000'000},
      {"1h2m3.25s", 3'723'250'000'000},
      {"-1s", -1'000'000'000},
      {"+5m", 300'000'000'000},
      {"2us", 2'000},
      {"3\xC2\xB5s", 3'000},
      {"7ns", 7},
      {".5s", 500'000'000},
      {"1.s", 1'000'000'000},
      {"0.000000001s", 1},
      {"9223372036854775807ns", INT64_MAX},
  };
  for (const auto& c : kCases) {
    const DurationParse parsed = ParseDuration(c.text);
    EXPECT_TRUE(parsed.ok()) << c.text << ": " << parsed.error;
    EXPECT_EQ(parsed.value, nanoseconds(c.nanos)) << c.text;
  }
}

TEST(DurationTest, RejectsMalformedText) {
  for (const std::string text : {"", "30", "1x", "s", ".s", "1e3s", "1 s", "--1s", "1s2",
                                 "9223372036854775808ns", "3000000h"}) {
    const DurationParse parsed = ParseDuration(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.error, HasSubstr("\"" + text + "\"")) << text;
  }
}

TEST(DurationTest, FormatsCompactlyAndRoundTrips) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(FormatDuration(std::chrono::seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::hours(1)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(-250)), "-250ms");
  for (const std::int64_t n : {INT64_MAX, INT64_MIN + 1, std::int64_t{1}, std::int64_t{1'234'567},
                               std::int64_t{3'723'250'000'001}}) {
    const DurationParse back = ParseDuration(FormatDuration(nanoseconds(n)));
    ASSERT_TRUE(back.ok()) << FormatDuration(nanoseconds(n));
    EXPECT_EQ(back.value.count(), n);
  }
}

}  // namespace
}  // namespace kce
