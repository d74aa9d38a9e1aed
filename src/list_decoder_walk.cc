#include "list_decoder_walk.h"

#include <string>
#include <string_view>

#include "kce/quantity.h"

namespace kce::json {
namespace {

constexpr std::size_t kMaxQuotedText = 64;

void AppendPath(const PathNode& node, std::string* out) {
  if (node.parent != nullptr) AppendPath(*node.parent, out);
  if (node.element) {
    out->push_back('[');
    if (node.name != nullptr && !node.name->empty()) {
      out->append(*node.name);
    } else {
      out->append(std::to_string(node.index));
    }
    out->push_back(']');
  } else if (!node.field.empty()) {
    if (!out->empty()) out->push_back('.');
    out->append(node.field);
  }
}

std::string_view TypeName(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "array";
    case od::json_type::object:
      return "object";
    case od::json_type::number:
      return "number";
    case od::json_type::string:
      return "string";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// raw_json_token() runs up to the next token, so it carries the whitespace after the value.
std::string_view TrimJsonSpace(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string Shorten(std::string_view text) {
  if (text.size() <= kMaxQuotedText) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedText)) + "...";
}

// Opens `value` as a scalar of `want`; *present is false for null. Wrong types are recorded.
error_code ExpectScalar(od::value& value, od::json_type want, std::string_view want_name,
                        const PathNode& at, ItemState& state, bool* present) {
  *present = false;
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  if (type != want) {
    state.WrongType(at, want_name, value, type);
    return simdjson::SUCCESS;
  }
  *present = true;
  return simdjson::SUCCESS;
}

}  // namespace

std::string RenderPath(const PathNode& node) {
  std::string out;
  AppendPath(node, &out);
  return out;
}

void ItemState::Fail(std::string_view why, const PathNode& at, std::string_view what) {
  if (failed) return;
  failed = true;
  reason = why;
  detail = RenderPath(at);
  if (!detail.empty()) detail += ": ";  // nothing to name when the item itself is wrong
  detail += what;
}

void ItemState::WrongType(const PathNode& at, std::string_view expected, od::value& value,
                          od::json_type got) {
  if (failed) return;
  std::string what = "expected ";
  what += expected;
  what += ", got ";
  what += TypeName(got);
  if (got != od::json_type::object && got != od::json_type::array) {
    what += ' ';
    what += Shorten(TrimJsonSpace(value.raw_json_token()));
  }
  Fail("bad_field", at, what);
}

error_code ItemState::Recover(error_code error, const PathNode& at) {
  if (!IsRecoverable(error)) return error;
  Fail("bad_field", at, simdjson::error_message(error));
  return simdjson::SUCCESS;
}

error_code ReadString(od::value& value, const PathNode& at, ItemState& state,
                      std::string_view* out) {
  bool present;
  if (auto e = ExpectScalar(value, od::json_type::string, "string", at, state, &present)) {
    return e;
  }
  if (!present) return simdjson::SUCCESS;
  if (auto e = value.get_string().get(*out)) return state.Recover(e, at);
  return simdjson::SUCCESS;
}

error_code ReadString(od::value& value, const PathNode& at, ItemState& state, std::string* out) {
  std::string_view text;
  bool present;
  if (auto e = ExpectScalar(value, od::json_type::string, "string", at, state, &present)) {
    return e;
  }
  if (!present) return simdjson::SUCCESS;
  if (auto e = value.get_string().get(text)) return state.Recover(e, at);
  out->assign(text);
  return simdjson::SUCCESS;
}

error_code ReadBool(od::value& value, const PathNode& at, ItemState& state, bool* out) {
  bool present;
  if (auto e = ExpectScalar(value, od::json_type::boolean, "boolean", at, state, &present)) {
    return e;
  }
  if (!present) return simdjson::SUCCESS;
  if (auto e = value.get_bool().get(*out)) return state.Recover(e, at);
  return simdjson::SUCCESS;
}

error_code ReadIsSet(od::value& value, const PathNode& at, ItemState& state, bool* out) {
  bool present;
  if (auto e = ExpectScalar(value, od::json_type::string, "string", at, state, &present)) {
    return e;
  }
  // Only the presence of the timestamp matters, so the text is left unread.
  *out = present;
  return simdjson::SUCCESS;
}

error_code ReadResourceList(od::value& value, const PathNode& at, ItemState& state,
                            ResourceList* out) {
  ResourceList& entries = state.scratch;
  entries.clear();
  const error_code walk_error = ForEachField(value, at, state, [&](od::field& field) -> error_code {
    std::string_view name;
    if (auto e = field.unescaped_key().get(name)) return state.Recover(e, at);
    // Accounting uses nothing else; a broken extended resource must not cost a node or a pod.
    if (name != kCpu && name != kMemory && name != kPods) return simdjson::SUCCESS;
    const PathNode key_at = At(at, name);
    od::value& quantity = field.value();
    od::json_type type;
    if (auto e = quantity.type().get(type)) return e;
    std::string_view text;
    switch (type) {
      case od::json_type::null:
        // Kubernetes never writes null quantities; hand-written files mean "absent".
        return simdjson::SUCCESS;
      case od::json_type::string:
        if (auto e = quantity.get_string().get(text)) return state.Recover(e, key_at);
        break;
      case od::json_type::number:
        // The raw text keeps `129e6` exact; a double would not.
        text = TrimJsonSpace(quantity.raw_json_token());
        break;
      default:
        state.WrongType(key_at, "quantity (string or number)", quantity, type);
        return simdjson::SUCCESS;
    }
    QuantityParse parsed = ParseQuantity(text);
    if (!parsed.ok()) {
      // The parser's message already quotes the text.
      state.Fail("bad_quantity", key_at, parsed.error);
      return simdjson::SUCCESS;
    }
    if (parsed.value.nanos < 0) {
      // The API server refuses negative requests, limits and capacities; counting one would
      // subtract it from every total it joins.
      state.Fail("bad_quantity", key_at,
                 "quantity \"" + Shorten(text) + "\" is negative, which Kubernetes never accepts");
      return simdjson::SUCCESS;
    }
    if (parsed.saturated) {
      state.saturated.push_back(RenderPath(key_at) + ": quantity \"" + Shorten(text) +
                                "\" is beyond the int64 range and was clamped to " +
                                FormatQuantity(parsed.value));
    }
    // As the API server stores it, so hand-written snapshots count like API objects.
    entries.Set(name, RoundUpToMilli(parsed.value));
    return simdjson::SUCCESS;
  });
  if (walk_error || entries.empty()) return walk_error;
  if (out->empty()) {
    *out = entries;
  } else {
    // The same list given twice in one object: later entries win, as in Go.
    for (const auto& [name, quantity] : entries.entries()) out->Set(name, quantity);
  }
  return simdjson::SUCCESS;
}

error_code ReadRequirements(od::value& value, const PathNode& at, ItemState& state,
                            ResourceList* requests, ResourceList* limits) {
  return ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "requests") {
      return ReadResourceList(field.value(), At(at, "requests"), state, requests);
    }
    if (key == "limits") return ReadResourceList(field.value(), At(at, "limits"), state, limits);
    return simdjson::SUCCESS;
  });
}

}  // namespace kce::json
