#pragma once

#include <cstddef>
#include <string>

#include "kce/cluster_source.h"
#include "kce/label_selector.h"
#include "kce/list_decoder.h"

namespace kce {

/// Reads a recorded cluster: a file written by `kubectl get nodes,pods -A -o json` (a v1 List),
/// or a NodeList or PodList. The file is read again at every poll, so edits show up. Nodes are
/// filtered by `node_selector` (equality-based label selector) here, as the API server would.
/// A file larger than `max_bytes` fails the poll with reason `read`.
class FileSource : public ClusterSource {
 public:
  /// Throws ConfigError when `node_selector` is not an equality-based selector.
  FileSource(std::string path, const std::string& node_selector, std::size_t max_bytes);

  CollectResult Collect(CommitmentBuilder& builder) override;
  std::string Describe() const override;

 private:
  std::string path_;
  LabelSelector selector_;
  std::size_t max_bytes_;
  ListDecoder decoder_;
};

}  // namespace kce
