#include "kce/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <CivetServer.h>

#include "kce/basic_auth.h"
#include "kce/config_error.h"
#include "kce/logging.h"
#include "kce/tls_server.h"

namespace kce {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends `reply`; a HEAD request gets the same headers and no body.
void Send(mg_connection* conn, const HttpReply& reply, const Headers& headers,
          const char* challenge = nullptr) {
  mg_response_header_start(conn, reply.status);
  mg_response_header_add(conn, "Content-Type", reply.content_type.c_str(), -1);
  const std::string length = std::to_string(reply.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  if (challenge != nullptr) mg_response_header_add(conn, "WWW-Authenticate", challenge, -1);
  for (const auto& [name, value] : headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  const char* method = mg_get_request_info(conn)->request_method;
  if (method == nullptr || std::string_view(method) != "HEAD") {
    mg_write(conn, reply.body.data(), reply.body.size());
  }
}

class RouteHandler : public CivetHandler {
 public:
  RouteHandler(HttpServer::Handler handler, const Headers* headers)
      : handler_(std::move(handler)), headers_(headers) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    Send(conn, handler_(), *headers_);
    return true;
  }
  bool handleHead(CivetServer* server, mg_connection* conn) override {
    return handleGet(server, conn);
  }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 private:
  bool NotAllowed(mg_connection* conn) {
    Headers headers = *headers_;
    headers.emplace_back("Allow", "GET, HEAD");
    Send(conn, HttpReply{405, "text/plain; charset=utf-8", "method not allowed\n"}, headers);
    return true;
  }

  HttpServer::Handler handler_;
  const Headers* headers_;
};

// Opens a TCP connection to host:port and closes it at once; failures are ignored.
void ConnectAndHangUp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    connect(fd, found->ai_addr, found->ai_addrlen);
    close(fd);
  }
  freeaddrinfo(found);
}

// A numeric address of this machine on which a server bound to `listen_address` accepts. A host
// name is resolved here, at start, so that stopping never waits on a lookup.
std::string WakeHost(const std::string& listen_address) {
  std::string host = listen_address.substr(0, listen_address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    return host == "::" ? "::1" : host;
  }
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return host;
  char numeric[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr, numeric,
            sizeof(numeric));
  freeaddrinfo(found);
  return numeric;
}

constexpr const char* kChallenge = "Basic realm=\"kube-commitment-exporter\", charset=\"UTF-8\"";

}  // namespace

struct HttpServer::Impl {
  WebConfig web;
  std::set<std::string> open_paths;
  std::unique_ptr<BasicAuthenticator> auth;
  RateLimitedLog refusals{std::chrono::minutes(1)};
  std::string tls_error;  // why the TLS callback failed, for the exception
  std::string wake_host;  // where ~HttpServer connects to hurry civetweb's shutdown
  std::vector<std::unique_ptr<RouteHandler>> handlers;
  std::unique_ptr<CivetServer> server;  // last: stops before the members it uses go

  // civetweb's user data is the CivetServer; its user context is this Impl, which civetweb
  // hands back as const although the server owns it mutably.
  static Impl* From(void* civet_user_data) {
    const void* context = static_cast<CivetServer*>(civet_user_data)->getUserContext();
    return const_cast<Impl*>(static_cast<const Impl*>(context));
  }

  // civetweb calls this once, at start, with the SSL_CTX it created (same OpenSSL as ours).
  static int InitSsl(void* ssl_context, void* user_data) {
    Impl* impl = From(user_data);
    try {
      ConfigureTlsServer(static_cast<ssl_ctx_st*>(ssl_context), *impl->web.tls, impl->web.source);
    } catch (const std::exception& e) {
      impl->tls_error = e.what();
      return -1;
    }
    return 1;  // set up completely: civetweb must not load a certificate itself
  }

