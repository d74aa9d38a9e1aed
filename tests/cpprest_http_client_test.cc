#include "kce/cpprest_http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "kce/config_error.h"
#include "support/test_certs.h"
#include "support/test_https_server.h"

namespace kce {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

testing::TestResponse Hello(const testing::TestRequest&) {
  return testing::TestResponse{200, {{"X-Answer", "42"}}, R"({"hello":"world"})"};
}

class CpprestHttpClientTest : public ::testing::Test {
 protected:
  // Starts a server with the 127.0.0.1 certificate (or the one naming only kAltServerName),
  // optionally demanding a client certificate signed by the test CA.
  void Start(bool require_client_cert = false, bool alt_name_cert = false) {
    testing::TestServerOptions options;
    options.certificate_pem_file =
        alt_name_cert ? certs_.alt_server_pem_file : certs_.server_pem_file;
    if (require_client_cert) options.client_ca_file = certs_.ca_cert_file;
    server_ = std::make_unique<testing::TestHttpsServer>(options);
    server_->Route("/hello", Hello);
  }

  ClusterEndpoint Trusting(const std::string& ca_pem) const {
    ClusterEndpoint endpoint;
    endpoint.server = server_->url();
    endpoint.ca_pem = ca_pem;
    return endpoint;
  }

  static HttpResponse GetPath(const ClusterEndpoint& endpoint, const std::string& path,
                              std::chrono::milliseconds timeout = 5s,
                              HttpClientOptions options = {}) {
    auto client = MakeCpprestHttpClient(endpoint, options);
    HttpRequest request;
    request.path = path;
    request.timeout = timeout;
    request.headers = {{"Authorization", "Bearer test-token"}, {"Accept", "application/json"}};
    return client->Get(request);
  }

  testing::TestCertificates certs_;
  std::unique_ptr<testing::TestHttpsServer> server_;
};

TEST_F(CpprestHttpClientTest, VerifiesServerAgainstConfiguredCa) {
  Start();
  const HttpResponse response = GetPath(Trusting(certs_.ca_cert_pem), "/hello");
  ASSERT_EQ(response.status, 200) << response.transport_error;
  EXPECT_EQ(response.transport, TransportError::kNone);
  EXPECT_EQ(response.body, R"({"hello":"world"})");
  EXPECT_EQ(response.Header("x-answer"), "42");
}

TEST_F(CpprestHttpClientTest, SendsPathQueryAndHeaders) {
  Start();
  const HttpResponse response = GetPath(
      Trusting(certs_.ca_cert_pem),
      "/hello?limit=500&fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed");
  ASSERT_EQ(response.status, 200) << response.transport_error;
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/hello");
  EXPECT_EQ(requests[0].QueryParam("limit"), "500");
  EXPECT_EQ(requests[0].QueryParam("fieldSelector"),
            "status.phase!=Succeeded,status.phase!=Failed");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer test-token");
  EXPECT_EQ(requests[0].client_cert_subject, "");
}

TEST_F(CpprestHttpClientTest, PassesNonSuccessStatusAndBody) {
  Start();
  server_->Route("/denied", [](const testing::TestRequest&) {
    return testing::TestResponse{403, {}, R"({"kind":"Status","message":"no"})"};
  });
  const HttpResponse response = GetPath(Trusting(certs_.ca_cert_pem), "/denied");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.body, R"({"kind":"Status","message":"no"})");
}

TEST_F(CpprestHttpClientTest, WrongCaFailsWithTlsError) {
  Start();
  const HttpResponse response = GetPath(Trusting(certs_.other_ca_cert_pem), "/hello");
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport, TransportError::kTls) << response.transport_error;
  EXPECT_THAT(response.transport_error,
              HasSubstr("server certificate rejected: unable to get local issuer certificate"));
  EXPECT_THAT(response.transport_error, HasSubstr(server_->url()));
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(CpprestHttpClientTest, SystemStoreDoesNotTrustTheTestCa) {
  Start();
  const HttpResponse response = GetPath(Trusting(""), "/hello");
  EXPECT_EQ(response.transport, TransportError::kTls) << response.transport_error;
}

TEST_F(CpprestHttpClientTest, InsecureModeSkipsVerification) {
  Start();
  ClusterEndpoint endpoint = Trusting("");
  endpoint.insecure_skip_tls_verify = true;
  const HttpResponse response = GetPath(endpoint, "/hello");
  EXPECT_EQ(response.status, 200) << response.transport_error;
}

