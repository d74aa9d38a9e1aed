#include "kce/label_selector.h"

#include <algorithm>

namespace kce {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

const std::string* Lookup(const std::vector<std::pair<std::string, std::string>>& labels,
                          const std::string& key) {
  auto it = std::find_if(labels.begin(), labels.end(),
                         [&key](const auto& label) { return label.first == key; });
  return it == labels.end() ? nullptr : &it->second;
}

// Splits at the commas that are not inside a set's parentheses; false when they do not pair up.
bool SplitTerms(std::string_view text, std::vector<std::string_view>* terms) {
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return false;
    if (c == ',' && depth == 0) {
      terms->push_back(Trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  return depth == 0;
}

bool HasReservedCharacter(std::string_view s) {
  return s.find_first_of(" ()!=,<>") != std::string_view::npos;
}

}  // namespace

std::optional<LabelSelector> LabelSelector::Parse(std::string_view text, std::string* error) {
  LabelSelector selector;
  if (Trim(text).empty()) return selector;
  std::vector<std::string_view> terms;
  if (!SplitTerms(text, &terms)) {
    *error = "label selector \"" + std::string(text) + "\" has unpaired parentheses";
    return std::nullopt;
  }
  for (const std::string_view term : terms) {
    Term parsed;
    const auto open = term.find('(');
    if (open != std::string_view::npos) {
      // key in (a,b) or key notin (a,b)
      const std::string_view head = Trim(term.substr(0, open));
      const auto space = head.rfind(' ');
      const std::string_view word = space == std::string_view::npos ? "" : head.substr(space + 1);
      parsed.key = std::string(Trim(head.substr(0, space == std::string_view::npos ? 0 : space)));
      parsed.op = word == "in" ? Op::kIn : Op::kNotIn;
      const bool closed = term.back() == ')';
      // As apimachinery reads a set: "()" is {""}, and "(a,)" is {"a", ""}.
      const std::string_view list = closed ? term.substr(open + 1, term.size() - open - 2) : "";
      for (std::size_t start = 0; closed;) {
        const auto comma = list.find(',', start);
        parsed.values.emplace_back(Trim(list.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if ((word != "in" && word != "notin") || !closed) parsed.key.clear();  // reported below
    } else if (auto pos = term.find("!="); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))),
                Op::kNotIn,
                {std::string(Trim(term.substr(pos + 2)))}};
    } else if (pos = term.find("=="); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))),
                Op::kIn,
                {std::string(Trim(term.substr(pos + 2)))}};
    } else if (pos = term.find('='); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))),
                Op::kIn,
                {std::string(Trim(term.substr(pos + 1)))}};
    } else if (term.starts_with('!')) {
      parsed = {std::string(Trim(term.substr(1))), Op::kNotExists, {}};
    } else {
      parsed = {std::string(term), Op::kExists, {}};
    }
    const bool bad_value =
        std::any_of(parsed.values.begin(), parsed.values.end(),
                    [](const std::string& v) { return HasReservedCharacter(v); });
    // "in" and "notin" are keywords, never keys.
    const bool keyword = parsed.key == "in" || parsed.key == "notin";
    if (parsed.key.empty() || keyword || HasReservedCharacter(parsed.key) || bad_value) {
      *error = "label selector term \"" + std::string(term) +
               "\" is not key=value, key!=value, key in (values), key notin (values), key or "
               "!key";
      return std::nullopt;
    }
    selector.terms_.push_back(std::move(parsed));
  }
  return selector;
}

bool LabelSelector::Matches(const std::vector<std::pair<std::string, std::string>>& labels) const {
  return std::all_of(terms_.begin(), terms_.end(), [&labels](const Term& term) {
    const std::string* value = Lookup(labels, term.key);
    const bool listed = value != nullptr && std::find(term.values.begin(), term.values.end(),
                                                      *value) != term.values.end();
    switch (term.op) {
      case Op::kIn:
        return listed;
      case Op::kNotIn:
        return !listed;
      case Op::kExists:
        return value != nullptr;
      case Op::kNotExists:
        return value == nullptr;
    }
    return false;
  });
}

}  // namespace kce
