#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kce {

/// A label selector as the API server reads one: comma-separated `k=v`, `k==v`, `k!=v`,
/// `k in (v1,v2)`, `k notin (v1,v2)`, `k` (exists) and `!k` (does not exist) terms, all of which
/// must hold. `!=` and `notin` also hold when the label is absent.
class LabelSelector {
 public:
  /// Parses `text`; an empty text selects everything. Returns nullopt and sets *error for a
  /// malformed term (the numeric `gt`/`lt` forms, which nodes rarely need, are refused too).
  static std::optional<LabelSelector> Parse(std::string_view text, std::string* error);

  bool Matches(const std::vector<std::pair<std::string, std::string>>& labels) const;

 private:
  enum class Op { kIn, kNotIn, kExists, kNotExists };  // = is in, != is notin, of one value
  struct Term {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };
  std::vector<Term> terms_;
};

}  // namespace kce
