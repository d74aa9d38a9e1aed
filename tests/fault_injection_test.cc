// The daemon in-process against a fault-injecting API server: for each way the API server or the
// network can fail, the exporter keeps serving the last good values, names the failure in its
// self-metrics, logs it once at warn without repeating it every poll, and recovers on the next
// good poll. The server switches to a second version of the cluster when a fault starts, so the
// values seen during the fault can only be the kept ones, and the ones after it the fresh ones.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kce/exporter.h"
#include "kce/logging.h"
#include "kce/metrics_state.h"
#include "support/fake_cluster_api.h"
#include "support/fault_api_server.h"
#include "support/http_get.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace kce {
namespace {

using namespace std::chrono_literals;
using testing::ApiFault;
using testing::FakeClusterApi;
using testing::HttpGet;
using testing::SampleValue;

constexpr char kNodeCpu[] = R"(kube_commitment_node_cpu_requests_cores{node="n1"})";
constexpr char kClusterCpu[] = "kube_commitment_cluster_cpu_requests_cores";
constexpr char kSuccess[] = "kube_commitment_last_poll_success";

// Collects log lines written by the shared sink while the test thread reads them.
class LogCapture : public std::streambuf {
 public:
  LogCapture() : stream_(this) {}
  std::ostream& stream() { return stream_; }

  std::vector<std::string> Lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> lines;
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  // Lines holding every one of `parts`.
  std::vector<std::string> Matching(const std::vector<std::string>& parts) const {
    std::vector<std::string> found;
    for (const std::string& line : Lines()) {
      bool all = true;
      for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
      if (all) found.push_back(line);
    }
    return found;
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.clear();
  }

 protected:
  int_type overflow(int_type c) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (c != traits_type::eof()) text_ += static_cast<char>(c);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
  std::ostream stream_;
};

class FaultInjectionTest;

// One fault: how to start and end it, the reason label it must be counted under, and a piece
// of the request it must be reported against.
struct Scenario {
  std::string name;
  std::function<void(FaultInjectionTest&)> inject;
  std::function<void(FaultInjectionTest&)> clear;
  std::string reason;
  std::string where;
};

class FaultInjectionTest : public ::testing::TestWithParam<Scenario> {
 public:
  void SetUp() override {
    SetupLogging("info", "text", &log_.stream());
    sa_dir_.Write("ca.crt", certs_.ca_cert_pem);
    sa_dir_.Write("token", "token-1\n");
    // Signed by a CA the exporter does not trust.
    server_ = std::make_unique<testing::FaultApiServer>(certs_.server_pem_file,
                                                        untrusted_.server_pem_file);
    api_ = std::make_unique<FakeClusterApi>(*server_);
    api_->SetValidToken("token-1");
    api_->SetSlowDelay(3 * settings_.request_timeout);

    options_.listen_address = "127.0.0.1:0";
    // Shorter than a user may configure, so each scenario takes seconds.
    options_.poll_interval = 500ms;
    options_.request_timeout = settings_.request_timeout;
  }

  void TearDown() override {
    if (exporter_) {
      EXPECT_TRUE(exporter_->Stop(10s));
    }
    exporter_.reset();
    server_->Stop();
    SetupLogging("warn", "text");
  }

  void StartExporter() {
    const ClusterEndpoint endpoint = testing::TestEndpoint(server_->port(), sa_dir_.path());
    exporter_ = std::make_unique<Exporter>(
        options_, [this, endpoint](MetricsState& metrics, const StopSignal& stop) {
          return testing::MakeTestApiSource(endpoint, settings_, metrics, stop);
        });
    exporter_->Start();
  }

  std::string Scrape() {
    const testing::HttpGetResult result = HttpGet(exporter_->port(), "/metrics");
    EXPECT_EQ(result.status, 200) << "a scrape failed";
    return result.body;
  }

  // Scrapes every 50 ms until `done` holds, for up to 20 s; every scrape must pass `invariant`.
  std::string WaitFor(const std::function<bool(const std::string&)>& done,
                      const std::function<void(const std::string&)>& invariant = nullptr) {
    std::string body;
    for (const auto deadline = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
      body = Scrape();
      if (invariant) invariant(body);
      if (done(body)) return body;
    }
    ADD_FAILURE() << "condition never held; last scrape:\n" << body;
    return body;
  }

  static std::map<std::string, double> ErrorCounts(const std::string& body) {
    std::map<std::string, double> counts;
    for (std::string_view reason : kPollErrorReasons) {
      const std::string name(reason);
      counts[name] =
          SampleValue(body, "kube_commitment_poll_errors_total{reason=\"" + name + "\"}");
    }
    return counts;
  }

  std::vector<std::chrono::steady_clock::time_point> NodeRequestTimes() const {
    std::vector<std::chrono::steady_clock::time_point> times;
    for (const testing::ReceivedRequest& r : server_->requests()) {
      if (r.request.path == "/api/v1/nodes") times.push_back(r.arrived);
    }
    return times;
  }

