#include "kce/kube_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace kce {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// Answers requests from a script, in order, and records them.
class ScriptedHttpClient : public HttpClient {
 public:
  void Answer(int status, std::string body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    script_.push_back(std::move(response));
  }

  void Fail(TransportError kind, std::string message) {
    HttpResponse response;
    response.transport = kind;
    response.transport_error = std::move(message);
    script_.push_back(std::move(response));
  }

  HttpResponse Get(const HttpRequest& request) override {
    requests.push_back(request);
    if (script_.empty()) {
      ADD_FAILURE() << "unexpected request " << request.path;
      return HttpResponse{};
    }
    HttpResponse response = std::move(script_.front());
    script_.pop_front();
    return response;
  }

  std::string Header(std::size_t index, const std::string& name) const {
    for (const auto& [key, value] : requests.at(index).headers) {
      if (key == name) return value;
    }
    return "";
  }

  std::vector<HttpRequest> requests;

 private:
  std::deque<HttpResponse> script_;
};

std::string NodeList(const std::vector<std::string>& names, const std::string& next) {
  std::string items;
  for (const std::string& name : names) {
    if (!items.empty()) items += ",";
    items += R"({"metadata":{"name":")" + name + R"(","uid":"uid-)" + name +
             R"("},"spec":{},"status":{"allocatable":{"cpu":"2","memory":"1Gi"}}})";
  }
  return R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":")" +
         next + R"("},"items":[)" + items + "]}";
}

std::string PodList(const std::string& name) {
  return R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[)"
         R"({"metadata":{"name":")" +
         name +
         R"(","namespace":"default","uid":"u1"},"spec":{"nodeName":"n1","containers":)"
         R"([{"name":"c","resources":{"requests":{"cpu":"100m"}}}]},)"
         R"("status":{"phase":"Running"}}]})";
}

std::string Status(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" +
         message + R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

// Collects what KubeApi reports: pages, restarts, sleeps and observed statuses.
struct Recorder {
  std::vector<std::string> nodes;
  std::vector<std::string> pods;
  int restarts = 0;
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<int> statuses;
  bool keep_running = true;

  Sleeper AsSleeper() {
    return [this](std::chrono::milliseconds wait) {
      sleeps.push_back(wait);
      return keep_running;
    };
  }
  RequestObserver AsObserver() {
    return [this](std::string_view, int status) { statuses.push_back(status); };
  }
  std::function<void()> OnRestart() {
    return [this] {
      ++restarts;
      nodes.clear();
    };
  }
  std::function<void(NodePage&)> OnNodePage() {
    return [this](NodePage& page) {
      for (const Node& node : page.items) nodes.push_back(node.name);
    };
  }
  std::function<void(PodPage&)> OnPodPage() {
    return [this](PodPage& page) {
      for (const Pod& pod : page.items) pods.push_back(pod.ns + "/" + pod.name);
    };
  }
};

class KubeApiTest : public ::testing::Test {
 protected:
  KubeApi Api(TokenSource* tokens, ApiOptions options = {}) {
    return KubeApi(http_, tokens, options, recorder_.AsSleeper(), recorder_.AsObserver());
  }
  ListOutcome ListNodes(KubeApi& api, const std::string& selector = "") {
    return api.ListNodes(selector, recorder_.OnRestart(), recorder_.OnNodePage());
  }

  ScriptedHttpClient http_;
  Recorder recorder_;
  std::unique_ptr<TokenSource> token_ = TokenSource::Static("tok-123");
};

TEST_F(KubeApiTest, FollowsContinueTokensWithIdenticalParameters) {
  http_.Answer(200, NodeList({"n1", "n2"}, "c1"));
  http_.Answer(200, NodeList({}, "c2+/="));  // an empty page that is not the last
  http_.Answer(200, NodeList({"n3"}, ""));
  KubeApi api = Api(token_.get());

  const ListOutcome outcome = ListNodes(api, "pool=a,tier!=x");
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.pages, 3);
  EXPECT_EQ(outcome.reason, "");
  EXPECT_THAT(recorder_.nodes, ElementsAre("n1", "n2", "n3"));
  ASSERT_EQ(http_.requests.size(), 3u);
  const std::string first = "/api/v1/nodes?limit=500&labelSelector=pool%3Da%2Ctier%21%3Dx";
  EXPECT_EQ(http_.requests[0].path, first);
  EXPECT_EQ(http_.requests[1].path, first + "&continue=c1");
  EXPECT_EQ(http_.requests[2].path, first + "&continue=c2%2B%2F%3D");
  EXPECT_EQ(http_.Header(0, "Authorization"), "Bearer tok-123");
  EXPECT_EQ(http_.requests[0].timeout, ApiOptions{}.request_timeout);
  EXPECT_THAT(recorder_.statuses, ElementsAre(200, 200, 200));
  EXPECT_TRUE(recorder_.sleeps.empty());
}

