#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kce {

/// An HTTP answer.
struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// Where and how to listen.
struct HttpServerOptions {
  /// "host:port", ":port" for every interface, or "[v6]:port". Port 0 picks a free port.
  std::string listen_address = ":10490";
  /// Worker threads: each serves one connection at a time, so a few slow clients cannot stall
  /// every scrape.
  int threads = 8;
  /// Time a client gets to send its request and read the answer.
  int request_timeout_ms = 10000;
};

/// An HTTP server (civetweb) for a fixed set of GET routes. Handlers run on worker threads and
/// must be thread-safe. Other methods get 405; unknown paths get 404.
class HttpServer {
 public:
  using Handler = std::function<HttpReply()>;

  /// Starts listening. Throws std::runtime_error naming the address when it cannot.
  HttpServer(const HttpServerOptions& options, std::vector<std::pair<std::string, Handler>> routes);
  /// Stops accepting and waits for the workers to finish.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port actually bound (useful with port 0).
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Converts a listen address to civetweb's listening_ports syntax. Throws std::invalid_argument
/// naming the address when it is not host:port.
std::string CivetListeningPorts(const std::string& listen_address);

}  // namespace kce
