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
/// Holds a reusable parser, so keep one per thread. Not thread-safe.
///
/// `json` must have simdjson::SIMDJSON_PADDING spare bytes of capacity past its size; the
/// decoder reserves them itself when missing (which may reallocate the string).
/// A document that is not a readable list returns false with `*error` naming what is wrong;
/// a bad object inside a readable list is skipped and reported in `issues`.
class ListDecoder {
 public:
  ListDecoder();
  ~ListDecoder();
  ListDecoder(const ListDecoder&) = delete;
  ListDecoder& operator=(const ListDecoder&) = delete;

  bool DecodeNodeList(std::string& json, NodePage* page, std::string* error);
  bool DecodePodList(std::string& json, PodPage* page, std::string* error);
  /// A List whose items carry `kind` (Node or Pod; other kinds are ignored), or a NodeList or
  /// PodList. Appends to `*out`.
  bool DecodeObjects(std::string& json, ClusterObjects* out, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kce
