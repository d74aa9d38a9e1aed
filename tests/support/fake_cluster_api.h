#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "kce/cluster_endpoint.h"
#include "kce/cluster_source.h"
#include "kce/kube_api.h"
#include "kce/metrics_state.h"
#include "kce/stop_signal.h"
#include "support/fault_api_server.h"

namespace kce::testing {

/// What the fake API server does wrong on its next requests (see FakeClusterApi).
enum class ApiFault {
  kNone,
  kStatus500,              // every node request: 500
  kStatus503,              // every node request: 503
  kRateLimited,            // every node request: 429 without Retry-After
  kRateLimitedRetryAfter,  // every node request: 429 with Retry-After: 1
  kSlow,                   // the first pod page answers after FakeClusterApi::slow_delay
  kExpiredMidList,         // every continued pod page: 410 Expired
  kExpiredOnce,            // the next continued pod page: 410 Expired, then normal again
  kTruncatedBody,          // continued pod page: Content-Length beyond the body, then close
  kCutConnection,          // continued pod page: the connection is reset halfway through
  kMalformedJson,          // continued pod page: 200 with JSON that does not parse
  kEndlessBody,            // continued pod page: a chunked body that never ends
};

/// Stable name of a fault, for test names and soak output.
std::string_view ApiFaultName(ApiFault fault);

/// A three-node, four-pod cluster served page by page (two items per page) through a
/// FaultApiServer, in one of two versions whose CPU requests differ, with a fault switch and a
/// bearer token check. Thread-safe.
///
/// Version v (1 or 2): nodes n1 (4 cores), n2 (2 cores), n3 (8 cores); pods a (n1, 0.5v cores),
/// b (n1, 0.25 cores), c (n2, v cores), d (n3, 0.1 cores), all in namespace "team".
class FakeClusterApi {
 public:
  /// Installs the node and pod routes on `server`, which must outlive this object's use.
  explicit FakeClusterApi(FaultApiServer& server);

  void SetFault(ApiFault fault);
  void SetVersion(int version);
  /// Requests must carry "Bearer <token>"; an empty token accepts any request.
  void SetValidToken(std::string token);
  /// How late kSlow answers.
  void SetSlowDelay(std::chrono::milliseconds delay);

  /// Expected CPU requests, in cores, of `node` ("n1", "n2", "n3") and of the cluster.
  static double NodeCpuRequests(int version, std::string_view node);
  static double ClusterCpuRequests(int version);

 private:
  FaultResponse Nodes(const TestRequest& request);
  FaultResponse Pods(const TestRequest& request);
  bool Authorized(const TestRequest& request) const;

  mutable std::mutex mutex_;
  ApiFault fault_ = ApiFault::kNone;
  int version_ = 1;
  std::string valid_token_;
  std::chrono::milliseconds slow_delay_{1000};
};

/// Settings of a test-built API source: short deadlines and backoffs, few retries.
struct TestSourceSettings {
  std::chrono::milliseconds request_timeout{300};
  int max_attempts = 2;
  std::chrono::milliseconds base_backoff{20};
  std::chrono::milliseconds max_backoff{50};
  std::chrono::milliseconds max_retry_after{2000};
  std::size_t max_body_bytes = 256 * 1024;
  int page_size = 2;
};

/// An in-cluster endpoint for `port` on 127.0.0.1, trusting the CA and reading the token in
/// `service_account_dir` (files ca.crt and token). Throws ConfigError as LoadInCluster.
ClusterEndpoint TestEndpoint(int port, const std::string& service_account_dir);

/// An ApiSource as MakeApiSource builds it (cpprestsdk client, token file, requests counted in
/// `metrics`, retries cut short by `stop`), but with `settings` instead of the daemon's
/// defaults. `metrics` and `stop` must outlive the source.
std::unique_ptr<ClusterSource> MakeTestApiSource(const ClusterEndpoint& endpoint,
                                                 const TestSourceSettings& settings,
                                                 MetricsState& metrics, const StopSignal& stop);

}  // namespace kce::testing
