#include "kce/api_source.h"

#include <thread>

#include "kce/cpprest_http_client.h"

namespace kce {

ApiSource::ApiSource(std::unique_ptr<HttpClient> http, std::unique_ptr<TokenSource> tokens,
                     ApiOptions options, Sleeper sleeper, RequestObserver observer,
                     std::string node_selector, std::string description)
    : http_(std::move(http)),
      tokens_(std::move(tokens)),
      api_(*http_, tokens_.get(), options, std::move(sleeper), std::move(observer)),
      node_selector_(std::move(node_selector)),
      description_(std::move(description)) {}

CollectResult ApiSource::Collect(CommitmentBuilder& builder) {
  auto add_issues = [&builder](const std::vector<ObjectIssue>& issues) {
    for (const ObjectIssue& issue : issues) builder.AddIssue(issue);
  };
  ListOutcome nodes = api_.ListNodes(
      node_selector_, [&builder] { builder.ResetNodes(); },
      [&](NodePage& page) {
        for (const Node& node : page.items) builder.AddNode(node);
        add_issues(page.issues);
      });
  if (!nodes.ok) return {false, nodes.reason, nodes.message};

  ListOutcome pods = api_.ListPods(
      "", [&builder] { builder.ResetPods(); },
      [&](PodPage& page) {
        for (const Pod& pod : page.items) builder.AddPod(pod);
        add_issues(page.issues);
      });
  if (!pods.ok) return {false, pods.reason, pods.message};
  return {};
}

std::unique_ptr<ClusterSource> MakeApiSource(const Options& options, MetricsState* metrics,
                                             const StopSignal* stop) {
  ClusterEndpoint endpoint = LoadClusterEndpoint(options.kubeconfig, options.context, ProcessEnv,
                                                 options.service_account_dir);
  HttpClientOptions http_options;
  http_options.max_body_bytes = options.max_body_bytes;
  auto http = MakeCpprestHttpClient(endpoint, http_options);
  auto tokens = TokenSource::ForEndpoint(endpoint);

  ApiOptions api;
  api.page_size = options.page_size;
  api.request_timeout = options.request_timeout;
  Sleeper sleeper = [stop](std::chrono::milliseconds wait) {
    return stop == nullptr ? (std::this_thread::sleep_for(wait), true) : !stop->WaitFor(wait);
  };
  RequestObserver observer;
  if (metrics != nullptr) {
    observer = [metrics](std::string_view resource, int status) {
      metrics->RecordRequest(resource, status);
    };
  }
  return std::make_unique<ApiSource>(std::move(http), std::move(tokens), api, std::move(sleeper),
                                     std::move(observer), options.node_selector,
                                     endpoint.description);
}

}  // namespace kce
