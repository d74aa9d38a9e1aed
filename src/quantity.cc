#include "kce/quantity.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kce {
namespace {

using u128 = unsigned __int128;

constexpr std::uint32_t kNanosPerUnit = 1000000000;
constexpr std::uint32_t kNanosPerMilli = 1000000;
// 10^19 - 1 is below 2^64, so a mantissa of up to 19 digits fits in 64 bits.
constexpr std::int64_t kMaxMantissaDigits = 19;

// kMaxQuantityNanos is below 10^28, so any value with a digit at 10^28 or above saturates.
constexpr std::int64_t kSaturationDigits = 28;
// 2^60 (the largest binary suffix) is below 10^19: a value below 10^-19 stays below one nano
// even after the binary multiplier, so it rounds up to exactly one nano.
constexpr std::int64_t kMaxMultiplierDigits = 19;
// Exponents stop growing once past this while scanning. Any input that fits in memory has far
// fewer digits, so a clamped exponent saturates or underflows exactly as the true one would, and
// all later int64 arithmetic on it stays far from overflow.
constexpr std::int64_t kExponentClamp = std::int64_t{1} << 60;
// Offending text quoted in error messages is cut here so a huge input cannot flood the logs.
constexpr std::size_t kMaxQuotedBytes = 64;

constexpr std::array<__int128, kSaturationDigits + 1> kPowersOf10 = [] {
  std::array<__int128, kSaturationDigits + 1> powers{};
  powers[0] = 1;
  for (std::size_t i = 1; i < powers.size(); ++i) powers[i] = powers[i - 1] * 10;
  return powers;
}();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The integer and fraction digits of the number, read as one digit string without copying.
class DigitString {
 public:
  DigitString(std::string_view whole, std::string_view fraction)
      : whole_(whole), fraction_(fraction) {}

  std::size_t size() const { return whole_.size() + fraction_.size(); }
  int operator[](std::size_t i) const {
    return (i < whole_.size() ? whole_[i] : fraction_[i - whole_.size()]) - '0';
  }
  std::size_t FirstNonZero() const {
    std::size_t i = 0;
    while (i < size() && (*this)[i] == 0) ++i;
    return i;
  }