  testing::TestCertificates certs_;
  testing::TestCertificates untrusted_;
  testing::TempDir sa_dir_;
  testing::TestSourceSettings settings_;
  LogCapture log_;
  std::unique_ptr<testing::FaultApiServer> server_;
  std::unique_ptr<FakeClusterApi> api_;
  Options options_;
  std::unique_ptr<Exporter> exporter_;
};

std::function<void(FaultInjectionTest&)> SetFault(ApiFault fault) {
  return [fault](FaultInjectionTest& t) { t.api_->SetFault(fault); };
}

Scenario ApiScenario(ApiFault fault, std::string reason, std::string where) {
  return {std::string(testing::ApiFaultName(fault)), SetFault(fault), SetFault(ApiFault::kNone),
          std::move(reason), std::move(where)};
}

std::vector<Scenario> Scenarios() {
  return {
      {"connection_refused", [](FaultInjectionTest& t) { t.server_->CloseListener(); },
       [](FaultInjectionTest& t) { t.server_->Reopen(); }, "connect", "/api/v1/nodes"},
      {"tls_wrong_ca", [](FaultInjectionTest& t) { t.server_->PresentWrongCertificate(true); },
       [](FaultInjectionTest& t) { t.server_->PresentWrongCertificate(false); }, "tls",
       "/api/v1/nodes"},
      ApiScenario(ApiFault::kSlow, "timeout", "/api/v1/pods"),
      ApiScenario(ApiFault::kStatus500, "http_5xx", "/api/v1/nodes?limit=2: HTTP 500"),
      ApiScenario(ApiFault::kStatus503, "http_5xx", "/api/v1/nodes?limit=2: HTTP 503"),
      ApiScenario(ApiFault::kRateLimited, "rate_limited", "/api/v1/nodes?limit=2: HTTP 429"),
      ApiScenario(ApiFault::kRateLimitedRetryAfter, "rate_limited",
                  "/api/v1/nodes?limit=2: HTTP 429"),
      ApiScenario(ApiFault::kExpiredMidList, "expired", "/api/v1/pods"),
      ApiScenario(ApiFault::kTruncatedBody, "transport", "/api/v1/pods"),
      ApiScenario(ApiFault::kCutConnection, "transport", "/api/v1/pods"),
      ApiScenario(ApiFault::kMalformedJson, "decode", "/api/v1/pods"),
      ApiScenario(ApiFault::kEndlessBody, "body_too_large", "/api/v1/pods"),
      {"token_file_disappears",
       [](FaultInjectionTest& t) {
         t.api_->SetValidToken("token-2");
         std::filesystem::remove(t.sa_dir_.File("token"));
       },
       [](FaultInjectionTest& t) { t.sa_dir_.Write("token", "token-2\n"); }, "unauthorized",
       "/api/v1/nodes?limit=2: HTTP 401"},
  };
}

TEST_P(FaultInjectionTest, KeepsLastValuesNamesTheFailureAndRecovers) {
  const Scenario& scenario = GetParam();
  StartExporter();
  std::string body = WaitFor([](const std::string& text) {
    return SampleValue(text, kSuccess) == 1 && SampleValue(text, kNodeCpu) > 0;
  });
  ASSERT_EQ(SampleValue(body, kNodeCpu), FakeClusterApi::NodeCpuRequests(1, "n1"));
  const std::map<std::string, double> before = ErrorCounts(body);
  ASSERT_EQ(before.at(scenario.reason), 0) << "the scenario failed before its fault";

  log_.Clear();
  scenario.inject(*this);
  const std::string errors =
      "kube_commitment_poll_errors_total{reason=\"" + scenario.reason + "\"}";
  const auto kept = [](const std::string& text) {
    EXPECT_EQ(SampleValue(text, kNodeCpu), FakeClusterApi::NodeCpuRequests(1, "n1"));
    EXPECT_EQ(SampleValue(text, kClusterCpu), FakeClusterApi::ClusterCpuRequests(1));
  };
  // Once a poll has failed, every later one fails too until the fault ends, so the cluster can
  // change now without a poll picking the change up: what a scrape shows is what was kept.
  WaitFor([&](const std::string& text) { return SampleValue(text, errors) >= 1; }, kept);
  api_->SetVersion(2);
  body = WaitFor([&](const std::string& text) { return SampleValue(text, errors) >= 3; }, kept);
  EXPECT_EQ(SampleValue(body, kSuccess), 0);
  EXPECT_EQ(HttpGet(exporter_->port(), "/healthz").status, 200);
  EXPECT_EQ(HttpGet(exporter_->port(), "/readyz").status, 200) << "ready once, ready for good";
  for (const auto& [reason, count] : ErrorCounts(body)) {
    if (reason != scenario.reason) {
      EXPECT_EQ(count, before.at(reason)) << "reason=" << reason;
    }
  }

  // One warning that says what failed and where; the repeat is not logged again.
  const auto failed = log_.Matching({"poll failed", "reason=" + scenario.reason});
  ASSERT_EQ(failed.size(), 1u) << "lines:\n" << ::testing::PrintToString(log_.Lines());
  RecordProperty("failure_log", failed[0]);
  EXPECT_NE(failed[0].find(" warn [poller] "), std::string::npos) << failed[0];
  EXPECT_NE(failed[0].find(scenario.where), std::string::npos) << failed[0];
  EXPECT_TRUE(log_.Matching({"poll still failing"}).empty())
      << ::testing::PrintToString(log_.Lines());
  EXPECT_TRUE(log_.Matching({"token-1"}).empty() && log_.Matching({"token-2"}).empty())
      << "a token reached the log";

  scenario.clear(*this);
  body = WaitFor([](const std::string& text) {
    return SampleValue(text, kSuccess) == 1 &&
           SampleValue(text, kNodeCpu) == FakeClusterApi::NodeCpuRequests(2, "n1");
  });
  EXPECT_EQ(SampleValue(body, kClusterCpu), FakeClusterApi::ClusterCpuRequests(2));
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_namespace_pods{namespace="team"})"), 4);
  EXPECT_EQ(log_.Matching({"info [poller] poll recovered after"}).size(), 1u)
      << ::testing::PrintToString(log_.Lines());
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultInjectionTest, ::testing::ValuesIn(Scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           std::string name;
                           bool upper = true;
                           for (const char c : info.param.name) {
                             if (c == '_') {
                               upper = true;
                               continue;
                             }
                             name += upper ? static_cast<char>(std::toupper(c)) : c;
                             upper = false;
                           }
                           return name;
                         });

