#include "kce/http_server.h"

#include <charconv>
#include <stdexcept>

#include <CivetServer.h>

namespace kce {
namespace {

class RouteHandler : public CivetHandler {
 public:
  explicit RouteHandler(HttpServer::Handler handler) : handler_(std::move(handler)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    Send(conn, handler_());
    return true;
  }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

  static void Send(mg_connection* conn, const HttpReply& reply) {
    mg_response_header_start(conn, reply.status);
    mg_response_header_add(conn, "Content-Type", reply.content_type.c_str(), -1);
    const std::string length = std::to_string(reply.body.size());
    mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(conn);
    mg_write(conn, reply.body.data(), reply.body.size());
  }

 private:
  static bool NotAllowed(mg_connection* conn) {
    Send(conn, HttpReply{405, "text/plain; charset=utf-8", "method not allowed\n"});
    return true;
  }

  HttpServer::Handler handler_;
};

}  // namespace

struct HttpServer::Impl {
  std::vector<std::unique_ptr<RouteHandler>> handlers;
  std::unique_ptr<CivetServer> server;
};

std::string CivetListeningPorts(const std::string& listen_address) {
  const auto colon = listen_address.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("listen address \"" + listen_address + "\" is not host:port");
  }
  const std::string host = listen_address.substr(0, colon);
  const std::string port = listen_address.substr(colon + 1);
  int number = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 0 ||
      number > 65535) {
    throw std::invalid_argument("listen address \"" + listen_address + "\" has no valid port");
  }
  if (host.empty() || host == "0.0.0.0") return host.empty() ? port : "0.0.0.0:" + port;
  return host + ":" + port;
}

HttpServer::HttpServer(const HttpServerOptions& options,
                       std::vector<std::pair<std::string, Handler>> routes)
    : impl_(std::make_unique<Impl>()) {
  const std::vector<std::string> civet_options = {
      "listening_ports", CivetListeningPorts(options.listen_address),
      "num_threads", std::to_string(options.threads),
      "request_timeout_ms", std::to_string(options.request_timeout_ms),
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", "5000",
  };
  try {
    impl_->server = std::make_unique<CivetServer>(civet_options);
  } catch (const CivetException& e) {
    throw std::runtime_error("cannot listen on \"" + options.listen_address + "\": " + e.what());
  }
  for (auto& [path, handler] : routes) {
    impl_->handlers.push_back(std::make_unique<RouteHandler>(std::move(handler)));
    // civetweb matches prefixes; "$" makes the route exact so /metricsfoo is a 404.
    impl_->server->addHandler(path + "$", impl_->handlers.back().get());
  }
}

HttpServer::~HttpServer() {
  if (impl_ && impl_->server) impl_->server->close();
}

int HttpServer::port() const {
  const auto ports = impl_->server->getListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace kce
