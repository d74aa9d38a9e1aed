#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kce/web_config.h"

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
  /// Worker threads. Each serves one connection at a time, from accept until the connection
  /// closes, so up to threads - 1 idle, slow or stuck clients leave a scrape a thread. An idle
  /// thread costs little (its stack pages are touched only when used).
  int threads = 128;
  /// Time a client gets to send a whole request (a connection that trickles its headers is
  /// dropped when it runs out), and for each write of the answer. Prometheus sends its request
  /// at once, so this only bounds how long a silent or slow client holds a thread.
  int request_timeout_ms = 5000;
  /// Time a kept-alive connection may sit idle between two requests before it is closed.
  int keep_alive_timeout_ms = 5000;
  /// TLS, client certificates, basic-auth users and extra answer headers (web_config.h). The
  /// default serves plain HTTP to anyone. With TLS the port speaks only HTTPS: a plain-HTTP
  /// request gets no answer.
  WebConfig web;
  /// Exact paths answered without basic auth (TLS and client certificates still apply), e.g.
  /// the probes "/healthz" and "/readyz". Every other path, unknown ones included, and every
  /// method needs credentials when web.basic_auth_users is not empty.
  std::vector<std::string> unauthenticated_paths;
};

/// An HTTP or HTTPS server (civetweb) for a fixed set of GET routes; HEAD gets the GET answer's
/// headers. Handlers run on worker threads and must be thread-safe. Other methods get 405;
/// unknown paths get 404. Requests
/// without valid basic-auth credentials get 401 with a WWW-Authenticate challenge before any
/// route runs, and are logged (rate-limited, never with the credentials) by the "http" logger.
class HttpServer {
 public:
  using Handler = std::function<HttpReply()>;

  /// Starts listening. Throws ConfigError when the TLS files do not load, and
  /// std::runtime_error naming the address when it cannot listen, or when TLS is asked for and
  /// the OpenSSL compatibility libraries (src/tls_compat) are not loaded.
  HttpServer(const HttpServerOptions& options, std::vector<std::pair<std::string, Handler>> routes);
  /// Stops accepting and waits for the workers to finish (tens of milliseconds when idle: it
  /// connects to its own port to end civetweb's 2 s accept poll early).
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port actually bound (useful with port 0).
  int port() const;

  /// True when the port speaks HTTPS.
  bool tls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True when the HTTP server can listen on IPv6 addresses (civetweb built with IPv6).
bool HttpServerSupportsIpv6();

/// Converts a listen address to civetweb's listening_ports syntax. Throws std::invalid_argument
/// naming the address when it is not host:port.
std::string CivetListeningPorts(const std::string& listen_address);

}  // namespace kce