TEST_F(KubeApiTest, PodListsSkipFinishedPhases) {
  http_.Answer(200, PodList("web-1"));
  ApiOptions options;
  options.page_size = 50;
  KubeApi api = Api(nullptr, options);

  const ListOutcome outcome = api.ListPods("", nullptr, recorder_.OnPodPage());
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_THAT(recorder_.pods, ElementsAre("default/web-1"));
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].path,
            "/api/v1/pods?limit=50&fieldSelector="
            "status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed");
  EXPECT_EQ(http_.Header(0, "Authorization"), "");
}

TEST_F(KubeApiTest, ExpiredContinueRestartsTheWholeList) {
  http_.Answer(200, NodeList({"stale"}, "c1"));
  http_.Answer(410, Status(410, "Expired", "The provided continue parameter is too old"));
  http_.Answer(200, NodeList({"n1"}, "c9"));
  http_.Answer(200, NodeList({"n2"}, ""));
  KubeApi api = Api(token_.get());

  const ListOutcome outcome = ListNodes(api);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.restarts, 1);
  EXPECT_EQ(recorder_.restarts, 1);
  EXPECT_THAT(recorder_.nodes, ElementsAre("n1", "n2"));
  ASSERT_EQ(http_.requests.size(), 4u);
  EXPECT_EQ(http_.requests[2].path, "/api/v1/nodes?limit=500");
}

TEST_F(KubeApiTest, RestartsAreBounded) {
  ApiOptions options;
  options.max_restarts = 1;
  for (int i = 0; i < 2; ++i) {
    http_.Answer(200, NodeList({"n"}, "c1"));
    http_.Answer(410, Status(410, "Expired", "continue token too old"));
  }
  KubeApi api = Api(token_.get(), options);

  const ListOutcome outcome = ListNodes(api);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.reason, kReasonExpired);
  EXPECT_EQ(outcome.status, 410);
  EXPECT_THAT(outcome.message, HasSubstr("continue token too old"));
  EXPECT_EQ(http_.requests.size(), 4u);
}

TEST_F(KubeApiTest, TooManyRequestsWaitsAtLeastRetryAfter) {
  http_.Answer(429, Status(429, "TooManyRequests", "slow down"), {{"Retry-After", "7"}});
  http_.Answer(200, NodeList({"n1"}, ""));
  KubeApi api = Api(token_.get());

  const ListOutcome outcome = ListNodes(api);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  EXPECT_EQ(outcome.retries, 1);
  ASSERT_EQ(recorder_.sleeps.size(), 1u);
  EXPECT_GE(recorder_.sleeps[0], 7s);
  EXPECT_THAT(recorder_.statuses, ElementsAre(429, 200));
}

TEST_F(KubeApiTest, HugeRetryAfterIsCapped) {
  http_.Answer(429, "", {{"Retry-After", "86400"}});
  http_.Answer(200, NodeList({}, ""));
  ApiOptions options;
  options.max_retry_after = 30s;
  KubeApi api = Api(token_.get(), options);

  ASSERT_TRUE(ListNodes(api).ok);
  ASSERT_EQ(recorder_.sleeps.size(), 1u);
  EXPECT_EQ(recorder_.sleeps[0], 30s);
}

TEST_F(KubeApiTest, UnauthorizedReReadsARotatedTokenOnce) {
  testing::TempDir dir;
  const std::string path = dir.Write("token", "old-token");
  auto tokens = TokenSource::FromFile(path);
  ASSERT_EQ(tokens->Token(), "old-token");
  dir.Write("token", "new-token");  // rotated; the source has not noticed yet

  http_.Answer(401, Status(401, "Unauthorized", "Unauthorized"));
  http_.Answer(200, NodeList({"n1"}, ""));
  KubeApi api = Api(tokens.get());

  const ListOutcome outcome = ListNodes(api);
  ASSERT_TRUE(outcome.ok) << outcome.message;
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.Header(0, "Authorization"), "Bearer old-token");
  EXPECT_EQ(http_.Header(1, "Authorization"), "Bearer new-token");
  EXPECT_TRUE(recorder_.sleeps.empty());
}

TEST_F(KubeApiTest, UnauthorizedAgainFailsAndStaticTokensAreNotRetried) {
  testing::TempDir dir;
  auto tokens = TokenSource::FromFile(dir.Write("token", "t"));
  http_.Answer(401, Status(401, "Unauthorized", "Unauthorized"));
  http_.Answer(401, Status(401, "Unauthorized", "Unauthorized"));
  KubeApi file_api = Api(tokens.get());
  const ListOutcome rotated = ListNodes(file_api);
  EXPECT_EQ(rotated.reason, kReasonUnauthorized);
  EXPECT_EQ(http_.requests.size(), 2u);

  http_.Answer(401, Status(401, "Unauthorized", "Unauthorized"));
  KubeApi static_api = Api(token_.get());
  const ListOutcome fixed = ListNodes(static_api);
  EXPECT_EQ(fixed.reason, kReasonUnauthorized);
  EXPECT_EQ(fixed.status, 401);
  EXPECT_EQ(http_.requests.size(), 3u);
}

