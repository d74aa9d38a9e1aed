#include "kce/cpprest_http_client.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "kce/config_error.h"

namespace kce {
namespace {

namespace http = web::http;

// cpprestsdk's own idle timeout; a backstop only, since every request carries its deadline.
constexpr std::chrono::minutes kIdleTimeout{5};
// How long to wait for a cancelled request to wind down before returning without it.
constexpr std::chrono::seconds kCancelGrace{5};
// How long past its deadline a request that is still receiving is left to notice the deadline
// itself, before it is cancelled from outside (see Get).
constexpr std::chrono::milliseconds kDeadlineGrace{500};

// Thrown from the download progress handler to abort a response that grows too large.
struct BodyTooLarge : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown from the download progress handler to abort a response still arriving at its deadline.
struct DeadlinePassed : std::runtime_error {
  DeadlinePassed() : std::runtime_error("deadline passed") {}
};

// The last fatal TLS alert seen on any connection of one client, with a readable cause.
// Shared with the OpenSSL contexts that cpprestsdk creates per connection.
struct TlsDiagnostics {
  std::string verified_name;  // host name the certificate must match
  bool client_certificate = false;
  std::mutex mutex;
  std::string detail;

  std::string Take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::exchange(detail, std::string());
  }
};

using DiagnosticsHolder = std::shared_ptr<TlsDiagnostics>;

void FreeDiagnostics(void*, void* data, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<DiagnosticsHolder*>(data);
}

int DiagnosticsIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeDiagnostics);
  return index;
}

// OpenSSL info callback: records why a handshake or session ended with a fatal alert, which
// cpprestsdk's error (a bare "Error in SSL handshake") does not say.
void RecordTlsAlert(const SSL* ssl, int where, int value) {
  if ((where & SSL_CB_ALERT) == 0 || (value >> 8) != SSL3_AL_FATAL) return;
  auto* holder = static_cast<DiagnosticsHolder*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), DiagnosticsIndex()));
  if (holder == nullptr) return;
  TlsDiagnostics& diagnostics = **holder;

  const int code = value & 0xFF;
  // OpenSSL 3.0 names the TLS 1.3 alert certificate_required (116) "unknown".
  const std::string alert =
      code == 116 ? "certificate required" : SSL_alert_desc_string_long(value);
  const bool certificate_alert = (code >= 42 && code <= 46) || code == 48;
  const long verify = SSL_get_verify_result(ssl);
  std::string detail;
  if ((where & SSL_CB_READ) != 0) {
    detail = "server ended the TLS session with alert \"" + alert + "\"";
    if (!diagnostics.client_certificate) detail += " (does it require a client certificate?)";
  } else if (verify != X509_V_OK && verify != X509_V_ERR_UNSPECIFIED) {
    detail = std::string("server certificate rejected: ") + X509_verify_cert_error_string(verify);
  } else if (certificate_alert || verify != X509_V_OK) {
    // cpprestsdk's host name check rejects the chain without an error code of its own.
    detail = "server certificate rejected: it is not valid for host name \"" +
             diagnostics.verified_name + "\"";
  } else {
    detail = "this client aborted the TLS session with alert \"" + alert + "\"";
  }
  std::lock_guard<std::mutex> lock(diagnostics.mutex);
  diagnostics.detail = std::move(detail);
}

