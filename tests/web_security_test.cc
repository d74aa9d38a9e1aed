// The exporter's HTTP server with a web configuration (TLS, client certificates, basic auth),
// exercised with the real curl binary, and a run of the exporter binary whose log must not
// carry any secret.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kce/http_server.h"
#include "kce/tls_server.h"
#include "kce/web_config.h"
#include "support/bcrypt_hash.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace kce {
namespace {

using testing::BackgroundProcess;
using testing::MakeBcryptHash;
using testing::RunProcess;
using testing::TempDir;
using testing::TestCertificates;

constexpr const char* kUser = "prometheus";
constexpr const char* kPassword = "scrape-pass-7f3a9c";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  out.resize(size);
  return out;
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int DeadPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// The base64 lines inside the PEM blocks of `pem`: any of them in a log would leak the key.
std::vector<std::string> PemBodyLines(const std::string& pem) {
  std::vector<std::string> lines;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (line.size() >= 16 && line.rfind("-----", 0) != 0) lines.push_back(line);
  }
  return lines;
}

std::string RandomHex(int bytes) {
  std::random_device random;
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    out += "0123456789abcdef"[random() % 16];
    out += "0123456789abcdef"[random() % 16];
  }
  return out;
}

// What curl saw: exit code 0 and an HTTP status, or a failure and status 0.
struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string body;
  std::string headers;
  std::string error;
};

class WebSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TestCertificates();
    files_ = new TempDir();
    const std::string pem = ReadFile(certs_->server_pem_file);
    const auto key_start = pem.find("-----BEGIN", 10);
    server_cert_ = files_->Write("server.crt", pem.substr(0, key_start));
    server_key_ = files_->Write("server.key", pem.substr(key_start));
    hash_ = new std::string(MakeBcryptHash(kPassword, "$2y$"));
  }
  static void TearDownTestSuite() {
    delete hash_;
    delete files_;
    delete certs_;
  }

  static TlsServerConfig Tls(ClientAuthType client_auth = ClientAuthType::kNoClientCert,
                             const std::string& client_ca_file = "") {
    TlsServerConfig tls;
    tls.cert_file = server_cert_;
    tls.key_file = server_key_;
    tls.client_auth = client_auth;
    tls.client_ca_file = client_ca_file;
    return tls;
  }

  void Start(const WebConfig& web) {
    HttpServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.threads = 4;
    options.web = web;
    options.unauthenticated_paths = {"/healthz"};
    server_ = std::make_unique<HttpServer>(options,
                                           std::vector<std::pair<std::string, HttpServer::Handler>>{
                                               {"/metrics",
                                                [] {
                                                  return HttpReply{200, "text/plain", "up 1\n"};
                                                }},
                                               {"/healthz",
                                                [] {
                                                  return HttpReply{200, "text/plain", "ok\n"};
                                                }},
                                           });
  }

  std::string Url(const std::string& scheme, const std::string& path = "/metrics") const {
    return scheme + "://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  // Runs curl with `args`; trusts the test CA unless told otherwise.
  CurlResult Curl(std::vector<std::string> args, bool trust_ca = true) const {
    std::vector<std::string> argv = {"curl",       "-sS",
                                     "--max-time", "10",
                                     "-o",         scratch_.File("body"),
                                     "-D",         scratch_.File("headers"),
                                     "-w",         "%{http_code}"};
    if (trust_ca) argv.insert(argv.end(), {"--cacert", certs_->ca_cert_file});
    argv.insert(argv.end(), args.begin(), args.end());
    const testing::ProcessResult run = RunProcess(argv);
    CurlResult result;
    result.exit_code = run.exit_code;
    result.status = std::atoi(run.out.c_str());
    result.body = ReadFile(scratch_.File("body"));
    result.headers = ReadFile(scratch_.File("headers"));
    result.error = run.err;
    std::remove(scratch_.File("body").c_str());
    std::remove(scratch_.File("headers").c_str());
    return result;
  }

  std::vector<std::string> ClientCert() const {
    return {"--cert", certs_->client_cert_file, "--key", certs_->client_key_file};
  }

  static TestCertificates* certs_;
  static TempDir* files_;
  static std::string server_cert_;
  static std::string server_key_;
  static std::string* hash_;
  TempDir scratch_;
  std::unique_ptr<HttpServer> server_;
};

