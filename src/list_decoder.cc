#include "kce/list_decoder.h"

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "list_decoder_objects.h"
#include "list_decoder_walk.h"

namespace kce {
namespace {

namespace od = simdjson::ondemand;
using json::ItemState;
using json::PathNode;
using simdjson::error_code;

constexpr error_code kOk = simdjson::SUCCESS;

// The parser's buffers grow to the largest document seen (about 6 bytes per input byte). Above this
// size they are freed after the call, so one huge unpaginated list does not stay resident between
// polls; ordinary pages keep them for reuse.
constexpr std::size_t kKeepBuffersUpTo = std::size_t{64} << 20;

// A lower bound on the size of one serialized pod or node, to pre-size the item vector.
constexpr std::size_t kMinBytesPerItem = 8192;

enum class ItemKind { kNode, kPod, kUnknown };

// Where one call puts what it decodes. A null `meta` means the list metadata is not wanted.
struct Sink {
  ListMeta* meta = nullptr;
  std::vector<Node>* nodes = nullptr;
  std::vector<Pod>* pods = nullptr;
  std::vector<ObjectIssue>* issues = nullptr;
};

ItemKind KindOf(std::string_view kind, bool list) {
  if (kind == (list ? "NodeList" : "Node")) return ItemKind::kNode;
  if (kind == (list ? "PodList" : "Pod")) return ItemKind::kPod;
  return ItemKind::kUnknown;
}

std::string ItemLabel(std::size_t index) { return "item " + std::to_string(index); }

std::string ObjectLabel(const Node& node, std::size_t index) {
  return node.name.empty() ? ItemLabel(index) : node.name;
}

std::string ObjectLabel(const Pod& pod, std::size_t index) {
  if (pod.name.empty()) return ItemLabel(index);
  return pod.ns.empty() ? pod.name : pod.ns + "/" + pod.name;
}

void Report(std::string_view kind, std::string object, const ItemState& state,
            std::vector<ObjectIssue>* issues) {
  const std::string prefix = std::string(kind) + " " + object + ": ";
  if (state.failed) {
    issues->push_back(
        ObjectIssue{std::string(kind), std::move(object), state.reason, prefix + state.detail});
    return;
  }
  for (const std::string& detail : state.saturated) {
    issues->push_back(ObjectIssue{std::string(kind), object, "saturated", prefix + detail, false});
  }
}

// Decodes one object into a new element of *items, which is dropped again when the object turns out
// unusable. Returns only errors after which the document cannot be read further.
template <typename T, typename DecodeFn>
error_code DecodeInto(od::object& object, std::size_t index, std::string_view kind, DecodeFn decode,
                      ItemState& state, std::vector<T>* items, std::vector<ObjectIssue>* issues) {
  state.Reset();
  T& item = items->emplace_back();
  if (const error_code e = decode(object, state, &item)) {
    if (!json::IsRecoverable(e)) return e;
    state.Recover(e, PathNode{});
  }
  std::string label = ObjectLabel(item, index);
  if (state.failed) items->pop_back();
  Report(kind, std::move(label), state, issues);
  return kOk;
}

// One pass over one document: the root object, its metadata and its items.
class DocumentWalk {
 public:
  DocumentWalk(std::string_view list, std::string& json, od::document& doc, ItemState& state,
               Sink& sink, std::string* error)
      : list_(list), json_(json), doc_(doc), state_(state), sink_(sink), error_(error) {}

  // Reads the root's "kind" ahead of the walk, then rewinds: kubectl writes it after "items", and
  // the items of a NodeList or PodList carry no kind of their own. Reports nothing itself.
  error_code LookUpListKind(od::object& root, ItemKind* kind);
  // `kind` is the kind the items are known to have, or kUnknown to read each item's own kind;
  // `check_kind` makes a root "kind" other than the expected list name an error.
  bool Run(od::object& root, ItemKind kind, bool check_kind);
  // Records "<list>: <where>: <what> (at byte N)" in *error and returns false.
  bool Fail(std::string_view where, std::string_view what);
  bool Fail(std::string_view where, error_code e) {
    return Fail(where, simdjson::error_message(e));
  }

 private:
  bool ReadMeta(od::value& value);
  bool ReadItems(od::value& value, ItemKind kind);
  error_code ReadItem(od::value& item, std::size_t index, ItemKind kind);

