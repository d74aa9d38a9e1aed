#include "kce/byte_size.h"

#include <charconv>
#include <string_view>

namespace kce {

bool ParseByteSize(const std::string& text, std::uint64_t* bytes, std::string* error) {
  std::uint64_t number = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec == std::errc::result_out_of_range) {
    *error = "byte size \"" + text + "\" is out of range";
    return false;
  }
  if (ec != std::errc() || ptr == begin) {
    *error = "expected a byte size such as \"256Mi\" or \"1048576\", got \"" + text + "\"";
    return false;
  }
  std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  if (!suffix.empty() && suffix.back() == 'B') suffix.remove_suffix(1);
  int shift = 0;
  if (suffix == "Ki") {
    shift = 10;
  } else if (suffix == "Mi") {
    shift = 20;
  } else if (suffix == "Gi") {
    shift = 30;
  } else if (!suffix.empty()) {
    *error = "byte size \"" + text + "\" has an unknown suffix (use Ki, Mi or Gi)";
    return false;
  }
  if (number > (UINT64_MAX >> shift)) {
    *error = "byte size \"" + text + "\" is out of range";
    return false;
  }
  *bytes = number << shift;
  return true;
}

std::string FormatByteSize(std::uint64_t bytes) {
  static constexpr struct {
    int shift;
    const char* suffix;
  } kUnits[] = {{30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (const auto& unit : kUnits) {
    const std::uint64_t size = std::uint64_t{1} << unit.shift;
    if (bytes >= size && bytes % size == 0) return std::to_string(bytes / size) + unit.suffix;
  }
  return std::to_string(bytes);
}

}  // namespace kce
