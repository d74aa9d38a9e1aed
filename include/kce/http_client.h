#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kce {

/// One GET request to the API server. The client prepends the server URL.
struct HttpRequest {
  /// Path and query, already URL-encoded, e.g. "/api/v1/pods?limit=500".
  std::string path;
  /// Extra request headers (for example Authorization).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Deadline for the whole exchange: connect, TLS handshake, headers and body. Zero or
  /// negative means no deadline of its own (the client's idle timeout still applies).
  std::chrono::milliseconds timeout{30000};
};

/// Why a request got no HTTP response.
enum class TransportError {
  kNone,          // an HTTP response arrived (any status)
  kConnect,       // name resolution, connection refused or reset before a response
  kTimeout,       // the request's deadline or the idle timeout expired
  kTls,           // TLS handshake failed or the peer sent a fatal TLS alert
  kBodyTooLarge,  // the body exceeded HttpClientOptions::max_body_bytes
  kOther,         // anything else: protocol errors, connection lost mid-body, ...
};

/// Short stable name of a TransportError ("none", "connect", "timeout", "tls",
/// "body_too_large", "other").
std::string_view TransportErrorName(TransportError error);

/// Outcome of one request. Either `status` is an HTTP status (and `transport` is kNone), or
/// `status` is 0 and `transport`/`transport_error` say why nothing arrived.
struct HttpResponse {
  /// HTTP status; 0 when no HTTP response arrived.
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  TransportError transport = TransportError::kNone;
  /// Human-readable reason when status is 0: what failed, against which server, with the
  /// library's detail (never containing a token or key).
  std::string transport_error;

  /// Value of the first header named `name`, compared case-insensitively; "" when absent.
  std::string Header(std::string_view name) const;
};

/// Default cap on a response body: 256 MiB.
inline constexpr std::size_t kDefaultMaxBodyBytes = std::size_t{256} << 20;

/// Settings shared by HttpClient implementations.
struct HttpClientOptions {
  /// A body larger than this fails the request with TransportError::kBodyTooLarge (the
  /// connection is dropped as soon as the size is known to exceed it).
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
};

/// Performs GET requests against one API server. Implementations never throw from Get():
/// every library error becomes an HttpResponse with status 0. Implementations are safe to use
/// from several threads unless documented otherwise.
class HttpClient {
 public:
  virtual ~HttpClient();
  virtual HttpResponse Get(const HttpRequest& request) = 0;
};

}  // namespace kce