  std::string_view list_;
  std::string& json_;
  od::document& doc_;
  ItemState& state_;
  Sink& sink_;
  std::string* error_;
};

bool DocumentWalk::Fail(std::string_view where, std::string_view what) {
  std::string message(list_);
  message += ": ";
  if (!where.empty()) {
    message += where;
    message += ": ";
  }
  message += what;
  const char* location = nullptr;
  if (doc_.current_location().get(location) == kOk && location > json_.data() &&
      location <= json_.data() + json_.size()) {
    const auto offset = static_cast<std::size_t>(location - json_.data());
    message += " (at byte " + std::to_string(offset);
    message += offset >= json_.size() ? ", the end of the document: truncated?)" : ")";
  }
  if (error_ != nullptr) *error_ = std::move(message);
  return false;
}

error_code DocumentWalk::LookUpListKind(od::object& root, ItemKind* kind) {
  od::value value;
  std::string_view text;
  error_code e = root.find_field_unordered("kind").get(value);
  if (e == simdjson::NO_SUCH_FIELD) return root.reset().error();
  if (!e) e = value.get_string().get(text);
  if (e) return e;
  *kind = KindOf(text, true);
  return root.reset().error();
}

bool DocumentWalk::Run(od::object& root, ItemKind kind, bool check_kind) {
  bool saw_items = false;
  for (auto result : root) {
    od::field field;
    if (const error_code e = std::move(result).get(field)) return Fail("", e);
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    if (key == "items") {
      saw_items = true;
      if (!ReadItems(value, kind)) return false;
    } else if (key == "metadata" && sink_.meta != nullptr) {
      if (!ReadMeta(value)) return false;
    } else if (key == "kind" && check_kind) {
      std::string_view text;
      if (const error_code e = value.get_string().get(text)) return Fail("kind", e);
      if (text != list_) {
        return Fail("kind",
                    "expected \"" + std::string(list_) + "\", got \"" + std::string(text) + "\"");
      }
    }
  }
  if (!saw_items) return Fail("", "the document has no \"items\" array");
  const char* rest = nullptr;
  if (doc_.current_location().get(rest) == kOk) {
    return Fail("", "unexpected content after the end of the list");
  }
  return true;
}

bool DocumentWalk::ReadMeta(od::value& value) {
  const PathNode top{};
  const PathNode at = json::At(top, "metadata");
  ItemState state;
  ListMeta& meta = *sink_.meta;
  const error_code e = json::ForEachField(value, at, state, [&](od::field& field) -> error_code {
    const od::raw_json_string key = field.key();
    if (key == "resourceVersion") {
      return json::ReadString(field.value(), json::At(at, "resourceVersion"), state,
                              &meta.resource_version);
    }
    if (key == "continue") {
      return json::ReadString(field.value(), json::At(at, "continue"), state, &meta.continue_token);
    }
    return kOk;
  });
  if (e) return Fail("metadata", e);
  if (state.failed) return Fail("", state.detail);
  return true;
}

bool DocumentWalk::ReadItems(od::value& value, ItemKind kind) {
  od::json_type type;
  if (const error_code e = value.type().get(type)) return Fail("items", e);
  if (type == od::json_type::null) return true;
  od::array items;
  if (const error_code e = value.get_array().get(items)) {
    return e == simdjson::INCORRECT_TYPE ? Fail("items", "expected an array") : Fail("items", e);
  }
  if (kind == ItemKind::kNode)
    sink_.nodes->reserve(sink_.nodes->size() + json_.size() / kMinBytesPerItem);
  if (kind == ItemKind::kPod)
    sink_.pods->reserve(sink_.pods->size() + json_.size() / kMinBytesPerItem);

  std::size_t index = 0;
  for (auto result : items) {
    od::value item;
    if (const error_code e = std::move(result).get(item)) {
      // The previous item ended but no well-formed next one or closing bracket follows.
      return Fail(index == 0 ? "items" : "after items[" + std::to_string(index - 1) + "]", e);
    }
    if (const error_code e = ReadItem(item, index, kind)) {
      return Fail("items[" + std::to_string(index) + "]", e);
    }
    ++index;
  }
  return true;
}

error_code DocumentWalk::ReadItem(od::value& item, std::size_t index, ItemKind kind) {
  od::json_type type;
  if (const error_code e = item.type().get(type)) return e;
  // Reports an item unusable before its name is read: "pod item N", or "item N" for an item of
  // a v1 List that cannot say what it is. Built only on this error path, never per item.
  const auto report = [this, index, kind] {
    if (kind == ItemKind::kUnknown) {
      Report("item", std::to_string(index), state_, sink_.issues);
    } else {
      Report(kind == ItemKind::kNode ? "node" : "pod", ItemLabel(index), state_, sink_.issues);
    }
  };
  if (type != od::json_type::object) {
    state_.Reset();
    state_.WrongType(PathNode{}, "object", item, type);
    report();
    return kOk;
  }
  od::object object;
  if (const error_code e = item.get_object().get(object)) return e;

  if (kind == ItemKind::kUnknown) {
    // Items of a v1 List carry their kind, usually as the second field, so the look-ahead is short.
    state_.Reset();
    const PathNode root;
    const PathNode kind_at = At(root, "kind");
    od::value kind_value;
    od::json_type kind_type;
    std::string_view kind_text;
    error_code e = object.find_field_unordered("kind").get(kind_value);
    if (!e) e = kind_value.type().get(kind_type);
    if (e == simdjson::NO_SUCH_FIELD || (!e && kind_type == od::json_type::null)) {
      e = simdjson::SUCCESS;
      state_.Fail("bad_field", kind_at, "missing, so the item is neither a Node nor a Pod");
    } else if (!e && kind_type != od::json_type::string) {
      state_.WrongType(kind_at, "string", kind_value, kind_type);
    } else if (!e) {
      e = kind_value.get_string().get(kind_text);
    }
    if (e && !json::IsRecoverable(e)) return e;
    if (e) state_.Recover(e, kind_at);
    if (state_.failed) {
      report();
      return kOk;
    }
    // Other kinds (a Service in `kubectl get all -o json`) are not for this exporter.
    kind = KindOf(kind_text, false);
    if (kind == ItemKind::kUnknown) return kOk;
    if (const error_code r = object.reset().error()) return r;
  }
  if (kind == ItemKind::kNode) {
    return DecodeInto(object, index, "node", json::DecodeNode, state_, sink_.nodes, sink_.issues);
  }
  return DecodeInto(object, index, "pod", json::DecodePod, state_, sink_.pods, sink_.issues);
}

}  // namespace

struct ListDecoder::Impl {
  od::parser parser;
  ItemState item_state;

