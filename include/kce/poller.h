#pragma once

#include <chrono>
#include <memory>

#include "kce/cluster_source.h"
#include "kce/commitment.h"
#include "kce/metrics_state.h"
#include "kce/stop_signal.h"

namespace kce {

/// Runs polls: collects from a source into a fresh builder, and publishes the snapshot, or on
/// failure keeps the last good one and records why. Logs at debug per poll, and at warn or info
/// only when health changes; repeated failures are rate-limited. Not thread-safe: one thread
/// polls.
class Poller {
 public:
  Poller(ClusterSource& source, AccountingOptions accounting, MetricsState& metrics);
  ~Poller();

  /// Runs one poll and publishes its outcome. Returns true on success.
  bool PollOnce();

  /// Polls at once, then every `interval` (start to start) until `stop` is signalled.
  void Run(std::chrono::milliseconds interval, const StopSignal& stop);

  /// The last successful snapshot, or null before the first.
  std::shared_ptr<const CommitmentSnapshot> last_snapshot() const { return last_; }

 private:
  struct Health;

  ClusterSource& source_;
  AccountingOptions accounting_;
  MetricsState& metrics_;
  std::shared_ptr<const CommitmentSnapshot> last_;
  std::unique_ptr<Health> health_;
};

}  // namespace kce
