#include "support/fake_cluster_api.h"

#include <vector>

#include "kce/api_source.h"
#include "kce/cpprest_http_client.h"
#include "kce/token_source.h"

namespace kce::testing {
namespace {

std::string Cores(double cores) {
  return std::to_string(static_cast<long long>(cores * 1000 + 0.5)) + "m";
}

std::string Node(const std::string& name, int cores) {
  const std::string cpu = std::to_string(cores);
  return R"({"metadata":{"name":")" + name + R"(","uid":"u-)" + name +
         R"("},"status":{"capacity":{"cpu":")" + cpu +
         R"(","memory":"16Gi","pods":"110"},"allocatable":{"cpu":")" + cpu +
         R"(","memory":"16Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}})";
}

std::string Pod(const std::string& name, const std::string& node, double cores) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"team","uid":"u-)" + name +
         R"("},"spec":{"nodeName":")" + node +
         R"(","containers":[{"name":"app","resources":{"requests":{"cpu":")" + Cores(cores) +
         R"(","memory":"64Mi"}}}]},"status":{"phase":"Running"}})";
}

std::string List(const std::string& kind, const std::vector<std::string>& items,
                 const std::string& next) {
  std::string body = R"({"kind":")" + kind + R"(","apiVersion":"v1","metadata":{)";
  body += R"("resourceVersion":"42")";
  if (!next.empty()) body += R"(,"continue":")" + next + "\"";
  body += R"(},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i > 0 ? "," : "") + items[i];
  return body + "]}";
}

FaultResponse Status(int code, const std::string& reason, const std::string& message) {
  FaultResponse response;
  response.status = code;
  response.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message +
                  R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
  return response;
}

FaultResponse Ok(std::string body) {
  FaultResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string_view ApiFaultName(ApiFault fault) {
  switch (fault) {
    case ApiFault::kNone:
      return "none";
    case ApiFault::kStatus500:
      return "status_500";
    case ApiFault::kStatus503:
      return "status_503";
    case ApiFault::kRateLimited:
      return "rate_limited";
    case ApiFault::kRateLimitedRetryAfter:
      return "rate_limited_retry_after";
    case ApiFault::kSlow:
      return "slow";
    case ApiFault::kExpiredMidList:
      return "expired_mid_list";
    case ApiFault::kExpiredOnce:
      return "expired_once";
    case ApiFault::kTruncatedBody:
      return "truncated_body";
    case ApiFault::kCutConnection:
      return "cut_connection";
    case ApiFault::kMalformedJson:
      return "malformed_json";
    case ApiFault::kEndlessBody:
      return "endless_body";
  }
  return "unknown";
}

FakeClusterApi::FakeClusterApi(FaultApiServer& server) {
  server.Route("/api/v1/nodes", [this](const TestRequest& r) { return Nodes(r); });
  server.Route("/api/v1/pods", [this](const TestRequest& r) { return Pods(r); });
}

void FakeClusterApi::SetFault(ApiFault fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  fault_ = fault;
}

void FakeClusterApi::SetVersion(int version) {
  std::lock_guard<std::mutex> lock(mutex_);
  version_ = version;
}

void FakeClusterApi::SetValidToken(std::string token) {
  std::lock_guard<std::mutex> lock(mutex_);
  valid_token_ = std::move(token);
}

void FakeClusterApi::SetSlowDelay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mutex_);
  slow_delay_ = delay;
}

double FakeClusterApi::NodeCpuRequests(int version, std::string_view node) {
  if (node == "n1") return 0.5 * version + 0.25;
  if (node == "n2") return version;
  return 0.1;
}

double FakeClusterApi::ClusterCpuRequests(int version) { return 1.5 * version + 0.35; }

bool FakeClusterApi::Authorized(const TestRequest& request) const {
  return valid_token_.empty() || request.Header("Authorization") == "Bearer " + valid_token_;
}