TEST_F(FaultInjectionTest, RetryAfterIsHonouredAndBackoffIsShortWithoutIt) {
  // The fault is on before the first poll, so the first two node requests are the two attempts
  // of one page and the gap between them is the wait before the retry.
  for (const bool with_header : {false, true}) {
    server_->ClearRequests();
    api_->SetFault(with_header ? ApiFault::kRateLimitedRetryAfter : ApiFault::kRateLimited);
    StartExporter();
    std::vector<std::chrono::steady_clock::time_point> times;
    for (const auto deadline = std::chrono::steady_clock::now() + 20s;
         times.size() < 2 && std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(20ms)) {
      times = NodeRequestTimes();
    }
    ASSERT_GE(times.size(), 2u);
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(times[1] - times[0]);
    if (with_header) {
      EXPECT_GE(gap, 1000ms) << "Retry-After: 1 was not honoured";
    } else {
      EXPECT_LT(gap, 500ms) << "without Retry-After the wait is the backoff, at most 50 ms";
    }
    EXPECT_TRUE(exporter_->Stop(10s));
    exporter_.reset();
  }
}

TEST_F(FaultInjectionTest, ExpiredOnceMidListRestartsWithoutCountingTwice) {
  StartExporter();
  WaitFor([](const std::string& text) { return SampleValue(text, kSuccess) == 1; });
  api_->SetFault(ApiFault::kExpiredOnce);
  api_->SetVersion(2);
  const std::string body = WaitFor([](const std::string& text) {
    return SampleValue(text, R"(kube_commitment_api_requests_total{code="410",resource="pods"})") ==
               1 &&
           SampleValue(text, kSuccess) == 1 &&
           SampleValue(text, kNodeCpu) == FakeClusterApi::NodeCpuRequests(2, "n1");
  });
  EXPECT_EQ(SampleValue(body, kClusterCpu), FakeClusterApi::ClusterCpuRequests(2));
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_namespace_pods{namespace="team"})"), 4);
  EXPECT_EQ(SampleValue(body, R"(kube_commitment_poll_errors_total{reason="expired"})"), 0);
}

TEST_F(FaultInjectionTest, EndlessBodyConnectionIsDropped) {
  StartExporter();
  WaitFor([](const std::string& text) { return SampleValue(text, kSuccess) == 1; });
  api_->SetFault(ApiFault::kEndlessBody);
  WaitFor([](const std::string& text) {
    return SampleValue(text, R"(kube_commitment_poll_errors_total{reason="body_too_large"})") >= 1;
  });
  EXPECT_TRUE(exporter_->Stop(10s));
  // The client hung up on the endless body, so the server's writer gives up long before its
  // 10 s send timeout.
  for (int i = 0; i < 40 && server_->open_connections() > 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(server_->open_connections(), 0);
}

TEST_F(FaultInjectionTest, MissingTokenFileIsReportedOnce) {
  StartExporter();
  WaitFor([](const std::string& text) { return SampleValue(text, kSuccess) == 1; });
  log_.Clear();
  api_->SetValidToken("token-2");
  std::filesystem::remove(sa_dir_.File("token"));
  WaitFor([](const std::string& text) {
    return SampleValue(text, R"(kube_commitment_poll_errors_total{reason="unauthorized"})") >= 3;
  });
  const auto warnings = log_.Matching({"warn [client] cannot read token file"});
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(log_.Lines());
  EXPECT_NE(warnings[0].find(sa_dir_.File("token")), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace kce
