#include "kce/file_source.h"

#include <optional>

#include "kce/config_error.h"
#include "kce/read_file.h"

namespace kce {

namespace {

LabelSelector ParseOrThrow(const std::string& text) {
  std::string error;
  std::optional<LabelSelector> selector = LabelSelector::Parse(text, &error);
  if (!selector) throw ConfigError("node_selector (--node-selector): " + error);
  return std::move(*selector);
}

}  // namespace

FileSource::FileSource(std::string path, const std::string& node_selector, std::size_t max_bytes)
    : path_(std::move(path)), selector_(ParseOrThrow(node_selector)), max_bytes_(max_bytes) {}

std::string FileSource::Describe() const { return "snapshot file " + path_; }

CollectResult FileSource::Collect(CommitmentBuilder& builder) {
  std::string json;
  if (const std::string failure = ReadWholeFile(path_, max_bytes_, &json); !failure.empty()) {
    return {false, "read", "cannot read snapshot file " + path_ + ": " + failure};
  }

  ClusterObjects objects;
  std::string error;
  if (!decoder_.DecodeObjects(json, &objects, &error)) {
    return {false, "decode", "snapshot file " + path_ + ": " + error};
  }
  for (const Node& node : objects.nodes) {
    if (selector_.Matches(node.labels)) builder.AddNode(node);
  }
  for (const Pod& pod : objects.pods) builder.AddPod(pod);
  for (const ObjectIssue& issue : objects.issues) builder.AddIssue(issue);
  return {};
}

}  // namespace kce