TestCertificates* WebSecurityTest::certs_ = nullptr;
TempDir* WebSecurityTest::files_ = nullptr;
std::string WebSecurityTest::server_cert_;
std::string WebSecurityTest::server_key_;
std::string* WebSecurityTest::hash_ = nullptr;

TEST_F(WebSecurityTest, CompatibilityLibrariesAreLoaded) { EXPECT_EQ(CivetwebTlsProblem(), ""); }

TEST_F(WebSecurityTest, TlsServesHttpsAndRefusesPlainHttp) {
  WebConfig web;
  web.tls = Tls();
  Start(web);
  EXPECT_TRUE(server_->tls());

  const CurlResult https = Curl({Url("https")});
  EXPECT_EQ(https.exit_code, 0) << https.error;
  EXPECT_EQ(https.status, 200);
  EXPECT_EQ(https.body, "up 1\n");

  const CurlResult plain = Curl({Url("http")});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(plain.status, 0) << "plain HTTP got an HTTP answer on the TLS port";

  const CurlResult untrusted = Curl({Url("https")}, /*trust_ca=*/false);
  EXPECT_NE(untrusted.exit_code, 0) << "curl accepted a certificate from an unknown CA";
}

TEST_F(WebSecurityTest, ServesManyHttpsConnectionsWithClientCertificates) {
  // Each connection makes civetweb fetch the peer certificate through the compatibility
  // library; a wrong reference count there would crash or leak here.
  WebConfig web;
  web.tls = Tls(ClientAuthType::kRequireAndVerifyClientCert, certs_->ca_cert_file);
  Start(web);
  for (int i = 0; i < 20; ++i) {
    // Each curl run is a new connection and a new handshake.
    const CurlResult result =
        Curl({"--cert", certs_->client_cert_file, "--key", certs_->client_key_file, Url("https")});
    ASSERT_EQ(result.status, 200) << "request " << i << ": " << result.error;
  }
}

TEST_F(WebSecurityTest, MinimumVersionTls13RefusesTls12Clients) {
  WebConfig web;
  web.tls = Tls();
  web.tls->min_version = TlsVersion::kTls13;
  Start(web);
  EXPECT_EQ(Curl({Url("https")}).status, 200);
  const CurlResult old = Curl({"--tls-max", "1.2", Url("https")});
  EXPECT_NE(old.exit_code, 0);
  EXPECT_EQ(old.status, 0);
}

TEST_F(WebSecurityTest, RequireAndVerifyClientCertIsMutualTls) {
  WebConfig web;
  web.tls = Tls(ClientAuthType::kRequireAndVerifyClientCert, certs_->ca_cert_file);
  Start(web);
  std::vector<std::string> with_cert = ClientCert();
  with_cert.push_back(Url("https"));
  const CurlResult trusted = Curl(with_cert);
  EXPECT_EQ(trusted.status, 200) << trusted.error;

  const CurlResult anonymous = Curl({Url("https")});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_EQ(anonymous.status, 0) << "a client without a certificate got an HTTP answer";
}

TEST_F(WebSecurityTest, ClientCertificatesFromAnotherCaAreRefused) {
  WebConfig web;
  web.tls = Tls(ClientAuthType::kRequireAndVerifyClientCert, certs_->other_ca_cert_file);
  Start(web);
  std::vector<std::string> args = ClientCert();
  args.push_back(Url("https"));
  const CurlResult result = Curl(args);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(result.status, 0);
}

TEST_F(WebSecurityTest, VerifyClientCertIfGivenChecksOnlyCertificatesThatAreSent) {
  WebConfig web;
  web.tls = Tls(ClientAuthType::kVerifyClientCertIfGiven, certs_->other_ca_cert_file);
  Start(web);
  EXPECT_EQ(Curl({Url("https")}).status, 200);
  std::vector<std::string> args = ClientCert();
  args.push_back(Url("https"));
  EXPECT_EQ(Curl(args).status, 0) << "a certificate from an untrusted CA was accepted";
}

