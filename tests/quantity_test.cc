#include "kce/quantity.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kce {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr __int128 kNanosPerUnit = 1000000000;

// gtest cannot print __int128, so quantities are compared here and shown through FormatQuantity.
testing::AssertionResult HasNanos(std::string_view text, __int128 expected) {
  const QuantityParse parsed = ParseQuantity(text);
  if (!parsed.ok()) return testing::AssertionFailure() << parsed.error;
  if (parsed.value.nanos != expected) {
    return testing::AssertionFailure()
           << '"' << text << "\" parsed as " << FormatQuantity(parsed.value) << ", expected "
           << FormatQuantity(Quantity{expected});
  }
  return testing::AssertionSuccess();
}

// One row of the reference table in kubernetes-accounting.md §4.3.
struct ReferenceRow {
  std::string_view input;
  std::int64_t value;
  bool has_milli;
  std::int64_t milli;

  friend void PrintTo(const ReferenceRow& row, std::ostream* os) { *os << '"' << row.input << '"'; }
};

constexpr ReferenceRow WithMilli(std::string_view input, std::int64_t milli, std::int64_t value) {
  return {input, value, true, milli};
}
constexpr ReferenceRow ValueOnly(std::string_view input, std::int64_t value) {
  return {input, value, false, 0};
}

class QuantityReferenceTest : public testing::TestWithParam<ReferenceRow> {};

TEST_P(QuantityReferenceTest, MatchesKubernetes) {
  const ReferenceRow& row = GetParam();
  const QuantityParse parsed = ParseQuantity(row.input);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_FALSE(parsed.saturated);
  bool value_saturated = true;
  EXPECT_EQ(Value(parsed.value, &value_saturated), row.value);
  EXPECT_FALSE(value_saturated);
  if (row.has_milli) {
    bool milli_saturated = true;
    EXPECT_EQ(MilliValue(parsed.value, &milli_saturated), row.milli);
    EXPECT_FALSE(milli_saturated);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, QuantityReferenceTest,
    testing::Values(
        WithMilli("0", 0, 0), WithMilli("1", 1000, 1), WithMilli("100m", 100, 1),
        WithMilli("0.5", 500, 1), WithMilli(".5", 500, 1), WithMilli("5.", 5000, 5),
        WithMilli("1.5", 1500, 2), WithMilli("1.5m", 2, 1), WithMilli("0.0001", 1, 1),
        WithMilli("100u", 1, 1), WithMilli("250000u", 250, 1), WithMilli("1500000n", 2, 1),
        WithMilli("1.2345", 1235, 2), WithMilli("1e3", 1000000, 1000), WithMilli("1E-3", 1, 1),
        WithMilli("1.5e-3", 2, 1), WithMilli("2.5e-1", 250, 1), WithMilli("1.2e3", 1200000, 1200),
        ValueOnly("128974848", 128974848), ValueOnly("129e6", 129000000),
        ValueOnly("129M", 129000000), ValueOnly("123Mi", 128974848), ValueOnly("1k", 1000),
        ValueOnly("1Ki", 1024), WithMilli("1.1Ki", 1126400, 1127), ValueOnly("1.5Ki", 1536),
        ValueOnly("0.5Gi", 536870912), ValueOnly("1.5Gi", 1610612736), ValueOnly("1G", 1000000000),
        ValueOnly("1Ti", 1099511627776), ValueOnly("1P", 1000000000000000),
        ValueOnly("1E", 1000000000000000000), ValueOnly("7.5E", 7500000000000000000),
        ValueOnly("1288490188800m", 1288490189), ValueOnly("937500k", 937500000)));

TEST(QuantityTest, NineExbibytesSaturatesAtInt64Max) {
  const QuantityParse parsed = ParseQuantity("9Ei");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.saturated);
  EXPECT_TRUE(parsed.value.nanos == kMaxQuantityNanos);
  EXPECT_EQ(Value(parsed.value), kInt64Max);
}

class QuantityRejectTest : public testing::TestWithParam<std::string_view> {};

TEST_P(QuantityRejectTest, RejectsAndQuotesInput) {
  const std::string_view input = GetParam();
  const QuantityParse parsed = ParseQuantity(input);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.rfind("invalid quantity \"" + std::string(input) + "\": ", 0), 0u)
      << parsed.error;
  EXPECT_TRUE(parsed.value.nanos == 0);
}

