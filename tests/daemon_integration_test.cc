// The daemon in-process against a local HTTPS server speaking the LIST protocol: pagination, a
// 410 mid-list, a 429 with Retry-After, a 401 after the token rotates, a failing server.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "kce/exporter.h"
#include "kce/logging.h"
#include "support/http_get.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"
#include "support/test_https_server.h"

namespace kce {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::HttpRequest;
using testing::SampleValue;
using testing::TestRequest;
using testing::TestResponse;

std::string NodeJson(const std::string& name, const std::string& cpu) {
  return R"({"metadata":{"name":")" + name + R"(","uid":"u-)" + name +
         R"("},"status":{"capacity":{"cpu":")" + cpu +
         R"(","memory":"8Gi","pods":"110"},"allocatable":{"cpu":")" + cpu +
         R"(","memory":"8Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}})";
}

std::string PodJson(const std::string& name, const std::string& node, const std::string& cpu) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"team","uid":"u-)" + name +
         R"("},"spec":{"nodeName":")" + node +
         R"(","containers":[{"name":"app","resources":{"requests":{"cpu":")" + cpu +
         R"("}}}]},"status":{"phase":"Running"}})";
}

std::string Page(const std::string& kind, const std::vector<std::string>& items,
                 const std::string& next) {
  std::string body =
      R"({"kind":")" + kind + R"(","apiVersion":"v1","metadata":{"resourceVersion":"7")";
  if (!next.empty()) body += R"(,"continue":")" + next + "\"";
  body += R"(},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
  return body + "]}";
}

TestResponse Status(int code, const std::string& reason, const std::string& message) {
  return {code,
          {},
          R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message +
              R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}"};
}

// The fake API server's state, shared with its handlers.
struct FakeApi {
  std::mutex mu;
  std::string valid_token = "token-1";
  bool failing = false;
  bool expired_once = false;
  bool throttled_once = false;
  std::chrono::steady_clock::time_point throttled_at;
  std::chrono::milliseconds retry_gap{0};

  TestResponse Nodes(const TestRequest& request) {
    std::lock_guard lock(mu);
    if (auto denied = Check(request)) return *denied;
    if (request.QueryParam("limit") != "2") return Status(400, "BadRequest", "limit must be 2");
    if (request.QueryParam("continue").empty()) {
      return {200, {}, Page("NodeList", {NodeJson("n1", "4"), NodeJson("n2", "3500m")}, "n-2")};
    }
    return {200, {}, Page("NodeList", {NodeJson("n3", "2")}, "")};
  }

  TestResponse Pods(const TestRequest& request) {
    std::lock_guard lock(mu);
    if (auto denied = Check(request)) return *denied;
    if (request.QueryParam("fieldSelector") != "status.phase!=Succeeded,status.phase!=Failed") {
      return Status(400, "BadRequest", "unexpected field selector");
    }
    const std::string next = request.QueryParam("continue");
    if (next.empty()) {
      return {
          200, {}, Page("PodList", {PodJson("a", "n1", "1"), PodJson("b", "n1", "500m")}, "p-2")};
    }
    if (next == "p-2") {
      if (!expired_once) {
        expired_once = true;
        return Status(410, "Expired", "The provided continue parameter is too old");
      }
      if (!throttled_once) {
        throttled_once = true;
        throttled_at = std::chrono::steady_clock::now();
        TestResponse r = Status(429, "TooManyRequests", "slow down");
        r.headers = {{"Retry-After", "1"}};
        return r;
      }
      if (retry_gap == 0ms) {
        retry_gap = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - throttled_at);
      }
      // An empty page that still continues: only an empty continue ends a list.
      return {200, {}, Page("PodList", {}, "p-3")};
    }
    return {200, {}, Page("PodList", {PodJson("c", "n2", "250m"), PodJson("d", "", "2")}, "")};
  }

  std::optional<TestResponse> Check(const TestRequest& request) {
    if (failing) return Status(503, "ServiceUnavailable", "etcd is down");
    if (request.Header("Authorization") != "Bearer " + valid_token) {
      return Status(401, "Unauthorized", "Unauthorized");
    }
    return std::nullopt;
  }
};

class DaemonIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetupLogging("warn", "text");
    server_ = std::make_unique<testing::TestHttpsServer>(
        testing::TestServerOptions{certs_.server_pem_file, ""});
    server_->Route("/api/v1/nodes", [this](const TestRequest& r) { return api_.Nodes(r); });
    server_->Route("/api/v1/pods", [this](const TestRequest& r) { return api_.Pods(r); });
    sa_dir_.Write("ca.crt", certs_.ca_cert_pem);
    sa_dir_.Write("token", "token-1\n");
    setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()).c_str(), 1);
    unsetenv("KUBECONFIG");

    options_.listen_address = "127.0.0.1:0";
    options_.poll_interval = 1s;
    options_.request_timeout = 5s;
    options_.page_size = 2;
    options_.service_account_dir = sa_dir_.path();
  }

  void TearDown() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
  }

  // Scrapes until `ok` holds for the exposition, for up to 30 s.
  std::string WaitFor(Exporter& exporter, const std::function<bool(const std::string&)>& ok) {
    std::string body;
    for (int i = 0; i < 300; ++i) {
      body = HttpGet(exporter.port(), "/metrics").body;
      if (ok(body)) return body;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "condition never held; last scrape:\n" << body;
    return body;
  }

  testing::TestCertificates certs_;
  testing::TempDir sa_dir_;
  FakeApi api_;
  std::unique_ptr<testing::TestHttpsServer> server_;
  Options options_;
};

