#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kce {

/// Which client certificates the TLS handshake asks for and checks; the names and meanings are
/// those of the web configuration file that Prometheus exporters share (Go's tls.ClientAuthType).
enum class ClientAuthType {
  kNoClientCert,                // no certificate requested
  kRequestClientCert,           // requested, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // not required, verified against client_ca_file when sent
  kRequireAndVerifyClientCert,  // required and verified against client_ca_file (mTLS)
};

/// TLS protocol versions the server can be limited to.
enum class TlsVersion { kTls12, kTls13 };

/// The `tls_server_config` section. File paths are absolute or relative to the working
/// directory (relative paths in the file are resolved against the file's folder).
struct TlsServerConfig {
  /// PEM certificate of the server, optionally followed by intermediate certificates.
  std::string cert_file;
  /// PEM private key of cert_file. Secret: its contents are never logged.
  std::string key_file;
  ClientAuthType client_auth = ClientAuthType::kNoClientCert;
  /// PEM bundle of CAs that sign client certificates; empty when none.
  std::string client_ca_file;
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
};

/// A web configuration file (--web.config.file): TLS, basic-auth users and extra response
/// headers of the exporter's own HTTP server. The default value means plain HTTP without
/// authentication.
struct WebConfig {
  /// The file it came from, for messages; empty when built in code.
  std::string source;
  /// Serve HTTPS only when set.
  std::optional<TlsServerConfig> tls;
  /// User name -> bcrypt hash ($2a$, $2b$ or $2y$). Empty: no basic authentication.
  std::map<std::string, std::string> basic_auth_users;
  /// Headers added to every answer (http_server_config.headers), in file order.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Parses the YAML text of a web configuration file named `file` (used in messages and to
/// resolve relative paths; it is not read). Keys, as in Prometheus' exporter-toolkit:
///   tls_server_config: cert_file, key_file, client_auth_type, client_ca_file, min_version,
///     max_version, prefer_server_cipher_suites (true only);
///   http_server_config: headers (Content-Security-Policy, X-Frame-Options,
///     X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security), http2 (ignored:
///     the server speaks HTTP/1.1);
///   basic_auth_users: map of user name to bcrypt hash.
/// An empty document is a valid, empty configuration. Does not touch the file system. Throws
/// ConfigError naming the file, the key and the line for an unknown or unsupported key, a wrong
/// type, a missing cert_file or key_file, an unknown client_auth_type or TLS version, a CA file
/// with NoClientCert or a verifying mode without one, or a value that is not a bcrypt hash.
WebConfig ParseWebConfig(const std::string& yaml, const std::string& file);

/// Reads and parses `file`, then checks that every file it names is readable and that the TLS
/// material loads: the certificate chain, the key matching it, and at least one CA certificate
/// in client_ca_file. Throws ConfigError naming the web config file, the key and the path on
/// any failure. Never logs.
WebConfig LoadWebConfig(const std::string& file);

/// The spelling used in the file, e.g. "RequireAndVerifyClientCert".
const char* ClientAuthTypeName(ClientAuthType type);

/// The spelling used in the file, e.g. "TLS13".
const char* TlsVersionName(TlsVersion version);

/// A one-line summary without secrets for the start-up log, e.g.
/// "tls=on client_auth=RequireAndVerifyClientCert min_version=TLS12 basic_auth_users=2
/// headers=1", or "tls=off basic_auth_users=0 headers=0".
std::string DescribeWebConfig(const WebConfig& config);

}  // namespace kce
