#pragma once

#include <cstdint>
#include <string>

namespace kce {

/// Reads a byte size: an integer with an optional Ki, Mi or Gi suffix, optionally followed by
/// B ("256Mi", "256MiB", "1048576"). Decimal suffixes (K, M, G, MB) are rejected as ambiguous.
/// Returns false and sets *error, naming the text, when malformed or beyond 2^64 - 1. Never
/// throws except std::bad_alloc.
bool ParseByteSize(const std::string& text, std::uint64_t* bytes, std::string* error);

/// Renders a byte size with the largest exact binary suffix: "256MiB", "1536KiB", "1000".
/// ParseByteSize reads it back exactly.
std::string FormatByteSize(std::uint64_t bytes);

}  // namespace kce
