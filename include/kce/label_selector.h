#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kce {

/// An equality-based label selector: comma-separated `k=v`, `k==v`, `k!=v`, `k` (exists) and
/// `!k` (does not exist) terms, all of which must hold.
class LabelSelector {
 public:
  /// Parses `text`; an empty text selects everything. Returns nullopt and sets *error for a
  /// malformed term (set-based `in`/`notin` terms are not supported here).
  static std::optional<LabelSelector> Parse(std::string_view text, std::string* error);

  bool Matches(const std::vector<std::pair<std::string, std::string>>& labels) const;

 private:
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  struct Term {
    std::string key;
    Op op;
    std::string value;
  };
  std::vector<Term> terms_;
};

}  // namespace kce
