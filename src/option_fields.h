#pragma once

// Internal to the options implementation: the table of options that flags, YAML, the
// start-up summary and the reference docs are all driven by.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kce/options.h"

namespace kce::detail {

using Member =
    std::variant<std::string Options::*, std::chrono::milliseconds Options::*, int Options::*,
                 std::uint64_t Options::*, bool Options::*, std::vector<std::string> Options::*>;

// One row of the option table.
struct Field {
  std::string_view name;   // Options member and snake_case YAML key
  std::string_view flag;   // primary flag
  std::string_view alias;  // extra flag spelling, or empty
  bool in_yaml;            // false for options that only make sense on the command line
  Member member;
  std::string_view description;
};

/// Every option, in Options declaration order.
const std::vector<Field>& Fields();

/// "string", "duration", "integer", "bytes", "bool" or "list".
std::string TypeName(const Member& member);

/// "poll_interval" -> "poll-interval".
std::string KebabCase(std::string_view snake);

/// The value as a user would write it; empty strings and lists give "".
std::string FormatValue(const Options& options, const Member& member);

/// Splits on commas, trimming blanks and dropping empty items.
std::vector<std::string> SplitList(const std::string& text);

/// Parses `text` into the field; returns a problem description, or "" when it was set.
std::string SetFromText(Options* options, const Field& field, const std::string& text);

}  // namespace kce::detail