TEST_F(WebSecurityTest, RequireAnyClientCertWantsACertificateButDoesNotVerifyIt) {
  WebConfig web;
  web.tls = Tls(ClientAuthType::kRequireAnyClientCert, certs_->other_ca_cert_file);
  Start(web);
  EXPECT_EQ(Curl({Url("https")}).status, 0);
  std::vector<std::string> args = ClientCert();
  args.push_back(Url("https"));
  EXPECT_EQ(Curl(args).status, 200);
}

TEST_F(WebSecurityTest, BasicAuthGuardsEveryPathButTheProbe) {
  WebConfig web;
  web.basic_auth_users = {{kUser, *hash_}};
  Start(web);
  const std::string right = std::string(kUser) + ":" + kPassword;

  const CurlResult anonymous = Curl({Url("http")});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.headers.find("WWW-Authenticate: Basic realm=\"kube-commitment-exporter\""),
            std::string::npos)
      << anonymous.headers;
  EXPECT_EQ(anonymous.body.find("up 1"), std::string::npos);

  EXPECT_EQ(Curl({"-u", right, Url("http")}).status, 200);
  EXPECT_EQ(Curl({"-u", right, Url("http")}).body, "up 1\n");
  EXPECT_EQ(Curl({"-u", std::string(kUser) + ":wrong", Url("http")}).status, 401);
  EXPECT_EQ(Curl({"-u", std::string("admin:") + kPassword, Url("http")}).status, 401);
  EXPECT_EQ(Curl({"-u", std::string(kUser) + ":", Url("http")}).status, 401);

  EXPECT_EQ(Curl({Url("http", "/healthz")}).status, 200);
  EXPECT_EQ(Curl({Url("http", "/unknown")}).status, 401);
  EXPECT_EQ(Curl({"-u", right, Url("http", "/unknown")}).status, 404);
  EXPECT_EQ(Curl({"-X", "POST", Url("http")}).status, 401);
  EXPECT_EQ(Curl({"-u", right, "-X", "POST", Url("http")}).status, 405);
}

TEST_F(WebSecurityTest, TlsClientCertificatesAndBasicAuthTogether) {
  WebConfig web;
  web.tls = Tls(ClientAuthType::kRequireAndVerifyClientCert, certs_->ca_cert_file);
  web.basic_auth_users = {{kUser, *hash_}};
  web.headers = {{"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=60"}};
  Start(web);
  std::vector<std::string> right = ClientCert();
  right.insert(right.end(), {"-u", std::string(kUser) + ":" + kPassword, Url("https")});
  const CurlResult ok = Curl(right);
  EXPECT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.body, "up 1\n");
  EXPECT_NE(ok.headers.find("X-Frame-Options: deny"), std::string::npos) << ok.headers;
  EXPECT_NE(ok.headers.find("Strict-Transport-Security: max-age=60"), std::string::npos);

  std::vector<std::string> wrong = ClientCert();
  wrong.insert(wrong.end(), {"-u", std::string(kUser) + ":nope", Url("https")});
  const CurlResult refused = Curl(wrong);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.headers.find("X-Frame-Options: deny"), std::string::npos);

  EXPECT_EQ(Curl({"-u", std::string(kUser) + ":" + kPassword, Url("https")}).status, 0)
      << "the password alone must not get past mutual TLS";
  EXPECT_EQ(Curl({"-u", std::string(kUser) + ":" + kPassword, Url("http")}).status, 0);
}

TEST_F(WebSecurityTest, BrokenTlsFilesStopTheServerFromStarting) {
  WebConfig web;
  web.source = "inline";
  web.tls = Tls();
  web.tls->key_file = certs_->client_key_file;  // not the server certificate's key
  try {
    Start(web);
    FAIL() << "the server started with a key that does not match its certificate";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the certificate"), std::string::npos)
        << e.what();
  }
}