struct TlsMaterial {
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// Applies CA, client certificate and protocol floor to a fresh context. Throws
// boost::system::system_error when a PEM does not load.
void ConfigureContext(boost::asio::ssl::context& context, const TlsMaterial& material) {
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (!material.ca_pem.empty()) {
    // A configured CA replaces the system store, as in kubectl.
    SSL_CTX_set_cert_store(native, X509_STORE_new());
    context.add_certificate_authority(
        boost::asio::buffer(material.ca_pem.data(), material.ca_pem.size()));
  }
  if (!material.client_cert_pem.empty()) {
    context.use_certificate_chain(
        boost::asio::buffer(material.client_cert_pem.data(), material.client_cert_pem.size()));
    context.use_private_key(
        boost::asio::buffer(material.client_key_pem.data(), material.client_key_pem.size()),
        boost::asio::ssl::context::pem);
  }
}

std::string UrlHost(const std::string& server) {
  try {
    return web::uri(server).host();
  } catch (const std::exception&) {
    return "";
  }
}

class CpprestHttpClient final : public HttpClient {
 public:
  CpprestHttpClient(const ClusterEndpoint& endpoint, const HttpClientOptions& options)
      : server_(endpoint.server),
        host_header_(endpoint.tls_server_name),
        options_(options),
        diagnostics_(std::make_shared<TlsDiagnostics>()) {
    if (!web::uri::validate(server_) || UrlHost(server_).empty()) {
      throw ConfigError("API server URL \"" + server_ + "\" is not a valid URL");
    }
    TlsMaterial material{endpoint.ca_pem, endpoint.client_cert_pem, endpoint.client_key_pem};
    diagnostics_->verified_name =
        endpoint.tls_server_name.empty() ? UrlHost(server_) : endpoint.tls_server_name;
    diagnostics_->client_certificate = !material.client_cert_pem.empty();

    // Load the PEMs once now so a broken one fails at start-up, not on the first request.
    try {
      boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
      ConfigureContext(probe, material);
    } catch (const std::exception& e) {
      throw ConfigError("TLS settings for " + server_ + " (" + endpoint.description +
                        ") do not load: " + e.what());
    }

    http::client::http_client_config config;
    config.set_timeout(std::chrono::duration_cast<std::chrono::seconds>(kIdleTimeout));
    config.set_validate_certificates(!endpoint.insecure_skip_tls_verify);
    DiagnosticsHolder diagnostics = diagnostics_;
    config.set_ssl_context_callback([material, diagnostics](boost::asio::ssl::context& context) {
      ConfigureContext(context, material);
      SSL_CTX_set_ex_data(context.native_handle(), DiagnosticsIndex(),
                          new DiagnosticsHolder(diagnostics));
      SSL_CTX_set_info_callback(context.native_handle(), RecordTlsAlert);
    });
    try {
      client_ = std::make_unique<http::client::http_client>(server_, config);
    } catch (const std::exception& e) {
      throw ConfigError("cannot create an HTTP client for " + server_ + ": " + e.what());
    }
  }

