#pragma once

#include <memory>
#include <string>

#include "kce/cluster_endpoint.h"
#include "kce/cluster_source.h"
#include "kce/http_client.h"
#include "kce/kube_api.h"
#include "kce/metrics_state.h"
#include "kce/options.h"
#include "kce/stop_signal.h"
#include "kce/token_source.h"

namespace kce {

/// Reads nodes, then pods, from the API server on every poll. A restarted list (410 Expired)
/// drops what it had added; any failed list fails the whole poll.
class ApiSource : public ClusterSource {
 public:
  /// Takes ownership of the client and token source; `node_selector` is a label selector.
  ApiSource(std::unique_ptr<HttpClient> http, std::unique_ptr<TokenSource> tokens,
            ApiOptions options, Sleeper sleeper, RequestObserver observer,
            std::string node_selector, std::string description);

  CollectResult Collect(CommitmentBuilder& builder) override;
  std::string Describe() const override { return description_; }

 private:
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<TokenSource> tokens_;
  KubeApi api_;
  std::string node_selector_;
  std::string description_;
};

/// Builds an ApiSource from the options: kubeconfig or in-cluster endpoint, cpprestsdk client,
/// token source. Requests are counted in `metrics` when not null; `stop` (may be null) cuts
/// retry waits short. Throws ConfigError when the endpoint cannot be loaded.
std::unique_ptr<ClusterSource> MakeApiSource(const Options& options, MetricsState* metrics,
                                             const StopSignal* stop);

}  // namespace kce
