#include "kce/metrics_state.h"

#include <type_traits>

#include "kce/exposition.h"
#include "kce/metric_catalog.h"
#include "kce/version.h"

namespace kce {
namespace {

template <typename T>
prometheus::Family<T>& Register(prometheus::Registry& registry, std::string_view name) {
  const MetricInfo& info = LookupMetric(name);
  auto builder = [] {
    if constexpr (std::is_same_v<T, prometheus::Gauge>) {
      return prometheus::BuildGauge();
    } else {
      return prometheus::BuildCounter();
    }
  }();
  return builder.Name(std::string(info.name)).Help(std::string(info.help)).Register(registry);
}

}  // namespace

MetricsState::MetricsState(std::chrono::milliseconds poll_interval)
    : last_success_(Register<prometheus::Gauge>(registry_, "kube_commitment_last_poll_success")),
      last_success_time_(Register<prometheus::Gauge>(
          registry_, "kube_commitment_last_poll_success_timestamp_seconds")),
      last_duration_(
          Register<prometheus::Gauge>(registry_, "kube_commitment_last_poll_duration_seconds")),
      poll_errors_(Register<prometheus::Counter>(registry_, "kube_commitment_poll_errors_total")),
      api_requests_(Register<prometheus::Counter>(registry_, "kube_commitment_api_requests_total")),
      skipped_(Register<prometheus::Counter>(registry_, "kube_commitment_skipped_objects_total")),
      saturated_(
          Register<prometheus::Counter>(registry_, "kube_commitment_saturated_quantities_total")) {
  Register<prometheus::Gauge>(registry_, "kube_commitment_build_info")
      .Add({{"version", std::string(Version())}, {"revision", std::string(Revision())}})
      .Set(1);
  Register<prometheus::Gauge>(registry_, "kube_commitment_poll_interval_seconds")
      .Add({})
      .Set(std::chrono::duration<double>(poll_interval).count());
  last_success_.Add({}).Set(0);
  last_success_time_.Add({}).Set(0);
  last_duration_.Add({}).Set(0);

  // Known label values start at zero, so rate() and alerts see a series before the first
  // failure rather than no data.
  for (std::string_view reason : kPollErrorReasons) {
    poll_errors_.Add({{"reason", std::string(reason)}});
  }
  for (const char* kind : {"node", "pod"}) {
    for (const char* reason : {"bad_field", "bad_quantity"}) {
      skipped_.Add({{"kind", kind}, {"reason", reason}});
    }
    saturated_.Add({{"kind", kind}});
  }
  skipped_.Add({{"kind", "node"}, {"reason", "duplicate"}});
  skipped_.Add({{"kind", "item"}, {"reason", "bad_field"}});
  for (const char* resource : {"nodes", "pods"}) {
    api_requests_.Add({{"resource", resource}, {"code", "200"}});
  }
}

void MetricsState::RecordRequest(std::string_view resource, int status) {
  api_requests_.Add({{"resource", std::string(resource)}, {"code", std::to_string(status)}})
      .Increment();
}

void MetricsState::PublishSuccess(const CommitmentSnapshot& snapshot,
                                  std::chrono::duration<double> took,
                                  std::chrono::system_clock::time_point finished) {
  // Rendering happens outside the lock so scrapes are never held up by it.
  auto text = std::make_shared<const std::string>(SerializeFamilies(SnapshotFamilies(snapshot)));
  const double unix_seconds = std::chrono::duration<double>(finished.time_since_epoch()).count();

  std::lock_guard lock(mu_);
  snapshot_text_ = std::move(text);
  ready_ = true;
  last_success_.Add({}).Set(1);
  last_success_time_.Add({}).Set(unix_seconds);
  last_duration_.Add({}).Set(took.count());
  for (const auto& [key, count] : snapshot.skipped) {
    skipped_.Add({{"kind", key.first}, {"reason", key.second}}).Increment(count);
  }
  for (const auto& [kind, count] : snapshot.saturated) {
    saturated_.Add({{"kind", kind}}).Increment(count);
  }
}

void MetricsState::PublishFailure(std::string_view reason, std::chrono::duration<double> took) {
  std::lock_guard lock(mu_);
  last_success_.Add({}).Set(0);
  last_duration_.Add({}).Set(took.count());
  poll_errors_.Add({{"reason", std::string(reason)}}).Increment();
}

bool MetricsState::Ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

std::string MetricsState::Render() const {
  std::shared_ptr<const std::string> snapshot;
  std::vector<prometheus::MetricFamily> own;
  {
    std::lock_guard lock(mu_);
    snapshot = snapshot_text_;
    own = registry_.Collect();
  }
  std::string text = snapshot ? *snapshot : std::string();
  text += SerializeFamilies(own);
  return text;
}

}  // namespace kce