 private:
  std::string_view whole_;
  std::string_view fraction_;
};

// How the suffix scales the number: value = digits * 10^exponent10 * 2^shift.
struct Scale {
  std::int64_t exponent10 = 0;
  int shift = 0;
};

void AppendQuoted(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const std::size_t shown = text.size() < kMaxQuotedBytes ? text.size() : kMaxQuotedBytes;
  for (std::size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  if (shown < text.size()) out->append("...");
  out->push_back('"');
}

// Builds `invalid quantity "<text>": <reason>`.
QuantityParse Reject(std::string_view text, std::string_view reason) {
  QuantityParse result;
  result.error = "invalid quantity ";
  AppendQuoted(&result.error, text);
  result.error.append(": ");
  result.error.append(reason);
  return result;
}

// Builds `invalid quantity "<text>": <before>"<detail>"<after>`.
QuantityParse Reject(std::string_view text, std::string_view before, std::string_view detail,
                     std::string_view after = {}) {
  QuantityParse result = Reject(text, before);
  AppendQuoted(&result.error, detail);
  result.error.append(after);
  return result;
}

enum class SuffixStatus { kOk, kUnknown, kNoExponentDigits, kBadExponent };

struct SuffixPower {
  char letter;
  int power;
};
// Decimal SI suffixes and their powers of ten; only lowercase 'k' is valid.
constexpr SuffixPower kDecimalSuffixes[] = {{'n', -9}, {'u', -6}, {'m', -3}, {'k', 3}, {'M', 6},
                                            {'G', 9},  {'T', 12}, {'P', 15}, {'E', 18}};
// Binary suffixes by the letter before the 'i', and their powers of two.
constexpr SuffixPower kBinarySuffixes[] = {{'K', 10}, {'M', 20}, {'G', 30},
                                           {'T', 40}, {'P', 50}, {'E', 60}};

// Reads the suffix into *scale.
SuffixStatus InterpretSuffix(std::string_view suffix, Scale* scale) {
  if (suffix.empty()) return SuffixStatus::kOk;
  if (suffix.size() == 1) {
    for (const SuffixPower& entry : kDecimalSuffixes) {
      if (entry.letter == suffix[0]) {
        scale->exponent10 = entry.power;
        return SuffixStatus::kOk;
      }
    }
    return suffix[0] == 'e' ? SuffixStatus::kNoExponentDigits : SuffixStatus::kUnknown;
  }
  if (suffix.size() == 2 && suffix[1] == 'i') {
    for (const SuffixPower& entry : kBinarySuffixes) {
      if (entry.letter == suffix[0]) {
        scale->shift = entry.power;
        return SuffixStatus::kOk;
      }
    }
    return SuffixStatus::kUnknown;
  }
  // Only a sign or digit right after the letter makes an exponent; "Eb" is just unknown.
  if ((suffix[0] != 'e' && suffix[0] != 'E') ||
      !(IsDigit(suffix[1]) || suffix[1] == '+' || suffix[1] == '-')) {
    return SuffixStatus::kUnknown;
  }
  std::size_t i = 1;
  const bool negative = suffix[i] == '-';
  if (suffix[i] == '+' || suffix[i] == '-') ++i;
  if (i == suffix.size()) return SuffixStatus::kNoExponentDigits;
  std::int64_t exponent = 0;
  for (; i < suffix.size(); ++i) {
    if (!IsDigit(suffix[i])) return SuffixStatus::kBadExponent;
    if (exponent <= kExponentClamp / 10) exponent = exponent * 10 + (suffix[i] - '0');
  }
  scale->exponent10 = negative ? -exponent : exponent;
  return SuffixStatus::kOk;
}

// mantissa * 10^k * 2^shift in nanos for k >= 0, clamped at kMaxQuantityNanos. `significant` is
// the number of digits of a non-zero mantissa. This is the common case and needs no rounding.
__int128 ScaleUp(std::uint64_t mantissa, std::int64_t significant, std::int64_t k, int shift,
                 bool* saturated) {
  if (mantissa == 0) return 0;
  if (significant - 1 + k >= kSaturationDigits) {
    *saturated = true;
    return kMaxQuantityNanos;
  }
  const __int128 whole = static_cast<__int128>(mantissa) * kPowersOf10[static_cast<std::size_t>(k)];
  if (whole > (kMaxQuantityNanos >> shift)) {
    *saturated = true;
    return kMaxQuantityNanos;
  }
  return whole << shift;
}

// The magnitude digits * 10^k * 2^shift in nanos, rounded up, clamped at kMaxQuantityNanos.
// Handles any number of digits and any k in time linear in the digits and constant memory.
__int128 ToNanos(const DigitString& digits, std::int64_t k, int shift, bool* saturated) {
  const std::size_t first = digits.FirstNonZero();
  const auto n = static_cast<std::int64_t>(digits.size() - first);
  if (n == 0) return 0;
  // The value lies in [10^(n-1+k), 10^(n+k) * 2^shift), which decides the extremes without
  // reading more digits.
  if (n - 1 + k >= kSaturationDigits) {
    *saturated = true;
    return kMaxQuantityNanos;
  }
  if (n + k + kMaxMultiplierDigits <= 0) return 1;

  // At most 28 digits land before the nano point, so `whole` cannot overflow.
  const std::int64_t whole_digits = k >= 0 ? n : (n + k > 0 ? n + k : 0);
  __int128 whole = 0;
  for (std::int64_t i = 0; i < whole_digits; ++i) {
    whole = whole * 10 + digits[first + static_cast<std::size_t>(i)];
  }
  if (k > 0) whole *= kPowersOf10[static_cast<std::size_t>(k)];
  if (whole > (kMaxQuantityNanos >> shift)) {
    *saturated = true;
    return kMaxQuantityNanos;
  }
  whole <<= shift;
  if (k >= 0) return whole;

  // The digits below the nano point form a fraction f; add ceil(f * 2^shift). Multiplying the
  // fraction digit by digit from the right keeps memory constant for any number of digits;
  // the carry stays below 2^shift, so each step fits in 64 bits.
  std::uint64_t carry = 0;
  bool inexact = false;
  for (std::size_t i = digits.size(); i > first + static_cast<std::size_t>(whole_digits); --i) {
    const std::uint64_t step = (static_cast<std::uint64_t>(digits[i - 1]) << shift) + carry;
    inexact |= step % 10 != 0;
    carry = step / 10;
  }
  // Zeros between the nano point and the first significant digit.
  for (std::int64_t i = whole_digits == 0 ? -(n + k) : 0; i > 0 && carry != 0; --i) {
    inexact |= carry % 10 != 0;
    carry /= 10;
  }
  const __int128 total = whole + static_cast<__int128>(carry) + (inexact ? 1 : 0);
  if (total > kMaxQuantityNanos) {
    *saturated = true;
    return kMaxQuantityNanos;
  }
  return total;
}

// Quotient and remainder of a 128-bit magnitude by a divisor below 2^32. Three 64-bit divisions
// by a constant compile to multiplications, where a 128-bit division is a slow library call.
template <std::uint32_t kDivisor>
u128 DivMod(u128 dividend, std::uint32_t* remainder) {
  const auto high = static_cast<std::uint64_t>(dividend >> 64);
  const auto low = static_cast<std::uint64_t>(dividend);
  const std::uint64_t upper = ((high % kDivisor) << 32) | (low >> 32);
  const std::uint64_t lower = ((upper % kDivisor) << 32) | (low & 0xffffffffu);
  *remainder = static_cast<std::uint32_t>(lower % kDivisor);
  return (static_cast<u128>(high / kDivisor) << 64) | (static_cast<u128>(upper / kDivisor) << 32) |
         (lower / kDivisor);
}

u128 Magnitude(__int128 value) {
  // Through unsigned arithmetic so the most negative value has a magnitude too.
  return value < 0 ? u128{0} - static_cast<u128>(value) : static_cast<u128>(value);
}

// nanos / kDivisor rounded away from zero, clamped to int64.
template <std::uint32_t kDivisor>
std::int64_t DivideAwayFromZero(__int128 nanos, bool* saturated) {
  std::uint32_t remainder = 0;
  u128 quotient = DivMod<kDivisor>(Magnitude(nanos), &remainder);
  if (remainder != 0) ++quotient;
  const bool negative = nanos < 0;
  const u128 limit = negative ? u128{1} << 63 : (u128{1} << 63) - 1;
  const bool clamped = quotient > limit;
  if (saturated != nullptr) *saturated = clamped;
  if (clamped) quotient = limit;
  const auto bits = static_cast<std::uint64_t>(quotient);
  // Negating in unsigned arithmetic keeps 2^63 representable as the int64 minimum.
  return static_cast<std::int64_t>(negative ? std::uint64_t{0} - bits : bits);
}

}  // namespace

QuantityParse ParseQuantity(std::string_view text) {
  if (text.empty()) return Reject(text, "empty string");

  std::size_t pos = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '+' || text[0] == '-') ++pos;
  const std::size_t whole_begin = pos;

