#pragma once

#include <string>

namespace kce {

/// A problem with one object of a list. A skipped object is left out of the poll; the rest of
/// the poll still counts. A kept one (for example a quantity clamped at the int64 bound) is
/// counted and reported.
struct ObjectIssue {
  std::string kind;     // "node", "pod", or "item" for a List item of no known kind
  std::string object;   // "name" for nodes, "namespace/name" for pods, or "item N" when unnamed
  std::string reason;   // short label value: bad_quantity, bad_field, duplicate, saturated
  std::string message;  // full sentence naming the field and the offending text
  bool skipped = true;
};

}  // namespace kce