  // Runs before routing for every request, so unknown paths and all methods are covered.
  static int BeginRequest(mg_connection* conn) {
    const mg_request_info* request = mg_get_request_info(conn);
    Impl* impl = From(request->user_data);
    if (!impl->auth->enabled()) return 0;
    const char* path = request->local_uri != nullptr ? request->local_uri : "";
    if (impl->open_paths.count(path) != 0) return 0;
    const char* authorization = mg_get_header(conn, "Authorization");
    if (impl->auth->Authorize(authorization != nullptr ? authorization : "")) return 0;

    std::uint64_t suppressed = 0;
    if (impl->refusals.ShouldLog("basic_auth", &suppressed)) {
      GetLogger("http")->warn(
          "refused request without valid basic auth credentials remote={} "
          "path={} credentials={} suppressed={}",
          request->remote_addr, path, authorization != nullptr ? "wrong" : "missing", suppressed);
    }
    Send(conn, HttpReply{401, "text/plain; charset=utf-8", "unauthorized\n"}, impl->web.headers,
         kChallenge);
    return 401;
  }

  static int LogMessage(const mg_connection*, const char* message) {
    GetLogger("http")->debug("civetweb: {}", message);
    return 1;
  }
};

bool HttpServerSupportsIpv6() { return mg_check_feature(8) != 0; }

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
  impl_->web = options.web;
  impl_->wake_host = WakeHost(options.listen_address);
  impl_->open_paths.insert(options.unauthenticated_paths.begin(),
                           options.unauthenticated_paths.end());
  impl_->auth = std::make_unique<BasicAuthenticator>(options.web.basic_auth_users);
  if (impl_->web.tls) {
    if (const std::string problem = CivetwebTlsProblem(); !problem.empty()) {
      throw std::runtime_error("cannot serve HTTPS on \"" + options.listen_address +
                               "\": " + problem);
    }
  }

  // An "s" suffix makes the port HTTPS-only; no plain port is opened.
  const std::string ports =
      CivetListeningPorts(options.listen_address) + (impl_->web.tls ? "s" : "");
  // clang-format off
  const std::vector<std::string> civet_options = {
      "listening_ports", ports,
      "num_threads", std::to_string(options.threads),
      "request_timeout_ms", std::to_string(options.request_timeout_ms),
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", std::to_string(options.keep_alive_timeout_ms),
      // Headers and body go out as separate writes (TLS records); with Nagle's algorithm the
      // second waits for the client's delayed ACK, about 40 ms per answer and per handshake.
      "tcp_nodelay", "1",
  };
  // clang-format on
  CivetCallbacks callbacks{};
  callbacks.begin_request = &Impl::BeginRequest;
  callbacks.log_message = &Impl::LogMessage;
  if (impl_->web.tls) callbacks.init_ssl = &Impl::InitSsl;
  try {
    impl_->server = std::make_unique<CivetServer>(civet_options, &callbacks, impl_.get());
  } catch (const CivetException& e) {
    if (!impl_->tls_error.empty()) throw ConfigError(impl_->tls_error);
    throw std::runtime_error("cannot listen on \"" + options.listen_address + "\": " + e.what());
  }
  for (auto& [path, handler] : routes) {
    impl_->handlers.push_back(
        std::make_unique<RouteHandler>(std::move(handler), &impl_->web.headers));
    // civetweb matches prefixes; "$" makes the route exact so /metricsfoo is a 404.
    impl_->server->addHandler(path + "$", impl_->handlers.back().get());
  }
}

HttpServer::~HttpServer() {
  if (!impl_ || !impl_->server) return;
  // civetweb's master thread polls the listening socket for up to 2 s and checks its stop flag
  // only between polls; a connection to ourselves ends that wait once close() has set the flag.
  std::atomic<bool> closed{false};
  std::thread waker([&closed, host = impl_->wake_host, port = port()] {
    while (!closed.load()) {
      ConnectAndHangUp(host, port);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  impl_->server->close();
  closed.store(true);
  waker.join();
}

int HttpServer::port() const {
  const auto ports = impl_->server->getListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

bool HttpServer::tls() const { return impl_->web.tls.has_value(); }

}  // namespace kce
