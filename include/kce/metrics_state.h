#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "kce/commitment.h"

namespace kce {

/// Every reason a poll can fail with: the ListOutcome reasons of KubeApi plus the snapshot
/// file's `read`, `decode` and `config`. Each starts at zero in
/// kube_commitment_poll_errors_total.
inline constexpr std::string_view kPollErrorReasons[] = {
    "connect",   "timeout",      "tls",     "transport", "body_too_large", "unauthorized",
    "forbidden", "rate_limited", "expired", "http_4xx",  "http_5xx",       "http_other",
    "decode",    "cancelled",    "read",    "config",
};

/// What /metrics serves: the text of the last good snapshot plus the exporter's own metrics.
/// A poll publishes under one lock, so a scrape never mixes two polls. Thread-safe.
class MetricsState {
 public:
  explicit MetricsState(std::chrono::milliseconds poll_interval);

  /// Counts one API request; `status` 0 means no HTTP response arrived.
  void RecordRequest(std::string_view resource, int status);

  /// Publishes a successful poll: its rendered families replace the previous ones.
  void PublishSuccess(const CommitmentSnapshot& snapshot, std::chrono::duration<double> took,
                      std::chrono::system_clock::time_point finished);

  /// Records a failed poll; the last good snapshot keeps being served.
  void PublishFailure(std::string_view reason, std::chrono::duration<double> took);

  /// True once a poll has succeeded.
  bool Ready() const;

  /// The full exposition text for a scrape. Cheap: snapshot text is rendered at publish time.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> snapshot_text_;
  bool ready_ = false;

  prometheus::Registry registry_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Gauge>& last_success_time_;
  prometheus::Family<prometheus::Gauge>& last_duration_;
  prometheus::Family<prometheus::Counter>& poll_errors_;
  prometheus::Family<prometheus::Counter>& api_requests_;
  prometheus::Family<prometheus::Counter>& skipped_;
  prometheus::Family<prometheus::Counter>& saturated_;
};

}  // namespace kce
