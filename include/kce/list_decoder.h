#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kce/model.h"
#include "kce/object_issue.h"

namespace kce {

/// metadata of a list response.
struct ListMeta {
  std::string resource_version;
  std::string continue_token;  // empty on the last page
};

/// One decoded NodeList page.
struct NodePage {
  ListMeta meta;
  std::vector<Node> items;
  std::vector<ObjectIssue> issues;
};

/// One decoded PodList page.
struct PodPage {
  ListMeta meta;
  std::vector<Pod> items;
  std::vector<ObjectIssue> issues;
};

/// Everything in a `kubectl get nodes,pods -A -o json` file (a v1 List, NodeList or PodList).
struct ClusterObjects {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<ObjectIssue> issues;
};

/// Decodes list responses with simdjson On Demand, reading only the fields accounting needs.
/// Holds a reusable parser, so keep one per thread. Not thread-safe. Never throws.
///
/// `json` must have simdjson::SIMDJSON_PADDING spare bytes of capacity past its size; the
/// decoder reserves them itself when missing (which may reallocate the string). Its content is
/// never changed, and nothing refers to it after the call. The parser's buffers (about six
/// bytes per input byte) are kept for the next call after documents up to 64 MiB and freed
/// after larger ones.
/// A document that is not a readable list returns false with `*error` naming what is wrong and
/// where, e.g. `PodList: items[37]: <simdjson error> (at byte 123456)`; a bad object inside a
/// readable list is skipped and reported in `issues` (reason bad_field or bad_quantity; a
/// negative quantity is bad_quantity), and a quantity clamped at the int64 bound keeps its
/// object and adds a `saturated` issue.
/// Absent, null and {} fields read the same. A container limit without a request gets the
/// request, as API defaulting does.
class ListDecoder {
 public:
  ListDecoder();
  ~ListDecoder();
  ListDecoder(const ListDecoder&) = delete;
  ListDecoder& operator=(const ListDecoder&) = delete;

  /// Replaces `*page` with one NodeList page; on failure `*page` is left empty.
  bool DecodeNodeList(std::string& json, NodePage* page, std::string* error);
  /// Replaces `*page` with one PodList page; on failure `*page` is left empty.
  bool DecodePodList(std::string& json, PodPage* page, std::string* error);
  /// A List whose items carry `kind` (Node or Pod; other kinds are ignored, and an item that is
  /// not an object or has no string kind is reported as kind "item"), or a NodeList or PodList.
  /// Appends to `*out`; on failure `*out` is left as it was.
  bool DecodeObjects(std::string& json, ClusterObjects* out, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kce
