// libFuzzer entry point for the quantity parser, built by fuzz/CMakeLists.txt and run by the
// ctest test fuzz.quantity (fuzz/run.sh).
// Every invariant violation traps, so the fuzzer records the input that caused it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kce/quantity.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

int Sign(__int128 value) { return (value > 0) - (value < 0); }

// `rounded` is nanos / divisor rounded away from zero unless it was clamped to int64.
void CheckRoundedAwayFromZero(__int128 nanos, std::int64_t rounded, bool clamped,
                              std::int64_t divisor) {
  if (clamped) {
    Check(rounded == INT64_MAX || rounded == INT64_MIN);
    Check(Sign(rounded) == Sign(nanos));
    return;
  }
  Check(Sign(rounded) == Sign(nanos));
  const __int128 scaled = static_cast<__int128>(rounded) * divisor;
  if (nanos >= 0) {
    Check(scaled >= nanos && scaled - divisor < nanos);
  } else {
    Check(scaled <= nanos && scaled + divisor > nanos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const kce::QuantityParse parsed = kce::ParseQuantity(text);

  if (!parsed.ok()) {
    Check(parsed.error.rfind("invalid quantity \"", 0) == 0);
    // Quoted text is truncated, so messages stay short whatever the input.
    Check(parsed.error.size() < 1024);
    Check(parsed.value.nanos == 0 && !parsed.saturated);
    return 0;
  }

  const __int128 nanos = parsed.value.nanos;
  Check(size > 0);
  Check(nanos <= kce::kMaxQuantityNanos && nanos >= -kce::kMaxQuantityNanos);
  Check(!parsed.saturated || nanos == kce::kMaxQuantityNanos || nanos == -kce::kMaxQuantityNanos);
  Check(nanos >= 0 || text[0] == '-');

  bool milli_clamped = false;
  bool value_clamped = false;
  const std::int64_t milli = kce::MilliValue(parsed.value, &milli_clamped);
  const std::int64_t value = kce::Value(parsed.value, &value_clamped);
  CheckRoundedAwayFromZero(nanos, milli, milli_clamped, 1000000);
  CheckRoundedAwayFromZero(nanos, value, value_clamped, 1000000000);
  // Every accepted quantity fits int64 whole units; only the milli value can overflow.
  Check(!value_clamped);

  // The canonical rendering parses back to the same value without saturating.
  const std::string formatted = kce::FormatQuantity(parsed.value);
  const kce::QuantityParse again = kce::ParseQuantity(formatted);
  Check(again.ok() && again.value == parsed.value && !again.saturated);

  // A leading '-' negates an unsigned input exactly and keeps its saturation.
  if (text[0] != '-' && text[0] != '+') {
    const std::string negated = "-" + std::string(text);
    const kce::QuantityParse negative = kce::ParseQuantity(negated);
    Check(negative.ok() && negative.value.nanos == -nanos &&
          negative.saturated == parsed.saturated);
  }
  return 0;
}
