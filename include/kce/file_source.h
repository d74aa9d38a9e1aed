#pragma once

#include <string>

#include "kce/cluster_source.h"
#include "kce/list_decoder.h"

namespace kce {

/// Reads a recorded cluster: a file written by `kubectl get nodes,pods -A -o json` (a v1 List),
/// or a NodeList or PodList. The file is read again at every poll, so edits show up. Nodes are
/// filtered by `node_selector` (equality-based label selector) here, as the API server would.
class FileSource : public ClusterSource {
 public:
  FileSource(std::string path, std::string node_selector);

  CollectResult Collect(CommitmentBuilder& builder) override;
  std::string Describe() const override;

 private:
  std::string path_;
  std::string node_selector_;
  ListDecoder decoder_;
};

}  // namespace kce
