#pragma once

#include <string>

#include "kce/web_config.h"

struct ssl_ctx_st;

namespace kce {

/// Sets up an OpenSSL server context from `tls`: certificate chain and key (checked to match),
/// protocol range, client-certificate policy and CA list, and a session id context so resumed
/// sessions keep their verified client. `source` names the web config file in messages. Throws
/// ConfigError naming the source, the key and the file on failure; the context may then be
/// half set up and should be discarded. Never logs; error text holds no key material.
void ConfigureTlsServer(ssl_ctx_st* context, const TlsServerConfig& tls, const std::string& source);

/// Builds a throw-away context with ConfigureTlsServer to prove, at start-up, that the files
/// load. Throws as ConfigureTlsServer does.
void CheckTlsServerConfig(const TlsServerConfig& tls, const std::string& source);

/// Debian's civetweb 1.15 loads OpenSSL with dlopen("libssl.so") and dlopen("libcrypto.so") and
/// calls SSL_get_peer_certificate, which OpenSSL 3 dropped; src/tls_compat provides both names.
/// Returns "" when the libssl.so already loaded in this process provides that symbol (civetweb
/// will then get it), else a sentence saying what is missing. Thread-safe; never throws.
std::string CivetwebTlsProblem();

}  // namespace kce
