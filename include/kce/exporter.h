#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "kce/cluster_source.h"
#include "kce/http_server.h"
#include "kce/metrics_state.h"
#include "kce/options.h"
#include "kce/poller.h"
#include "kce/stop_signal.h"

namespace kce {

/// The daemon: an HTTP server for /metrics, /healthz, /readyz and /, and a thread that polls
/// the source every poll interval. A scrape only reads the last published snapshot.
class Exporter {
 public:
  /// Builds the source a poll reads, given the metrics to count requests in and the signal
  /// that interrupts its retries.
  using SourceFactory =
      std::function<std::unique_ptr<ClusterSource>(MetricsState&, const StopSignal&)>;

  /// Creates the source and binds the listen address at once. Throws ConfigError from the
  /// factory, or std::runtime_error when the address cannot be bound.
  Exporter(const Options& options, const SourceFactory& make_source);
  /// Stops, waiting for a poll in flight to end.
  ~Exporter();

  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  /// Starts the poll thread.
  void Start();

  /// Signals the poll thread to stop and waits for it up to `grace`. Returns false when a poll
  /// was still in flight after that (the process may then exit without destroying this).
  bool Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(1500));

  /// The port the HTTP server bound.
  int port() const { return server_->port(); }

  MetricsState& metrics() { return *metrics_; }

  /// Where the data comes from, for logs.
  std::string source_description() const { return source_->Describe(); }

 private:
  Options options_;
  StopSignal stop_;
  std::unique_ptr<MetricsState> metrics_;
  std::unique_ptr<ClusterSource> source_;
  std::unique_ptr<Poller> poller_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::shared_ptr<std::atomic<bool>> thread_done_;
};

/// The accounting settings the options carry.
AccountingOptions AccountingFrom(const Options& options);

/// Creates the source the options name: the snapshot file, or the API server through the
/// kubeconfig or the in-cluster service account. `stop` interrupts retries and backoff.
/// Throws ConfigError when the cluster configuration cannot be loaded.
std::unique_ptr<ClusterSource> MakeClusterSource(const Options& options, MetricsState* metrics,
                                                 const StopSignal* stop);

/// Caps malloc at two arenas for the whole process; call before any thread starts. glibc
/// otherwise opens up to eight per core as threads (HTTP workers, the HTTP client's pool) first
/// allocate, and the free memory scattered over them makes the resident set creep for hundreds
/// of polls (measured by tests/soak). The exporter's threads rarely allocate at the same time.
void LimitMallocArenas();

/// The whole program: parse configuration, then check it, poll once, or serve until SIGTERM or
/// SIGINT. Returns the process exit code (0 ok, 1 runtime failure, 2 configuration error).
int RunExporter(int argc, const char* const* argv);

}  // namespace kce