INSTANTIATE_TEST_SUITE_P(Table, QuantityRejectTest,
                         testing::Values("", " 1", "1 ", "1K", "1KB", "1Kib", "1mi", "1i", "1m5",
                                         "1Mi2", "1e", "1e+", "1.1.M", "--1", "1,5", "0x10",
                                         "1_000", "1e3.5", "Infinity", "NaN", "aoeu", ".", "-", "+",
                                         "e3", "Ki", "1EE", "1ki", "1Ei3", "1e3m", "1..5", "1e-",
                                         "+-1", "1E+-3"));

TEST(QuantityTest, ErrorMessagesSayWhy) {
  EXPECT_EQ(ParseQuantity("1K").error, "invalid quantity \"1K\": unknown suffix \"K\"");
  EXPECT_EQ(ParseQuantity("").error, "invalid quantity \"\": empty string");
  EXPECT_EQ(ParseQuantity("1e").error, "invalid quantity \"1e\": exponent \"e\" has no digits");
  EXPECT_EQ(ParseQuantity("1e+").error, "invalid quantity \"1e+\": exponent \"e+\" has no digits");
  EXPECT_EQ(ParseQuantity("1e3.5").error,
            "invalid quantity \"1e3.5\": exponent \"e3.5\" is not an integer");
  EXPECT_EQ(ParseQuantity("aoeu").error,
            "invalid quantity \"aoeu\": expected a number, found \"aoeu\"");
  EXPECT_EQ(ParseQuantity("-.").error, "invalid quantity \"-.\": number \".\" has no digits");
  EXPECT_EQ(ParseQuantity("-").error, "invalid quantity \"-\": sign \"-\" without a number");
}

TEST(QuantityTest, ErrorMessagesEscapeAndTruncate) {
  EXPECT_EQ(ParseQuantity("1\n\"").error,
            "invalid quantity \"1\\x0a\\\"\": unknown suffix \"\\x0a\\\"\"");
  const std::string huge = "1" + std::string(100000, 'x');
  const std::string error = ParseQuantity(huge).error;
  EXPECT_LT(error.size(), 200u) << error;
  EXPECT_NE(error.find("unknown suffix \"xxx"), std::string::npos) << error;
  EXPECT_EQ(error.substr(error.size() - 4), "...\"") << error;
}

