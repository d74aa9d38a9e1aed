#pragma once

#include <memory>

#include "kce/cluster_endpoint.h"
#include "kce/http_client.h"

namespace kce {

/// Builds an HttpClient for `endpoint` on cpprestsdk (Boost.Asio with OpenSSL), with
/// connection reuse.
///
/// TLS: with `ca_pem` only those CAs are trusted (the system store is dropped); without it the
/// system store is used; `insecure_skip_tls_verify` turns verification off; a client
/// certificate is presented when set; TLS 1.2 is the minimum. `tls_server_name` is honoured by
/// sending it as the Host header, because cpprestsdk derives both the SNI name and the host
/// name it verifies from that header; the API server does not route on Host.
///
/// Each request has its own deadline (HttpRequest::timeout); bodies above
/// `options.max_body_bytes` fail. The endpoint's token is not used here: callers add the
/// Authorization header. Get() never throws and is safe to call from several threads (TLS
/// failure details may then be attributed to the wrong one of simultaneous requests).
/// Throws ConfigError when the server URL is invalid or a CA, certificate or key does not load.
std::unique_ptr<HttpClient> MakeCpprestHttpClient(const ClusterEndpoint& endpoint,
                                                  const HttpClientOptions& options = {});

}  // namespace kce