  // Collect up to 19 significant digits (they fit in 64 bits) while scanning, so short numbers
  // never need a second pass.
  std::uint64_t mantissa = 0;
  std::int64_t significant = 0;
  const auto scan_digits = [&] {
    const std::size_t begin = pos;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
      if (significant == 0 && digit == 0) continue;
      if (significant < kMaxMantissaDigits) mantissa = mantissa * 10 + digit;
      ++significant;
    }
    return text.substr(begin, pos - begin);
  };
  const std::string_view whole = scan_digits();
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    fraction = scan_digits();
  }
  const std::string_view suffix = text.substr(pos);
  if (whole.empty() && fraction.empty()) {
    if (pos > whole_begin) {
      return Reject(text, "number ", text.substr(whole_begin, 1), " has no digits");
    }
    if (pos == text.size()) return Reject(text, "sign ", text, " without a number");
    return Reject(text, "expected a number, found ", text.substr(whole_begin));
  }

  Scale scale;
  switch (InterpretSuffix(suffix, &scale)) {
    case SuffixStatus::kOk:
      break;
    case SuffixStatus::kUnknown:
      return Reject(text, "unknown suffix ", suffix);
    case SuffixStatus::kNoExponentDigits:
      return Reject(text, "exponent ", suffix, " has no digits");
    case SuffixStatus::kBadExponent:
      return Reject(text, "exponent ", suffix, " is not an integer");
  }

  QuantityParse result;
  const std::int64_t k = scale.exponent10 + 9 - static_cast<std::int64_t>(fraction.size());
  const __int128 magnitude =
      significant <= kMaxMantissaDigits && k >= 0
          ? ScaleUp(mantissa, significant, k, scale.shift, &result.saturated)
          : ToNanos(DigitString(whole, fraction), k, scale.shift, &result.saturated);
  result.value.nanos = negative ? -magnitude : magnitude;
  return result;
}

std::int64_t MilliValue(Quantity q, bool* saturated) {
  return DivideAwayFromZero<kNanosPerMilli>(q.nanos, saturated);
}

std::int64_t Value(Quantity q, bool* saturated) {
  return DivideAwayFromZero<kNanosPerUnit>(q.nanos, saturated);
}

Quantity RoundUpToMilli(Quantity q) {
  const __int128 milli = kNanosPerMilli;
  const __int128 rest = q.nanos % milli;
  if (rest == 0) return q;
  // kMaxQuantityNanos is a whole number of thousandths, so this never passes the bound.
  return Quantity{q.nanos - rest + (q.nanos > 0 ? milli : -milli)};
}

std::string FormatQuantity(Quantity q) {
  std::uint32_t fraction = 0;
  u128 units = DivMod<kNanosPerUnit>(Magnitude(q.nanos), &fraction);

  char buffer[64];  // 39 integer digits, a sign, a point and 9 fraction digits at most.
  char* end = buffer + sizeof(buffer);
  char* begin = end;
  if (fraction != 0) {
    int places = 9;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --places;
    }
    for (; places > 0; --places) {
      *--begin = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    *--begin = '.';
  }
  do {
    std::uint32_t digit = 0;
    units = DivMod<10>(units, &digit);
    *--begin = static_cast<char>('0' + digit);
  } while (units != 0);
  if (q.nanos < 0) *--begin = '-';
  return std::string(begin, end);
}

}  // namespace kce