TEST_F(KubeApiTest, ForbiddenIsNotRetriedAndCarriesTheStatusMessage) {
  const std::string denial =
      R"(pods is forbidden: User \"system:serviceaccount:monitoring:kce\" cannot list )"
      R"(resource \"pods\" in API group \"\" at the cluster scope)";
  http_.Answer(403, Status(403, "Forbidden", denial));
  KubeApi api = Api(token_.get());

  const ListOutcome outcome = api.ListPods("", nullptr, recorder_.OnPodPage());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.reason, kReasonForbidden);
  EXPECT_EQ(outcome.status, 403);
  EXPECT_THAT(outcome.message,
              HasSubstr(R"(pods is forbidden: User "system:serviceaccount:monitoring:kce")"));
  EXPECT_THAT(outcome.message, HasSubstr("/api/v1/pods?limit=500"));
  EXPECT_THAT(outcome.message, Not(HasSubstr("tok-123")));
  EXPECT_EQ(http_.requests.size(), 1u);
  EXPECT_TRUE(recorder_.sleeps.empty());
}

TEST_F(KubeApiTest, OtherClientErrorsAreNotRetried) {
  http_.Answer(404, "page not found");
  KubeApi api = Api(token_.get());
  const ListOutcome outcome = ListNodes(api);
  EXPECT_EQ(outcome.reason, kReasonHttp4xx);
  EXPECT_THAT(outcome.message, HasSubstr("HTTP 404: page not found"));
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(KubeApiTest, ServerErrorsBackOffExponentiallyThenGiveUp) {
  for (int i = 0; i < 4; ++i) http_.Answer(503, "");
  KubeApi api = Api(token_.get());

  const ListOutcome outcome = ListNodes(api);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.reason, kReasonHttp5xx);
  EXPECT_EQ(outcome.status, 503);
  EXPECT_THAT(outcome.message, HasSubstr("after 4 attempts"));
  EXPECT_EQ(http_.requests.size(), 4u);
  ASSERT_EQ(recorder_.sleeps.size(), 3u);
  // Retry n waits a random time in [b/2, b], b = 500ms * 2^(n-1).
  for (std::size_t n = 0; n < 3; ++n) {
    const auto ceiling = 500ms * (1 << n);
    EXPECT_GE(recorder_.sleeps[n], ceiling / 2) << n;
    EXPECT_LE(recorder_.sleeps[n], ceiling) << n;
  }
}

TEST_F(KubeApiTest, BackoffStopsGrowingAtTheMaximum) {
  ApiOptions options;
  options.max_attempts = 6;
  options.base_backoff = 1s;
  options.max_backoff = 2s;
  for (int i = 0; i < 5; ++i) http_.Answer(500, "");
  http_.Answer(200, NodeList({}, ""));
  KubeApi api = Api(token_.get(), options);

  ASSERT_TRUE(ListNodes(api).ok);
  ASSERT_EQ(recorder_.sleeps.size(), 5u);
  for (const auto wait : recorder_.sleeps) EXPECT_LE(wait, 2s);
  EXPECT_GE(recorder_.sleeps.back(), 1s);
}

TEST_F(KubeApiTest, TransportErrorsAreRetriedAndReported) {
  http_.Fail(TransportError::kConnect, "GET https://api/api/v1/nodes: cannot connect: refused");
  http_.Answer(200, NodeList({"n1"}, ""));
  KubeApi api = Api(token_.get());
  ASSERT_TRUE(ListNodes(api).ok);
  EXPECT_THAT(recorder_.statuses, ElementsAre(0, 200));

  for (int i = 0; i < 4; ++i)
    http_.Fail(TransportError::kTimeout, "GET x: timed out after 30000ms");
  const ListOutcome outcome = ListNodes(api);
  EXPECT_EQ(outcome.reason, kReasonTimeout);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_THAT(outcome.message, HasSubstr("timed out after 30000ms"));
}

TEST_F(KubeApiTest, OversizedBodyIsNotRetried) {
  http_.Fail(TransportError::kBodyTooLarge, "GET x: response body exceeds the limit");
  KubeApi api = Api(token_.get());
  const ListOutcome outcome = ListNodes(api);
  EXPECT_EQ(outcome.reason, kReasonBodyTooLarge);
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(KubeApiTest, UndecodableBodyFails) {
  http_.Answer(200, "<html>proxy login</html>");
  KubeApi api = Api(token_.get());
  const ListOutcome outcome = ListNodes(api);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.reason, kReasonDecode);
  EXPECT_THAT(outcome.message, HasSubstr("/api/v1/nodes"));
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(KubeApiTest, StoppingDuringBackoffCancels) {
  http_.Answer(503, "");
  recorder_.keep_running = false;
  KubeApi api = Api(token_.get());
  const ListOutcome outcome = ListNodes(api);
  EXPECT_EQ(outcome.reason, kReasonCancelled);
  EXPECT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(recorder_.sleeps.size(), 1u);
}

}  // namespace
}  // namespace kce
