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

}  // namespace

std::optional<LabelSelector> LabelSelector::Parse(std::string_view text, std::string* error) {
  LabelSelector selector;
  while (!Trim(text).empty()) {
    const auto comma = text.find(',');
    std::string_view term = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);

    Term parsed;
    if (auto pos = term.find("!="); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))), Op::kNotEquals,
                std::string(Trim(term.substr(pos + 2)))};
    } else if (pos = term.find("=="); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))), Op::kEquals,
                std::string(Trim(term.substr(pos + 2)))};
    } else if (pos = term.find('='); pos != std::string_view::npos) {
      parsed = {std::string(Trim(term.substr(0, pos))), Op::kEquals,
                std::string(Trim(term.substr(pos + 1)))};
    } else if (term.starts_with('!')) {
      parsed = {std::string(Trim(term.substr(1))), Op::kNotExists, {}};
    } else {
      parsed = {std::string(term), Op::kExists, {}};
    }
    const bool bad_key =
        parsed.key.empty() || parsed.key.find_first_of(" ()!=") != std::string::npos;
    if (bad_key || parsed.value.find_first_of(" ()!=") != std::string::npos) {
      *error = "label selector term \"" + std::string(term) +
               "\" is not key=value, key!=value, key or !key";
      return std::nullopt;
    }
    selector.terms_.push_back(std::move(parsed));
  }
  return selector;
}

bool LabelSelector::Matches(const std::vector<std::pair<std::string, std::string>>& labels) const {
  return std::all_of(terms_.begin(), terms_.end(), [&labels](const Term& term) {
    const std::string* value = Lookup(labels, term.key);
    switch (term.op) {
      case Op::kEquals:
        return value != nullptr && *value == term.value;
      case Op::kNotEquals:
        return value == nullptr || *value != term.value;
      case Op::kExists:
        return value != nullptr;
      case Op::kNotExists:
        return value == nullptr;
    }
    return false;
  });
}

}  // namespace kce