TEST_F(WebSecurityTest, NoSecretReachesTheLogOfARunThatUsesThemAll) {
  TempDir dir;
  const std::string token = "kce-token-" + RandomHex(16);
  const std::string password = "kce-password-" + RandomHex(8);
  const std::string hash = MakeBcryptHash(password);
  const std::string client_key_pem = ReadFile(certs_->client_key_file);
  const std::string server_key_pem = ReadFile(server_key_);
  const int api_port = DeadPort();
  const std::string kubeconfig =
      dir.Write("kubeconfig",
                "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                "clusters:\n- name: test\n  cluster:\n    server: https://127.0.0.1:" +
                    std::to_string(api_port) +
                    "\n    certificate-authority-data: " + Base64(certs_->ca_cert_pem) +
                    "\nusers:\n- name: test\n  user:\n    token: " + token +
                    "\n    client-certificate-data: " + Base64(certs_->client_cert_pem) +
                    "\n    client-key-data: " + Base64(client_key_pem) +
                    "\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n");
  const std::string web_config =
      dir.Write("web.yml", "tls_server_config:\n  cert_file: " + server_cert_ +
                               "\n  key_file: " + server_key_ +
                               "\n  client_auth_type: RequireAndVerifyClientCert\n"
                               "  client_ca_file: " +
                               certs_->ca_cert_file +
                               "\n"
                               "basic_auth_users:\n  " +
                               kUser + ": " + hash + "\n");
  const std::string log_file = dir.File("exporter.log");

  BackgroundProcess exporter({KCE_BINARY_PATH, "--kubeconfig", kubeconfig, "--listen-address",
                              "127.0.0.1:0", "--web.config.file", web_config, "--log-level",
                              "debug", "--poll-interval", "1s", "--request-timeout", "500ms"},
                             log_file);
  int port = 0;
  const std::regex listening("listening address=\\S+ port=([0-9]+) scheme=https");
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::smatch match;
    const std::string log = ReadFile(log_file);
    if (std::regex_search(log, match, listening)) port = std::stoi(match[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0) << ReadFile(log_file);

  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::vector<std::string> right = ClientCert();
  right.insert(right.end(), {"-u", std::string(kUser) + ":" + password, url});
  EXPECT_EQ(Curl(right).status, 200);
  std::vector<std::string> wrong = ClientCert();
  wrong.insert(wrong.end(), {"-u", std::string(kUser) + ":" + password + "x", url});
  EXPECT_EQ(Curl(wrong).status, 401);
  std::vector<std::string> bearer = ClientCert();
  bearer.insert(bearer.end(), {"-H", "Authorization: Bearer " + token, url});
  EXPECT_EQ(Curl(bearer).status, 401);
  EXPECT_EQ(Curl({"-u", std::string(kUser) + ":" + password, url}).status, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few failed polls
  EXPECT_EQ(exporter.Stop(), 0);

  const std::string log = ReadFile(log_file);
  // The run did log what it did: start, the refused scrapes, and the unreachable API server.
  ASSERT_NE(log.find("scheme=https"), std::string::npos) << log;
  EXPECT_NE(log.find("refused request without valid basic auth credentials"), std::string::npos)
      << log;
  EXPECT_NE(log.find(std::to_string(api_port)), std::string::npos) << log;
  EXPECT_NE(log.find(" debug "), std::string::npos) << "debug lines expected:\n" << log;

  std::vector<std::pair<std::string, std::string>> secrets = {
      {"token", token},
      {"password", password},
      {"basic auth header", Base64(std::string(kUser) + ":" + password)},
      {"bcrypt hash", hash},
      {"bcrypt salt", hash.substr(7, 22)},
      {"client key data", Base64(client_key_pem).substr(60, 40)},
      {"PEM key marker", "PRIVATE KEY"},
  };
  for (const std::string& line : PemBodyLines(client_key_pem)) {
    secrets.emplace_back("client key line", line);
  }
  for (const std::string& line : PemBodyLines(server_key_pem)) {
    secrets.emplace_back("server key line", line);
  }
  for (const auto& [what, secret] : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << what << " leaked into the log:\n" << log;
  }
}

}  // namespace
}  // namespace kce
