#pragma once

#include <string>

#include "kce/commitment.h"

namespace kce {

/// How one collection ended. `reason` is a short label value for the poll-errors counter.
struct CollectResult {
  bool ok = true;
  std::string reason;
  std::string message;
};

/// Supplies one poll's nodes and pods, feeding them into a builder as they are decoded.
class ClusterSource {
 public:
  virtual ~ClusterSource() = default;

  /// Adds every node and pod of the cluster to `builder` (and the issues found on the way).
  /// On failure the builder's content is unspecified and must be discarded.
  virtual CollectResult Collect(CommitmentBuilder& builder) = 0;

  /// Where the data comes from, for logs (never secrets).
  virtual std::string Describe() const = 0;
};

}  // namespace kce
