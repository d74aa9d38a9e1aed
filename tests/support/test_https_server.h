#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

struct ssl_ctx_st;

namespace kce::testing {

/// One request as the test server received it.
struct TestRequest {
  std::string method;  // "GET", ...
  std::string path;    // URL-decoded path without the query, e.g. "/api/v1/pods"
  std::string query;   // raw query after '?', still URL-encoded; empty when there is none
  std::vector<std::pair<std::string, std::string>> headers;
  /// Subject of the client certificate (e.g. "/CN=kce-test-client"); empty when none was sent.
  std::string client_cert_subject;

  /// Value of the first header named `name` (case-insensitive), or "" when absent.
  std::string Header(std::string_view name) const;
  /// URL-decoded value of query parameter `name`, or "" when absent.
  std::string QueryParam(std::string_view name) const;
};

/// What a route answers.
struct TestResponse {
  int status = 200;
  /// Extra headers; Content-Type defaults to application/json when not given here.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Wait this long before answering (cut short by Stop()), to provoke client timeouts.
  std::chrono::milliseconds delay{0};
};

/// Produces the answer to one request. Called on the server's connection threads, possibly
/// concurrently; must not throw (an exception becomes a 500 answer).
using TestHandler = std::function<TestResponse(const TestRequest&)>;

/// How the server listens.
struct TestServerOptions {
  /// PEM file holding the server certificate followed by its key. Empty: plain HTTP.
  std::string certificate_pem_file;
  /// When set, the TLS handshake requires a client certificate signed by this CA (PEM file).
  std::string client_ca_file;
};

/// A small HTTP/1.1 server over TLS (OpenSSL) on 127.0.0.1 with an ephemeral port, for tests
/// that need a real socket and a real handshake. One thread per connection, one request per
/// connection (it answers with "Connection: close"). Routes match the exact path; unknown paths
/// answer 404 with a Kubernetes-style Status body. Every request is logged before its handler
/// runs. All methods are thread-safe. The constructor throws std::runtime_error when the server
/// cannot start; the destructor stops it. Ignores SIGPIPE process-wide so a client that hangs up
/// early cannot kill the test binary.
///
/// Not built on civetweb: Debian's civetweb 1.15 resolves SSL_get_peer_certificate from libssl
/// at run time, a symbol OpenSSL 3 no longer exports, and its worker calls the null pointer on
/// the first HTTPS connection.
class TestHttpsServer {
 public:
  explicit TestHttpsServer(TestServerOptions options);
  ~TestHttpsServer();
  TestHttpsServer(const TestHttpsServer&) = delete;
  TestHttpsServer& operator=(const TestHttpsServer&) = delete;

  /// Answers requests (any method) for exactly `path` with `handler`, replacing an earlier one.
  void Route(const std::string& path, TestHandler handler);
  /// The bound port.
  int port() const { return port_; }
  /// "https://127.0.0.1:PORT" (or "http://..." without a certificate).
  std::string url() const;
  /// Copy of all requests received so far, in arrival order.
  std::vector<TestRequest> requests() const;
  /// Forgets the logged requests.
  void ClearRequests();
  /// Number of TLS handshakes that failed (for example because the client rejected the
  /// server certificate or sent no client certificate when one is required).
  int handshake_failures() const { return handshake_failures_.load(); }
  /// Stops serving: closes the listener, wakes delayed handlers, cuts open connections and
  /// joins all threads. Idempotent.
  void Stop();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void AcceptLoop();
  void ServeConnection(int fd);
  TestResponse Dispatch(const TestRequest& request);

  TestServerOptions options_;
  ssl_ctx_st* ssl_ctx_ = nullptr;  // null for plain HTTP
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> handshake_failures_{0};
  std::thread accept_thread_;

  mutable std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::set<int> open_fds_;
  std::list<Worker> workers_;
  std::map<std::string, TestHandler> routes_;
  std::vector<TestRequest> requests_;
};

}  // namespace kce::testing
