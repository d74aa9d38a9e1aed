#include "kce/duration.h"

#include <cstdint>
#include <limits>

namespace kce {
namespace {

constexpr __int128 kMaxNanos = std::numeric_limits<std::int64_t>::max();

// Returns the unit length in nanoseconds and the unit's size in bytes, or 0 when `rest` does
// not start with a unit. Longer units are tried first so "ms" is not read as "m".
std::int64_t MatchUnit(std::string_view rest, std::size_t* length) {
  struct Unit {
    std::string_view name;
    std::int64_t nanos;
  };
  static constexpr Unit kUnits[] = {
      // "\xC2\xB5s" is U+00B5 (micro sign), "\xCE\xBCs" U+03BC (Greek mu); Go takes both.
      {"ns", 1},       {"us", 1000},      {"\xC2\xB5s", 1000},      {"\xCE\xBCs", 1000},
      {"ms", 1000000}, {"s", 1000000000}, {"m", 60LL * 1000000000}, {"h", 3600LL * 1000000000},
  };
  for (const Unit& unit : kUnits) {
    if (rest.substr(0, unit.name.size()) == unit.name) {
      *length = unit.name.size();
      return unit.nanos;
    }
  }
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

DurationParse Fail(std::string_view text, std::string_view why) {
  DurationParse result;
  result.error = "invalid duration \"" + std::string(text) + "\": " + std::string(why);
  return result;
}

// Appends `fraction` (0 <= fraction < scale, scale a power of ten) as decimals without
// trailing zeros.
void AppendFraction(std::string* out, std::int64_t fraction, std::int64_t scale) {
  if (fraction == 0) return;
  std::string digits;
  for (std::int64_t s = scale / 10; s > 0; s /= 10) {
    digits.push_back(static_cast<char>('0' + (fraction / s) % 10));
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  *out += '.';
  *out += digits;
}

}  // namespace

DurationParse ParseDuration(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return DurationParse{};
  if (rest.empty()) return Fail(text, "expected a number followed by a unit such as \"30s\"");

  __int128 total = 0;
  while (!rest.empty()) {
    __int128 whole = 0;
    std::int64_t fraction = 0;
    std::int64_t scale = 1;
    bool any_digit = false;
    while (!rest.empty() && IsDigit(rest[0])) {
      whole = whole * 10 + (rest[0] - '0');
      if (whole > kMaxNanos) return Fail(text, "out of range");
      any_digit = true;
      rest.remove_prefix(1);
    }
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      while (!rest.empty() && IsDigit(rest[0])) {
        // Digits past nanosecond precision of the largest unit cannot change the result.
        if (scale < 1000000000000000000LL) {
          fraction = fraction * 10 + (rest[0] - '0');
          scale *= 10;
        }
        any_digit = true;
        rest.remove_prefix(1);
      }
    }
    if (!any_digit) return Fail(text, "expected a number");

    std::size_t unit_length = 0;
    const std::int64_t unit = MatchUnit(rest, &unit_length);
    if (unit == 0) {
      return Fail(text, rest.empty() ? "missing unit (ns, us, ms, s, m, h)"
                                     : "unknown unit (expected ns, us, ms, s, m, h)");
    }
    rest.remove_prefix(unit_length);

    total += whole * unit + static_cast<__int128>(fraction) * unit / scale;
    if (total > kMaxNanos) return Fail(text, "out of range");
  }

  DurationParse result;
  result.value = std::chrono::nanoseconds(static_cast<std::int64_t>(negative ? -total : total));
  return result;
}

std::string FormatDuration(std::chrono::nanoseconds value) {
  // Work on the magnitude in 128 bits so the int64 minimum does not overflow on negation.
  __int128 nanos = value.count();
  std::string out;
  if (nanos < 0) {
    out = "-";
    nanos = -nanos;
  }
  if (nanos == 0) return "0s";

  constexpr std::int64_t kUs = 1000;
  constexpr std::int64_t kMs = 1000 * kUs;
  constexpr std::int64_t kS = 1000 * kMs;
  auto append_scaled = [&out](__int128 n, std::int64_t unit, std::string_view suffix) {
    out += std::to_string(static_cast<std::int64_t>(n / unit));
    AppendFraction(&out, static_cast<std::int64_t>(n % unit), unit);
    out += suffix;
  };
  if (nanos < kUs) {
    append_scaled(nanos, 1, "ns");
  } else if (nanos < kMs) {
    append_scaled(nanos, kUs, "us");
  } else if (nanos < kS) {
    append_scaled(nanos, kMs, "ms");
  } else {
    const __int128 hours = nanos / (3600 * kS);
    const __int128 minutes = nanos / (60 * kS) % 60;
    const __int128 seconds_nanos = nanos % (60 * kS);
    if (hours > 0) out += std::to_string(static_cast<std::int64_t>(hours)) + "h";
    if (minutes > 0) out += std::to_string(static_cast<std::int64_t>(minutes)) + "m";
    if (seconds_nanos > 0) append_scaled(seconds_nanos, kS, "s");
  }
  return out;
}

}  // namespace kce