TEST_F(CpprestHttpClientTest, PresentsClientCertificateWhenTheServerRequiresOne) {
  Start(/*require_client_cert=*/true);
  ClusterEndpoint endpoint = Trusting(certs_.ca_cert_pem);
  const HttpResponse without = GetPath(endpoint, "/hello");
  EXPECT_EQ(without.status, 0);
  // The server counts the failure after sending its alert, so the client may be faster.
  for (int i = 0; i < 200 && server_->handshake_failures() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(server_->handshake_failures(), 1);
  EXPECT_TRUE(server_->requests().empty());
  // With TLS 1.3 the client finishes its side of the handshake before the server rejects it,
  // so the failure may surface as a failed write (kOther) instead of a TLS alert.
  if (without.transport == TransportError::kTls) {
    EXPECT_THAT(without.transport_error, HasSubstr("client certificate"));
  } else {
    EXPECT_EQ(without.transport, TransportError::kOther) << without.transport_error;
  }

  endpoint.client_cert_pem = certs_.client_cert_pem;
  endpoint.client_key_pem = certs_.client_key_pem;
  const HttpResponse with = GetPath(endpoint, "/hello");
  ASSERT_EQ(with.status, 200) << with.transport_error;
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0].client_cert_subject,
              HasSubstr(testing::TestCertificates::kClientCommonName));
}

TEST_F(CpprestHttpClientTest, TlsServerNameReplacesTheUrlHostForVerification) {
  Start(/*require_client_cert=*/false, /*alt_name_cert=*/true);
  ClusterEndpoint endpoint = Trusting(certs_.ca_cert_pem);
  const HttpResponse by_ip = GetPath(endpoint, "/hello");
  EXPECT_EQ(by_ip.transport, TransportError::kTls) << by_ip.transport_error;
  EXPECT_THAT(by_ip.transport_error, HasSubstr("not valid for host name \"127.0.0.1\""));

  endpoint.tls_server_name = testing::TestCertificates::kAltServerName;
  const HttpResponse by_name = GetPath(endpoint, "/hello");
  EXPECT_EQ(by_name.status, 200) << by_name.transport_error;
}

TEST_F(CpprestHttpClientTest, SlowAnswerTimesOut) {
  Start();
  server_->Route("/slow", [](const testing::TestRequest&) {
    return testing::TestResponse{200, {}, "{}", 3s};
  });
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = GetPath(Trusting(certs_.ca_cert_pem), "/slow", 300ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport, TransportError::kTimeout) << response.transport_error;
  EXPECT_THAT(response.transport_error, HasSubstr("timed out after 300ms"));
  EXPECT_LT(elapsed, 2s);
}

TEST_F(CpprestHttpClientTest, RefusedConnectionIsAConnectError) {
  Start();
  ClusterEndpoint endpoint = Trusting(certs_.ca_cert_pem);
  server_->Stop();
  const HttpResponse response = GetPath(endpoint, "/hello");
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport, TransportError::kConnect) << response.transport_error;
}

TEST_F(CpprestHttpClientTest, BodyAboveTheCapFails) {
  Start();
  server_->Route("/big", [](const testing::TestRequest&) {
    return testing::TestResponse{200, {}, std::string(200000, 'x')};
  });
  HttpClientOptions small;
  small.max_body_bytes = 1000;
  const HttpResponse big = GetPath(Trusting(certs_.ca_cert_pem), "/big", 5s, small);
  EXPECT_EQ(big.status, 0);
  EXPECT_EQ(big.transport, TransportError::kBodyTooLarge) << big.transport_error;
  EXPECT_THAT(big.transport_error, HasSubstr("1000 bytes"));

  small.max_body_bytes = 200000;
  const HttpResponse fits = GetPath(Trusting(certs_.ca_cert_pem), "/big", 5s, small);
  EXPECT_EQ(fits.status, 200) << fits.transport_error;
  EXPECT_EQ(fits.body.size(), 200000u);
}

TEST_F(CpprestHttpClientTest, OneClientServesManyRequests) {
  Start();
  auto client = MakeCpprestHttpClient(Trusting(certs_.ca_cert_pem));
  for (int i = 0; i < 5; ++i) {
    HttpRequest request;
    request.path = "/hello?i=" + std::to_string(i);
    const HttpResponse response = client->Get(request);
    EXPECT_EQ(response.status, 200) << response.transport_error;
  }
  EXPECT_EQ(server_->requests().size(), 5u);
}

TEST_F(CpprestHttpClientTest, BrokenPemOrUrlThrowsConfigError) {
  ClusterEndpoint endpoint;
  endpoint.server = "https://127.0.0.1:1";
  endpoint.ca_pem = "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n";
  EXPECT_THROW(MakeCpprestHttpClient(endpoint), ConfigError);

  endpoint.ca_pem = certs_.ca_cert_pem;
  endpoint.client_cert_pem = certs_.client_cert_pem;
  endpoint.client_key_pem = certs_.ca_cert_pem;  // not a key
  EXPECT_THROW(MakeCpprestHttpClient(endpoint), ConfigError);

  ClusterEndpoint bad_url;
  bad_url.server = "https://exa mple";
  EXPECT_THROW(MakeCpprestHttpClient(bad_url), ConfigError);
}

}  // namespace
}  // namespace kce
