#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace kce {

/// Outcome of ParseDuration. `error` is empty on success.
struct DurationParse {
  std::chrono::nanoseconds value{0};
  /// Why the text was rejected, naming the text; empty when accepted.
  std::string error;

  bool ok() const { return error.empty(); }
};

/// Parses a Go time.ParseDuration string: an optional sign, then one or more decimal numbers
/// (fractions allowed) each followed by a unit: ns, us (or µs), ms, s, m, h. Examples: "30s",
/// "1m30s", "500ms", "1.5h". A bare "0" is accepted; any other number needs a unit. Values beyond
/// the int64 range of nanoseconds are rejected. Never throws.
DurationParse ParseDuration(std::string_view text);

/// Renders a duration so that ParseDuration reads it back exactly, as compactly as possible:
/// "30s", "1m30s", "1h", "500ms", "1.5s", "0s". Never throws.
std::string FormatDuration(std::chrono::nanoseconds value);

}  // namespace kce