FaultResponse FakeClusterApi::Nodes(const TestRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!Authorized(request)) return Status(401, "Unauthorized", "Unauthorized");
  switch (fault_) {
    case ApiFault::kStatus500:
      return Status(500, "InternalError", "an internal error occurred");
    case ApiFault::kStatus503:
      return Status(503, "ServiceUnavailable", "etcd is unavailable");
    case ApiFault::kRateLimited:
      return Status(429, "TooManyRequests", "too many requests");
    case ApiFault::kRateLimitedRetryAfter: {
      FaultResponse response = Status(429, "TooManyRequests", "too many requests, retry later");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    default:
      break;
  }
  if (request.QueryParam("continue").empty()) {
    return Ok(List("NodeList", {Node("n1", 4), Node("n2", 2)}, "nodes-2"));
  }
  return Ok(List("NodeList", {Node("n3", 8)}, ""));
}

FaultResponse FakeClusterApi::Pods(const TestRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!Authorized(request)) return Status(401, "Unauthorized", "Unauthorized");
  const std::string next = request.QueryParam("continue");
  if (next.empty()) {
    // The continue token carries the version, so one list never mixes two versions, as the
    // API server serves a continued list from the snapshot of its first page.
    const double v = version_;
    FaultResponse first = Ok(List("PodList", {Pod("a", "n1", 0.5 * v), Pod("b", "n1", 0.25)},
                                  "pods-2-v" + std::to_string(version_)));
    if (fault_ == ApiFault::kSlow) first.delay = slow_delay_;
    return first;
  }

  const double v = next == "pods-2-v2" ? 2 : 1;
  FaultResponse second = Ok(List("PodList", {Pod("c", "n2", v), Pod("d", "n3", 0.1)}, ""));
  switch (fault_) {
    case ApiFault::kExpiredOnce:
      fault_ = ApiFault::kNone;
      [[fallthrough]];
    case ApiFault::kExpiredMidList:
      return Status(410, "Expired", "The provided continue parameter is too old");
    case ApiFault::kTruncatedBody:
      second.announced_length = second.body.size() + 4096;
      break;
    case ApiFault::kCutConnection:
      second.cut_after = second.body.size() / 2;
      break;
    case ApiFault::kMalformedJson:
      second.body = R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":)"
                    R"({"name":"c",}},,]})";
      break;
    case ApiFault::kEndlessBody:
      second.body = R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[)";
      second.endless = true;
      break;
    default:
      break;
  }
  return second;
}

ClusterEndpoint TestEndpoint(int port, const std::string& service_account_dir) {
  const std::string port_text = std::to_string(port);
  return LoadInCluster(service_account_dir,
                       [&port_text](const std::string& name) -> std::optional<std::string> {
                         if (name == "KUBERNETES_SERVICE_HOST") return "127.0.0.1";
                         if (name == "KUBERNETES_SERVICE_PORT") return port_text;
                         return std::nullopt;
                       });
}

std::unique_ptr<ClusterSource> MakeTestApiSource(const ClusterEndpoint& endpoint,
                                                 const TestSourceSettings& settings,
                                                 MetricsState& metrics, const StopSignal& stop) {
  HttpClientOptions http;
  http.max_body_bytes = settings.max_body_bytes;
  ApiOptions api;
  api.page_size = settings.page_size;
  api.request_timeout = settings.request_timeout;
  api.max_attempts = settings.max_attempts;
  api.base_backoff = settings.base_backoff;
  api.max_backoff = settings.max_backoff;
  api.max_retry_after = settings.max_retry_after;
  Sleeper sleeper = [&stop](std::chrono::milliseconds wait) { return !stop.WaitFor(wait); };
  RequestObserver observer = [&metrics](std::string_view resource, int status) {
    metrics.RecordRequest(resource, status);
  };
  return std::make_unique<ApiSource>(MakeCpprestHttpClient(endpoint, http),
                                     TokenSource::ForEndpoint(endpoint), api, std::move(sleeper),
                                     std::move(observer), "", endpoint.description);
}

}  // namespace kce::testing