  HttpResponse Get(const HttpRequest& request) override {
    const std::string target = "GET " + server_ + request.path;
    bool deadline_passed = false;
    diagnostics_->Take();  // forget alerts of earlier requests
    HttpResponse response;
    try {
      http::http_request message(http::methods::GET);
      message.set_request_uri(web::uri(request.path));
      for (const auto& [name, value] : request.headers) message.headers().add(name, value);
      if (!host_header_.empty()) message.headers().add(http::header_names::host, host_header_);

      // cpprestsdk reads on its own threads without a strand, so closing a connection from
      // another thread (which is what cancelling does) races with a read that is completing
      // and can crash inside asio. A response that is arriving is therefore stopped from the
      // progress handler, on the reading thread itself; cancelling is kept for a connection
      // that has been silent past the deadline, where no read is completing.
      concurrency::streams::container_buffer<std::vector<uint8_t>> body;
      message.set_response_stream(body.create_ostream());
      const std::size_t limit = options_.max_body_bytes;
      const bool has_deadline = request.timeout.count() > 0;
      const auto deadline = std::chrono::steady_clock::now() + request.timeout;
      message.set_progress_handler(
          [limit, has_deadline, deadline](http::message_direction::direction direction,
                                          utility::size64_t bytes) {
            if (direction != http::message_direction::download) return;
            if (bytes > limit) throw BodyTooLarge("more than " + std::to_string(limit) + " bytes");
            if (has_deadline && std::chrono::steady_clock::now() > deadline) throw DeadlinePassed();
          });

      pplx::cancellation_token_source cancel;
      auto done = std::make_shared<std::promise<http::http_response>>();
      std::future<http::http_response> result = done->get_future();
      client_->request(message, cancel.get_token())
          .then([limit](http::http_response answer) {
            // Answer at once; the body still arriving is cut by the progress handler at the
            // limit, and its buffer is shared, so it outlives this call.
            if (answer.headers().content_length() > limit) {
              throw BodyTooLarge("Content-Length " +
                                 std::to_string(answer.headers().content_length()));
            }
            return answer.content_ready();
          })
          .then([done](pplx::task<http::http_response> task) {
            try {
              done->set_value(task.get());
            } catch (...) {
              done->set_exception(std::current_exception());
            }
          });

      // A response still arriving stops itself shortly after the deadline (DeadlinePassed); one
      // that is complete by then counts.
      if (has_deadline && result.wait_until(deadline) == std::future_status::timeout &&
          result.wait_for(kDeadlineGrace) == std::future_status::timeout) {
        deadline_passed = true;
        cancel.cancel();
        // Cancelling closes the socket, so this wait is short; never hang on it regardless.
        if (result.wait_for(kCancelGrace) == std::future_status::timeout) {
          return TimedOut(target, request.timeout);
        }
      }
      http::http_response answer = result.get();

      response.status = answer.status_code();
      for (const auto& [name, value] : answer.headers()) response.headers.emplace_back(name, value);
      std::vector<uint8_t>& bytes = body.collection();
      response.body.assign(bytes.begin(), bytes.end());
      std::vector<uint8_t>().swap(bytes);
      return response;
    } catch (const DeadlinePassed&) {
      return TimedOut(target, request.timeout);
    } catch (const BodyTooLarge& e) {
      return Failure(TransportError::kBodyTooLarge,
                     target + ": response body exceeds the limit of " +
                         std::to_string(options_.max_body_bytes) + " bytes (" + e.what() + ")");
    } catch (const pplx::task_canceled&) {
      if (deadline_passed) return TimedOut(target, request.timeout);
      return Failure(TransportError::kOther, target + ": request cancelled");
    } catch (const http::http_exception& e) {
      if (deadline_passed || e.error_code() == std::errc::timed_out) {
        return TimedOut(target, request.timeout);
      }
      return Classify(target, e.what());
    } catch (const std::exception& e) {
      if (deadline_passed) return TimedOut(target, request.timeout);
      return Classify(target, e.what());
    } catch (...) {
      return Failure(TransportError::kOther, target + ": unknown error");
    }
  }

 private:
  static HttpResponse Failure(TransportError kind, std::string message) {
    HttpResponse response;
    response.transport = kind;
    response.transport_error = std::move(message);
    return response;
  }

  static HttpResponse TimedOut(const std::string& target, std::chrono::milliseconds timeout) {
    const std::string limit = timeout.count() > 0
                                  ? std::to_string(timeout.count()) + "ms"
                                  : std::to_string(kIdleTimeout.count()) + "min without progress";
    return Failure(TransportError::kTimeout, target + ": timed out after " + limit);
  }

  HttpResponse Classify(const std::string& target, const std::string& what) {
    const std::string tls_detail = diagnostics_->Take();
    if (!tls_detail.empty()) {
      return Failure(TransportError::kTls,
                     target + ": TLS failed: " + tls_detail + " (" + what + ")");
    }
    if (what.find("SSL") != std::string::npos) {
      return Failure(TransportError::kTls, target + ": TLS failed: " + what);
    }
    if (what.find("connect") != std::string::npos || what.find("resolv") != std::string::npos) {
      return Failure(TransportError::kConnect, target + ": cannot connect: " + what);
    }
    return Failure(TransportError::kOther, target + ": " + what);
  }

  const std::string server_;
  const std::string host_header_;
  const HttpClientOptions options_;
  const std::shared_ptr<TlsDiagnostics> diagnostics_;
  std::unique_ptr<http::client::http_client> client_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCpprestHttpClient(const ClusterEndpoint& endpoint,
                                                  const HttpClientOptions& options) {
  return std::make_unique<CpprestHttpClient>(endpoint, options);
}

}  // namespace kce
