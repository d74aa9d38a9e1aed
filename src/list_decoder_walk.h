#pragma once

// Internal to the list decoder: helpers that walk simdjson On Demand values while collecting the
// first problem of the object being decoded. Not part of the public API.

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kce/resource_list.h"

namespace kce::json {

namespace od = simdjson::ondemand;
using simdjson::error_code;

/// One step of the path to the field being read. Nodes live on the stack and the path is only
/// rendered when something is wrong, so walking costs no allocation.
struct PathNode {
  const PathNode* parent = nullptr;
  std::string_view field;  // rendered as ".field" ("field" at the root)
  bool element = false;    // rendered as "[name]" or "[index]"
  std::size_t index = 0;
  const std::string* name = nullptr;  // the element's name once known
};

/// A field step below `parent`.
inline PathNode At(const PathNode& parent, std::string_view field) {
  return PathNode{&parent, field};
}

/// An array element step below `parent`, named by `*name` once that is filled in.
inline PathNode Element(const PathNode& parent, std::size_t index,
                        const std::string* name = nullptr) {
  return PathNode{&parent, {}, true, index, name};
}

/// Renders a path such as `spec.containers[app].resources.requests.cpu`.
std::string RenderPath(const PathNode& node);

/// The first problem found in one list item, plus the quantities that were clamped. One instance
/// serves a whole document, reset between items.
struct ItemState {
  bool failed = false;
  std::string reason;                  // bad_field, bad_quantity, ...
  std::string detail;                  // "path: what"
  std::vector<std::string> saturated;  // "path: what" per clamped quantity
  /// Where ReadResourceList gathers entries, so that each list is copied out with one allocation
  /// instead of growing entry by entry.
  ResourceList scratch;

  /// Forgets the previous item's problems; keeps the buffers.
  void Reset() {
    failed = false;
    reason.clear();
    detail.clear();
    saturated.clear();
  }

  /// Records a problem that makes the item unusable; only the first one is kept.
  void Fail(std::string_view why, const PathNode& at, std::string_view what);
  /// Records a value of the wrong JSON type; `expected` names the type wanted.
  void WrongType(const PathNode& at, std::string_view expected, od::value& value,
                 od::json_type got);
  /// Turns a recoverable simdjson error into a recorded problem (returns SUCCESS), or hands a fatal
  /// one back to the caller.
  error_code Recover(error_code error, const PathNode& at);
};

/// True for simdjson errors after which the iterator is still consistent, so one item can be given
/// up while the rest of the document is read.
inline bool IsRecoverable(error_code e) {
  return e == simdjson::INCORRECT_TYPE || e == simdjson::STRING_ERROR;
}

/// A field callback returns this to end the walk of its object early: the fields left are then
/// skipped in one pass, which costs less than visiting them one by one.
inline constexpr error_code kStopWalk = simdjson::NUM_ERROR_CODES;

/// Calls fn(od::field&) for each field of `value` until it returns kStopWalk or an error. null
/// reads as an empty object; any other non-object is recorded in `state`. Returns only fatal
/// errors.
template <typename Fn>
error_code ForEachField(od::value& value, const PathNode& at, ItemState& state, Fn&& fn) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  if (type != od::json_type::object) {
    state.WrongType(at, "object", value, type);
    return simdjson::SUCCESS;
  }
  od::object object;
  if (auto e = value.get_object().get(object)) return state.Recover(e, at);
  for (auto result : object) {
    od::field field;
    if (auto e = std::move(result).get(field)) return e;
    if (auto e = fn(field)) return e == kStopWalk ? simdjson::SUCCESS : e;
  }
  return simdjson::SUCCESS;
}

/// Calls fn(std::size_t index, od::value&) for each element of `value`. null reads as an empty
/// array; any other non-array is recorded in `state`. Returns only fatal errors.
template <typename Fn>
error_code ForEachElement(od::value& value, const PathNode& at, ItemState& state, Fn&& fn) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  if (type != od::json_type::array) {
    state.WrongType(at, "array", value, type);
    return simdjson::SUCCESS;
  }
  od::array array;
  if (auto e = value.get_array().get(array)) return state.Recover(e, at);
  std::size_t index = 0;
  for (auto result : array) {
    od::value element;
    if (auto e = std::move(result).get(element)) return e;
    if (auto e = fn(index, element)) return e;
    ++index;
  }
  return simdjson::SUCCESS;
}

/// Reads a string into *out; null leaves *out unchanged. The view points into the parser's buffer
/// and is valid until the next document.
error_code ReadString(od::value& value, const PathNode& at, ItemState& state,
                      std::string_view* out);
/// Reads a string into *out; null leaves *out unchanged.
error_code ReadString(od::value& value, const PathNode& at, ItemState& state, std::string* out);
/// Reads a boolean into *out; null leaves *out unchanged.
error_code ReadBool(od::value& value, const PathNode& at, ItemState& state, bool* out);
/// Sets *out to true when `value` is a string (a timestamp), false for null.
error_code ReadIsSet(od::value& value, const PathNode& at, ItemState& state, bool* out);
/// Reads the cpu, memory and pods entries of a ResourceList (other names are skipped unread),
/// each rounded up to milli as the API server stores it; quantities may be strings or JSON
/// numbers; null entries are absent.
error_code ReadResourceList(od::value& value, const PathNode& at, ItemState& state,
                            ResourceList* out);
/// Reads a ResourceRequirements object: its `requests` and `limits`.
error_code ReadRequirements(od::value& value, const PathNode& at, ItemState& state,
                            ResourceList* requests, ResourceList* limits);

}  // namespace kce::json
