#include "kce/poller.h"

#include "kce/logging.h"

namespace kce {

using Clock = std::chrono::steady_clock;

struct Poller::Health {
  bool ever_polled = false;
  bool healthy = false;
  int consecutive_failures = 0;
  RateLimitedLog failure_log{std::chrono::minutes(5)};
  RateLimitedLog issue_log{std::chrono::minutes(10)};
};

Poller::Poller(ClusterSource& source, AccountingOptions accounting, MetricsState& metrics)
    : source_(source),
      accounting_(std::move(accounting)),
      metrics_(metrics),
      health_(std::make_unique<Health>()) {}

Poller::~Poller() = default;

bool Poller::PollOnce() {
  auto log = GetLogger("poller");
  const auto started = Clock::now();
  CommitmentBuilder builder(accounting_);
  const CollectResult result = source_.Collect(builder);
  Health& h = *health_;

  if (!result.ok) {
    const std::chrono::duration<double> took = Clock::now() - started;
    metrics_.PublishFailure(result.reason, took);
    ++h.consecutive_failures;
    if (h.healthy || !h.ever_polled) {
      log->warn("poll failed; serving the last good values reason={} error=\"{}\"", result.reason,
                result.message);
      // The warning opens this reason's interval, so the next poll does not repeat it.
      h.failure_log.ShouldLog(result.reason);
    } else if (std::uint64_t suppressed = 0; h.failure_log.ShouldLog(result.reason, &suppressed)) {
      log->error("poll still failing reason={} consecutive_failures={} error=\"{}\" suppressed={}",
                 result.reason, h.consecutive_failures, result.message, suppressed);
    }
    h.healthy = false;
    h.ever_polled = true;
    return false;
  }

  auto snapshot = std::make_shared<const CommitmentSnapshot>(builder.Build());
  const std::chrono::duration<double> took = Clock::now() - started;
  metrics_.PublishSuccess(*snapshot, took, std::chrono::system_clock::now());
  for (const ObjectIssue& issue : snapshot->issue_samples) {
    if (h.issue_log.ShouldLog(issue.kind + "/" + issue.object + "/" + issue.reason)) {
      log->warn("{} {} object={} reason={} error=\"{}\"", issue.skipped ? "skipped" : "kept",
                issue.kind, issue.object, issue.reason, issue.message);
    }
  }
  if (!h.healthy && h.ever_polled) {
    log->info("poll recovered after {} failed polls", h.consecutive_failures);
  }
  h.healthy = true;
  h.ever_polled = true;
  h.consecutive_failures = 0;
  log->debug("poll done nodes={} pods={} namespaces={} pending={} orphaned={} seconds={:.3f}",
             snapshot->nodes.size(), builder.pod_count(), snapshot->namespaces.size(),
             snapshot->cluster.pending_pods, snapshot->cluster.orphaned_pods, took.count());
  last_ = std::move(snapshot);
  return true;
}

void Poller::Run(std::chrono::milliseconds interval, const StopSignal& stop) {
  while (!stop.stopped()) {
    const auto started = Clock::now();
    PollOnce();
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    // A poll that overran its interval is followed at once by the next one; polls never overlap.
    const auto wait = interval > elapsed ? interval - elapsed : std::chrono::milliseconds(0);
    if (stop.WaitFor(wait)) break;
  }
}

}  // namespace kce