TEST_F(DaemonIntegrationTest, PollsPagesThroughFaultsAndKeepsLastValues) {
  Exporter exporter(options_, [this](MetricsState& metrics, const StopSignal& stop) {
    return MakeClusterSource(options_, &metrics, &stop);
  });
  EXPECT_EQ(HttpGet(exporter.port(), "/readyz").status, 503);
  EXPECT_EQ(HttpGet(exporter.port(), "/healthz").status, 200);
  exporter.Start();

  std::string body = WaitFor(exporter, [](const std::string& text) {
    return SampleValue(text, "kube_commitment_last_poll_success") == 1;
  });
  EXPECT_EQ(HttpGet(exporter.port(), "/readyz").status, 200);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_cpu_allocatable_cores{node="n2"})"), 3.5);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_cpu_requests_cores{node="n1"})"), 1.5);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_cpu_requests_cores{node="n2"})"), 0.25);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_pods{node="n1"})"), 2);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_pods{node="n3"})"), 0);
  EXPECT_EQ(SampleValue(body, "kube_commitment_pending_pods"), 1);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_namespace_pods{namespace="team"})"), 4);
  EXPECT_EQ(SampleValue(body, "kube_commitment_cluster_cpu_allocatable_cores"), 9.5);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_api_requests_total{code="410",resource="pods"})"),
            1);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_api_requests_total{code="429",resource="pods"})"),
            1);
  {
    std::lock_guard lock(api_.mu);
    EXPECT_GE(api_.retry_gap, 1000ms) << "Retry-After: 1 was not honoured";
  }

  // The token file rotates and the server stops accepting the old token: one 401, a re-read,
  // and the poll succeeds.
  {
    std::lock_guard lock(api_.mu);
    api_.valid_token = "token-2";
  }
  sa_dir_.Write("token", "token-2\n");
  body = WaitFor(exporter, [](const std::string& text) {
    // The rotation may land between the two lists, so the 401 may answer either of them.
    auto count = [&text](const std::string& resource) {
      const double v = SampleValue(
          text, R"(kube_commitment_api_requests_total{code="401",resource=")" + resource + "\"}");
      return std::isnan(v) ? 0.0 : v;
    };
    const double unauthorized = count("nodes") + count("pods");
    return unauthorized >= 1 && SampleValue(text, "kube_commitment_last_poll_success") == 1 &&
           SampleValue(text,
                       R"(kube_commitment_api_requests_total{code="200",resource="nodes"})") >= 6;
  });
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_poll_errors_total{reason="unauthorized"})"), 0)
      << "a rotated token must not fail the poll";

  // The server fails: the last good values stay, the failure is visible.
  {
    std::lock_guard lock(api_.mu);
    api_.failing = true;
  }
  body = WaitFor(exporter, [](const std::string& text) {
    return SampleValue(text, "kube_commitment_last_poll_success") == 0;
  });
  EXPECT_GE(SampleValue(body, R"(kube_commitment_poll_errors_total{reason="http_5xx"})"), 1);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_node_cpu_requests_cores{node="n1"})"), 1.5);
  EXPECT_EQ(HttpGet(exporter.port(), "/readyz").status, 200);

  // And it recovers by itself.
  {
    std::lock_guard lock(api_.mu);
    api_.failing = false;
  }
  WaitFor(exporter, [](const std::string& text) {
    return SampleValue(text, "kube_commitment_last_poll_success") == 1;
  });
  EXPECT_TRUE(exporter.Stop(std::chrono::seconds(10)));
}

TEST_F(DaemonIntegrationTest, UnknownPathsAndMethods) {
  Exporter exporter(options_, [this](MetricsState& metrics, const StopSignal& stop) {
    return MakeClusterSource(options_, &metrics, &stop);
  });
  EXPECT_EQ(HttpGet(exporter.port(), "/nope").status, 404);
  EXPECT_EQ(HttpGet(exporter.port(), "/metricsx").status, 404);
  const auto index = HttpGet(exporter.port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("href=\"/metrics\""), std::string::npos);

  // HEAD gets GET's headers without the body; other methods are refused with what is allowed.
  const auto get = HttpGet(exporter.port(), "/healthz");
  const auto head = HttpRequest(exporter.port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty()) << head.body;
  EXPECT_NE(head.headers.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n"),
            std::string::npos)
      << head.headers;
  for (const char* method : {"OPTIONS", "POST", "DELETE"}) {
    const auto refused = HttpRequest(exporter.port(), method, "/metrics");
    EXPECT_EQ(refused.status, 405) << method;
    EXPECT_NE(refused.headers.find("Allow: GET, HEAD\r\n"), std::string::npos)
        << method << ": " << refused.headers;
  }
}

}  // namespace
}  // namespace kce