  // `want` is NodeList, PodList, or empty for any list.
  bool Decode(std::string& json, std::string_view want, Sink sink, std::string* error);
  // One pass over the document. With `look_ahead` the list kind is read first; when that scan
  // runs into broken JSON, *broken is set.
  bool Attempt(std::string& json, std::string_view want, bool look_ahead, Sink& sink,
               std::string* error, bool* broken);
};

bool ListDecoder::Impl::Decode(std::string& json, std::string_view want, Sink sink,
                               std::string* error) {
  if (json.capacity() - json.size() < simdjson::SIMDJSON_PADDING) {
    json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  }
  const std::size_t nodes_before = sink.nodes != nullptr ? sink.nodes->size() : 0;
  const std::size_t pods_before = sink.pods != nullptr ? sink.pods->size() : 0;
  const std::size_t issues_before = sink.issues->size();

  bool broken = false;
  bool ok = Attempt(json, want, want.empty(), sink, error, &broken);
  if (broken) {
    // The look-ahead passes over the items without naming them; a walk without it stops at the
    // item where the document breaks, and says so. Either way the document is refused.
    Attempt(json, want, false, sink, error, &broken);
    ok = false;
  }
  if (!ok) {
    // A document that cannot be read leaves no half-decoded page behind.
    if (sink.nodes != nullptr) sink.nodes->resize(nodes_before);
    if (sink.pods != nullptr) sink.pods->resize(pods_before);
    sink.issues->resize(issues_before);
    if (sink.meta != nullptr) *sink.meta = ListMeta{};
  }
  if (json.size() > kKeepBuffersUpTo) parser = od::parser{};
  return ok;
}

bool ListDecoder::Impl::Attempt(std::string& json, std::string_view want, bool look_ahead,
                                Sink& sink, std::string* error, bool* broken) {
  const std::string_view list = want.empty() ? std::string_view("list") : want;
  od::document doc;
  if (const error_code e = parser.iterate(json.data(), json.size(), json.capacity()).get(doc)) {
    if (error != nullptr) *error = std::string(list) + ": " + simdjson::error_message(e);
    return false;
  }
  DocumentWalk walk(list, json, doc, item_state, sink, error);
  od::object root;
  if (const error_code e = doc.get_object().get(root)) {
    return walk.Fail("", e == simdjson::INCORRECT_TYPE ? "the document is not a JSON object"
                                                       : simdjson::error_message(e));
  }
  ItemKind kind = want.empty() ? ItemKind::kUnknown : KindOf(want, true);
  if (look_ahead) {
    const error_code e = walk.LookUpListKind(root, &kind);
    if (e == simdjson::INCORRECT_TYPE) return walk.Fail("kind", "expected a string");
    if (e) {
      *broken = true;
      return walk.Fail("", e);
    }
  }
  return walk.Run(root, kind, !want.empty());
}

ListDecoder::ListDecoder() : impl_(std::make_unique<Impl>()) {}
ListDecoder::~ListDecoder() = default;

bool ListDecoder::DecodeNodeList(std::string& json, NodePage* page, std::string* error) {
  page->meta = ListMeta{};
  page->items.clear();
  page->issues.clear();
  return impl_->Decode(json, "NodeList", Sink{&page->meta, &page->items, nullptr, &page->issues},
                       error);
}

bool ListDecoder::DecodePodList(std::string& json, PodPage* page, std::string* error) {
  page->meta = ListMeta{};
  page->items.clear();
  page->issues.clear();
  return impl_->Decode(json, "PodList", Sink{&page->meta, nullptr, &page->items, &page->issues},
                       error);
}

bool ListDecoder::DecodeObjects(std::string& json, ClusterObjects* out, std::string* error) {
  return impl_->Decode(json, "", Sink{nullptr, &out->nodes, &out->pods, &out->issues}, error);
}

}  // namespace kce
