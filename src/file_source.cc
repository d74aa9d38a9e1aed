#include "kce/file_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kce/label_selector.h"

namespace kce {

FileSource::FileSource(std::string path, std::string node_selector)
    : path_(std::move(path)), node_selector_(std::move(node_selector)) {}

std::string FileSource::Describe() const { return "snapshot file " + path_; }

CollectResult FileSource::Collect(CommitmentBuilder& builder) {
  std::string error;
  const auto selector = LabelSelector::Parse(node_selector_, &error);
  if (!selector) return {false, "config", "node selector: " + error};

  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    return {false, "read", "cannot open snapshot file " + path_ + ": " + std::strerror(errno)};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return {false, "read", "cannot read snapshot file " + path_};
  std::string json = std::move(buffer).str();

  ClusterObjects objects;
  if (!decoder_.DecodeObjects(json, &objects, &error)) {
    return {false, "decode", "snapshot file " + path_ + ": " + error};
  }
  for (const Node& node : objects.nodes) {
    if (selector->Matches(node.labels)) builder.AddNode(node);
  }
  for (const Pod& pod : objects.pods) builder.AddPod(pod);
  for (const ObjectIssue& issue : objects.issues) builder.AddIssue(issue);
  return {};
}

}  // namespace kce