TEST(QuantityTest, SignsAreAccepted) {
  EXPECT_TRUE(HasNanos("+1.5", 1500000000));
  EXPECT_TRUE(HasNanos("-1.5", -1500000000));
  EXPECT_TRUE(HasNanos("-0", 0));
  EXPECT_TRUE(HasNanos("+0", 0));
  EXPECT_TRUE(HasNanos("-1Ki", -1024 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("-.5e1", -5 * kNanosPerUnit));
}

TEST(QuantityTest, NegativeValuesRoundAwayFromZero) {
  const Quantity q = ParseQuantity("-1.5").value;
  EXPECT_EQ(MilliValue(q), -1500);
  EXPECT_EQ(Value(q), -2);
  EXPECT_EQ(MilliValue(ParseQuantity("-1.5m").value), -2);
  EXPECT_EQ(Value(ParseQuantity("-1.5m").value), -1);
  EXPECT_EQ(MilliValue(ParseQuantity("-100u").value), -1);
  EXPECT_EQ(Value(ParseQuantity("-2").value), -2);
  EXPECT_EQ(MilliValue(ParseQuantity("-1m").value), -1);
}

TEST(QuantityTest, MoreThanNineDecimalsRoundUpAtNanoScale) {
  EXPECT_TRUE(HasNanos("0.0000000001", 1));
  EXPECT_TRUE(HasNanos("-0.0000000001", -1));
  EXPECT_TRUE(HasNanos("1.0000000001", kNanosPerUnit + 1));
  EXPECT_TRUE(HasNanos("1.0000000000", kNanosPerUnit));
  EXPECT_TRUE(HasNanos("0.5n", 1));
  EXPECT_TRUE(HasNanos("1.5n", 2));
  EXPECT_TRUE(HasNanos("1.000000000000000000000000000000000000000001", kNanosPerUnit + 1));
  EXPECT_TRUE(HasNanos("123456789.1234567891", 123456789123456790));
  EXPECT_TRUE(HasNanos("1234e-12", 2));
}

TEST(QuantityTest, BinarySuffixWithFractionRoundsUp) {
  EXPECT_TRUE(HasNanos("0.1Ki", 102400000000));
  // 1e-10 * 1024 units = 102.4 nanos.
  EXPECT_TRUE(HasNanos("0.0000000001Ki", 103));
  // 1e-18 * 2^60 units = 1.152921504606846976 units.
  EXPECT_TRUE(HasNanos("0.000000000000000001Ei", 1152921505));
  EXPECT_TRUE(HasNanos("0.5Ei", (static_cast<__int128>(1) << 59) * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("7Ei", static_cast<__int128>(7) * (std::int64_t{1} << 60) * kNanosPerUnit));
}

TEST(QuantityTest, ExponentForms) {
  EXPECT_TRUE(HasNanos("1E3", 1000 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1e+3", 1000 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1E+3", 1000 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1e03", 1000 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1e0", kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1e-9", 1));
  EXPECT_TRUE(HasNanos("15e-10", 2));
}

TEST(QuantityTest, SaturatesAtInt64MaxUnits) {
  QuantityParse parsed = ParseQuantity("9223372036854775807");
  EXPECT_FALSE(parsed.saturated);
  EXPECT_TRUE(parsed.value.nanos == kMaxQuantityNanos);

  for (std::string_view input : {"9223372036854775807.000000001", "9223372036854775808", "8Ei",
                                 "1e19", "99999999999999999999999999999999999999999999"}) {
    parsed = ParseQuantity(input);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_TRUE(parsed.saturated) << input;
    EXPECT_TRUE(parsed.value.nanos == kMaxQuantityNanos) << input;
  }
  parsed = ParseQuantity("-9Ei");
  EXPECT_TRUE(parsed.saturated);
  EXPECT_TRUE(parsed.value.nanos == -kMaxQuantityNanos);
  EXPECT_EQ(Value(parsed.value), -kInt64Max);
}

TEST(QuantityTest, MilliAndValueClampToInt64) {
  bool saturated = false;
  EXPECT_EQ(MilliValue(ParseQuantity("1E").value, &saturated), kInt64Max);
  EXPECT_TRUE(saturated);
  EXPECT_EQ(MilliValue(ParseQuantity("-1E").value, &saturated), kInt64Min);
  EXPECT_TRUE(saturated);
  EXPECT_EQ(Value(ParseQuantity("1E").value, &saturated), 1000000000000000000);
  EXPECT_FALSE(saturated);
  const Quantity below_min{static_cast<__int128>(kInt64Min) * kNanosPerUnit - 1};
  EXPECT_EQ(Value(below_min, &saturated), kInt64Min);
  EXPECT_TRUE(saturated);
  EXPECT_EQ(Value(Quantity{static_cast<__int128>(kInt64Min) * kNanosPerUnit}, &saturated),
            kInt64Min);
  EXPECT_FALSE(saturated);
}

TEST(QuantityTest, HugeExponentsStayBounded) {
  QuantityParse parsed = ParseQuantity("2E6024865272343");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.saturated);
  EXPECT_TRUE(parsed.value.nanos == kMaxQuantityNanos);

  parsed = ParseQuantity("1e99999999999999999999999999999999");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.saturated);

  EXPECT_TRUE(HasNanos("1e-999999999", 1));
  EXPECT_TRUE(HasNanos("-1e-999999999", -1));
  EXPECT_TRUE(HasNanos("1e-99999999999999999999999999999999", 1));
  EXPECT_TRUE(HasNanos("0e999999999999", 0));
  EXPECT_FALSE(ParseQuantity("0e999999999999").saturated);
  EXPECT_TRUE(HasNanos("0.0e-999999999999", 0));
}

TEST(QuantityTest, LongDigitStringsStayExact) {
  const std::string zeros(100000, '0');
  const QuantityParse parsed = ParseQuantity("1" + zeros);
  EXPECT_TRUE(parsed.saturated);
  EXPECT_TRUE(parsed.value.nanos == kMaxQuantityNanos);
  EXPECT_TRUE(HasNanos(zeros + "1", kNanosPerUnit));
  EXPECT_TRUE(HasNanos("0." + zeros + "1", 1));
  EXPECT_TRUE(HasNanos("1." + zeros, kNanosPerUnit));
  EXPECT_TRUE(HasNanos("1." + zeros + "1", kNanosPerUnit + 1));
  EXPECT_TRUE(HasNanos("1" + zeros + "e-100000", kNanosPerUnit));
  // 9.99...9 with 99,999 decimals rounds up to exactly 10.
  EXPECT_TRUE(HasNanos(std::string(100000, '9') + "e-99999", 10 * kNanosPerUnit));
  EXPECT_TRUE(HasNanos("0." + zeros + "1Ei", 1));
  EXPECT_TRUE(HasNanos("1." + zeros + "Ki", 1024 * kNanosPerUnit));
}

TEST(QuantityTest, RoundUpToMilliAsTheApiServerStores) {
  auto rounded = [](const char* text) {
    const QuantityParse parsed = ParseQuantity(text);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    return FormatQuantity(RoundUpToMilli(parsed.value));
  };
  EXPECT_EQ(rounded("1.5m"), "0.002");
  EXPECT_EQ(rounded("100u"), "0.001");
  EXPECT_EQ(rounded("1n"), "0.001");
  EXPECT_EQ(rounded("-1.5m"), "-0.002");
  EXPECT_EQ(rounded("250m"), "0.25");
  EXPECT_EQ(rounded("0"), "0");
  EXPECT_EQ(rounded("1.1Ki"), "1126.4");
  EXPECT_EQ(RoundUpToMilli(Quantity{kMaxQuantityNanos}).nanos, kMaxQuantityNanos);
  EXPECT_EQ(RoundUpToMilli(Quantity{-kMaxQuantityNanos}).nanos, -kMaxQuantityNanos);
}

TEST(QuantityTest, FormatQuantityIsCanonicalDecimal) {
  EXPECT_EQ(FormatQuantity(ParseQuantity("1.5").value), "1.5");
  EXPECT_EQ(FormatQuantity(ParseQuantity("-1m").value), "-0.001");
  EXPECT_EQ(FormatQuantity(ParseQuantity("0").value), "0");
  EXPECT_EQ(FormatQuantity(ParseQuantity("-0").value), "0");
  EXPECT_EQ(FormatQuantity(ParseQuantity("1Ki").value), "1024");
  EXPECT_EQ(FormatQuantity(ParseQuantity("100m").value), "0.1");
  EXPECT_EQ(FormatQuantity(Quantity{-1}), "-0.000000001");
  EXPECT_EQ(FormatQuantity(Quantity{kMaxQuantityNanos}), "9223372036854775807");
  const __int128 most_negative = -(static_cast<__int128>(1) << 126) * 2;
  EXPECT_EQ(FormatQuantity(Quantity{most_negative}), "-170141183460469231731687303715.884105728");
}

TEST(QuantityTest, FormatQuantityRoundTrips) {
  const std::vector<std::string_view> inputs = {"0",
                                                "1",
                                                "-1",
                                                "100m",
                                                "1.5m",
                                                "0.0000000001",
                                                "123Mi",
                                                "1.1Ki",
                                                "7.5E",
                                                "-250000u",
                                                "9Ei",
                                                "-9Ei",
                                                "1e-3",
                                                "2.5e-1",
                                                "937500k",
                                                "1.2345",
                                                "0.000000000000000001Ei",
                                                "9223372036854775807.000000001"};
  for (std::string_view input : inputs) {
    const QuantityParse first = ParseQuantity(input);
    ASSERT_TRUE(first.ok()) << first.error;
    const std::string text = FormatQuantity(first.value);
    const QuantityParse second = ParseQuantity(text);
    ASSERT_TRUE(second.ok()) << second.error;
    EXPECT_TRUE(second.value == first.value) << input << " -> " << text;
    EXPECT_FALSE(second.saturated) << input << " -> " << text;
  }
  for (__int128 nanos :
       {static_cast<__int128>(1), static_cast<__int128>(-999999999),
        static_cast<__int128>(1000000001), kMaxQuantityNanos - 1, -kMaxQuantityNanos}) {
    const std::string text = FormatQuantity(Quantity{nanos});
    EXPECT_TRUE(HasNanos(text, nanos)) << text;
  }
}

}  // namespace
}  // namespace kce
