#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kce {

/// An exact resource.Quantity: the value in nano units (1e-9 of the base unit).
///
/// 128 bits hold every value Kubernetes can express up to the saturation bound
/// kMaxQuantityNanos, so sums of many quantities never wrap.
struct Quantity {
  __int128 nanos = 0;

  friend bool operator==(const Quantity&, const Quantity&) = default;
  friend auto operator<=>(const Quantity& a, const Quantity& b) { return a.nanos <=> b.nanos; }
};

/// The largest magnitude a parsed quantity keeps: (2^63 - 1) whole units in nanos.
/// Larger inputs are clamped here and flagged as saturated.
inline constexpr __int128 kMaxQuantityNanos =
    static_cast<__int128>(INT64_MAX) * static_cast<__int128>(1000000000);

/// Outcome of ParseQuantity. `error` is empty on success.
struct QuantityParse {
  Quantity value;
  /// True when the input was beyond kMaxQuantityNanos and was clamped.
  bool saturated = false;
  /// Why the text was rejected, naming the text; empty when accepted.
  std::string error;

  bool ok() const { return error.empty(); }
};

/// Parses the Kubernetes quantity grammar (apimachinery pkg/api/resource) exactly:
/// optional sign, decimal number, then a decimal SI suffix (n u m "" k M G T P E), a binary
/// suffix (Ki Mi Gi Ti Pi Ei) or a decimal exponent (e3, E-3). Digits beyond nano precision
/// round up, away from zero. Never throws; bounded time and memory for any input.
QuantityParse ParseQuantity(std::string_view text);

/// The value in thousandths, rounded up away from zero (resource.Quantity.MilliValue).
/// Clamps to the int64 range; sets *saturated when it had to.
std::int64_t MilliValue(Quantity q, bool* saturated = nullptr);

/// The value in whole units, rounded up away from zero (resource.Quantity.Value).
/// Clamps to the int64 range; sets *saturated when it had to.
std::int64_t Value(Quantity q, bool* saturated = nullptr);

/// `q` rounded up, away from zero, to a whole number of thousandths: what the API server
/// stores for every quantity of a pod or node resource list ("1.5m" reads back as "2m").
/// Never leaves the range of ParseQuantity's results.
Quantity RoundUpToMilli(Quantity q);

/// A canonical decimal rendering for logs and test messages, e.g. "1.5", "-0.001".
std::string FormatQuantity(Quantity q);

}  // namespace kce
