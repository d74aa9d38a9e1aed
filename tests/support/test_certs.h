#pragma once

#include <string>

#include "support/temp_dir.h"

namespace kce::testing {

/// A throw-away PKI generated with OpenSSL at test time (EC P-256 keys, SHA-256, valid from one
/// hour ago for one day), written as PEM files into a temp folder that lives as long as the
/// object. Not copyable. The constructor throws std::runtime_error when OpenSSL fails.
class TestCertificates {
 public:
  TestCertificates();

  /// The CA that signed every certificate below.
  std::string ca_cert_pem;
  std::string ca_cert_file;
  /// An unrelated CA that signed nothing here: trusting only it must fail verification.
  std::string other_ca_cert_pem;
  std::string other_ca_cert_file;
  /// Server certificate for IP 127.0.0.1 and DNS localhost, followed by its private key in the
  /// same file (the layout civetweb's ssl_certificate option expects).
  std::string server_pem_file;
  /// Server certificate naming only DNS kAltServerName (no IP), with its key, for
  /// tls-server-name tests.
  std::string alt_server_pem_file;
  /// Client certificate (CN kClientCommonName, extendedKeyUsage clientAuth) and its key.
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string client_cert_file;
  std::string client_key_file;

  static constexpr const char* kAltServerName = "kce-test.internal";
  static constexpr const char* kClientCommonName = "kce-test-client";

  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
};

}  // namespace kce::testing
