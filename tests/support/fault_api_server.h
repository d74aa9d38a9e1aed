#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/test_https_server.h"

struct ssl_ctx_st;

namespace kce::testing {

/// An answer of FaultApiServer, which may break the HTTP exchange on purpose.
struct FaultResponse {
  int status = 200;
  /// Extra headers; Content-Type defaults to application/json.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Wait this long before sending anything (cut short by Stop()).
  std::chrono::milliseconds delay{0};
  /// Content-Length announced instead of body.size(); a larger value leaves the body short
  /// when the connection closes (orderly, with TLS close_notify) after it.
  std::optional<std::size_t> announced_length;
  /// Drops the connection (no TLS close_notify, TCP reset) after this many body bytes.
  std::optional<std::size_t> cut_after;
  /// Sends the body chunked and then keeps sending filler chunks until the client hangs up,
  /// Stop() is called or kEndlessLimit bytes went out: a page that never ends.
  bool endless = false;
};

/// Produces the answer to one request. Called on connection threads, possibly concurrently.
using FaultHandler = std::function<FaultResponse(const TestRequest&)>;

/// One received request and when it arrived.
struct ReceivedRequest {
  TestRequest request;
  std::chrono::steady_clock::time_point arrived;
};

/// An HTTPS server on 127.0.0.1 that misbehaves on request: it can stop listening (connection
/// refused) and listen again on the same port, present a certificate from a CA the client does
/// not trust, answer late, truncate or cut a body, or stream a body without end. One request
/// per connection ("Connection: close"); unknown paths get a 404 Status. Thread-safe. The
/// constructor throws std::runtime_error when it cannot start; the destructor stops it.
/// Ignores SIGPIPE process-wide.
class FaultApiServer {
 public:
  /// Most filler an endless body sends before giving up on the client.
  static constexpr std::size_t kEndlessLimit = std::size_t{1} << 30;

  /// `pem_file` holds the certificate (chain) and key normally presented; `wrong_pem_file` the
  /// one presented while PresentWrongCertificate(true).
  FaultApiServer(const std::string& pem_file, const std::string& wrong_pem_file);
  ~FaultApiServer();
  FaultApiServer(const FaultApiServer&) = delete;
  FaultApiServer& operator=(const FaultApiServer&) = delete;

  /// Answers requests for exactly `path` with `handler`, replacing an earlier one.
  void Route(const std::string& path, FaultHandler handler);
  /// The port, which stays the same across CloseListener() and Reopen().
  int port() const { return port_; }
  /// Switches the certificate presented to new connections.
  void PresentWrongCertificate(bool wrong);
  /// Stops listening: connections are refused until Reopen(). Open connections go on.
  void CloseListener();
  /// Listens again on the same port. Throws std::runtime_error when it cannot.
  void Reopen();
  /// Requests received so far, in arrival order.
  std::vector<ReceivedRequest> requests() const;
  void ClearRequests();
  /// TLS handshakes that failed.
  int handshake_failures() const { return handshake_failures_.load(); }
  /// Connections whose thread is still running.
  int open_connections() const;
  /// Closes the listener, wakes delayed answers, cuts open connections and joins all threads.
  /// Idempotent.
  void Stop();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void Listen(int port);
  void StopAccepting();
  void AcceptLoop(int listen_fd, int wake_fd);
  void ServeConnection(int fd, ssl_ctx_st* ctx);
  FaultResponse Dispatch(const TestRequest& request);
  bool WaitUnlessStopping(std::chrono::milliseconds delay);

  ssl_ctx_st* good_ctx_ = nullptr;
  ssl_ctx_st* wrong_ctx_ = nullptr;
  std::atomic<bool> wrong_{false};
  std::atomic<int> handshake_failures_{0};
  int port_ = 0;

  // Guards the listener state; never taken by connection threads.
  std::mutex listener_mutex_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::thread accept_thread_;

  mutable std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::set<int> open_fds_;
  std::list<Worker> workers_;
  std::map<std::string, FaultHandler> routes_;
  std::vector<ReceivedRequest> requests_;
};

}  // namespace kce::testing
