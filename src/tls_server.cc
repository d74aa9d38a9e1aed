#include "kce/tls_server.h"

#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "kce/config_error.h"

namespace kce {
namespace {

constexpr unsigned char kSessionIdContext[] = "kube-commitment-exporter";

// The reason of the oldest queued OpenSSL error ("" when none); empties the queue. OpenSSL's
// texts name files and reasons, never key bytes.
std::string TakeOpenSslError() {
  std::string text;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

[[noreturn]] void Fail(const std::string& source, const std::string& key, const std::string& path,
                       const std::string& problem) {
  std::string message = "web config file \"" + source + "\": tls_server_config." + key;
  if (!path.empty()) message += " \"" + path + "\"";
  message += ": " + problem;
  if (const std::string detail = TakeOpenSslError(); !detail.empty())
    message += " (" + detail + ")";
  throw ConfigError(message);
}

void CheckReadable(const std::string& source, const std::string& key, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) Fail(source, key, path, std::string("cannot be read: ") + std::strerror(errno));
}

int VersionNumber(TlsVersion version) {
  return version == TlsVersion::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

// RequestClientCert and RequireAnyClientCert take whatever certificate the client sends, as the
// file format defines; the handshake only checks that the client holds its key.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// An encrypted key would otherwise make OpenSSL prompt on the terminal for its passphrase.
int NoPassphrase(char*, int, int, void*) { return 0; }

EVP_PKEY* ReadPrivateKey(const std::string& source, const std::string& path) {
  CheckReadable(source, "key_file", path);
  std::unique_ptr<BIO, int (*)(BIO*)> file(BIO_new_file(path.c_str(), "r"), &BIO_free);
  EVP_PKEY* key =
      file ? PEM_read_bio_PrivateKey(file.get(), nullptr, &NoPassphrase, nullptr) : nullptr;
  if (key == nullptr) Fail(source, "key_file", path, "holds no usable unencrypted PEM private key");
  return key;
}

void LoadClientCas(SSL_CTX* context, const TlsServerConfig& tls, const std::string& source) {
  CheckReadable(source, "client_ca_file", tls.client_ca_file);
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
  if (names == nullptr || sk_X509_NAME_num(names) == 0) {
    if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
    Fail(source, "client_ca_file", tls.client_ca_file, "holds no PEM certificate");
  }
  // The names go in the CertificateRequest so clients with several certificates pick one.
  SSL_CTX_set_client_CA_list(context, names);
  if (SSL_CTX_load_verify_locations(context, tls.client_ca_file.c_str(), nullptr) != 1) {
    Fail(source, "client_ca_file", tls.client_ca_file, "cannot be loaded as CA certificates");
  }
}

void SetClientAuth(SSL_CTX* context, const TlsServerConfig& tls, const std::string& source) {
  if (!tls.client_ca_file.empty()) LoadClientCas(context, tls, source);
  switch (tls.client_auth) {
    case ClientAuthType::kNoClientCert:
      SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuthType::kRequestClientCert:
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, &AcceptAnyCertificate);
      break;
    case ClientAuthType::kRequireAnyClientCert:
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         &AcceptAnyCertificate);
      break;
    case ClientAuthType::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuthType::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
}

}  // namespace

void ConfigureTlsServer(ssl_ctx_st* context, const TlsServerConfig& tls,
                        const std::string& source) {
  ERR_clear_error();

  CheckReadable(source, "cert_file", tls.cert_file);
  if (SSL_CTX_use_certificate_chain_file(context, tls.cert_file.c_str()) != 1) {
    Fail(source, "cert_file", tls.cert_file, "holds no usable PEM certificate");
  }
  // Read apart from installing it, so an unusable key and a key of another certificate get
  // different messages.
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(ReadPrivateKey(source, tls.key_file),
                                                     &EVP_PKEY_free);
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    Fail(source, "key_file", tls.key_file, "does not match the certificate in cert_file");
  }

  if (SSL_CTX_set_min_proto_version(context, VersionNumber(tls.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(context, VersionNumber(tls.max_version)) != 1) {
    Fail(source, "min_version", "", "cannot be applied");
  }
  SetClientAuth(context, tls, source);
  if (SSL_CTX_set_session_id_context(context, kSessionIdContext, sizeof(kSessionIdContext) - 1) !=
      1) {
    Fail(source, "cert_file", "", "cannot set the TLS session id context");
  }
}

void CheckTlsServerConfig(const TlsServerConfig& tls, const std::string& source) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> context(SSL_CTX_new(TLS_server_method()),
                                                       &SSL_CTX_free);
  if (!context) Fail(source, "cert_file", "", "cannot create an OpenSSL context");
  ConfigureTlsServer(context.get(), tls, source);
}

std::string CivetwebTlsProblem() {
  // RTLD_NOLOAD finds an object already in the process by file name or SONAME without loading
  // anything, so this sees exactly what civetweb's dlopen("libssl.so") will get.
  void* ssl = dlopen("libssl.so", RTLD_LAZY | RTLD_NOLOAD);
  if (ssl == nullptr) {
    return "the OpenSSL compatibility library with SONAME libssl.so (built from src/tls_compat) "
           "is not loaded; civetweb would load OpenSSL 3 without SSL_get_peer_certificate";
  }
  const bool has_symbol = dlsym(ssl, "SSL_get_peer_certificate") != nullptr;
  dlclose(ssl);
  if (!has_symbol) {
    return "the loaded libssl.so lacks SSL_get_peer_certificate, which civetweb calls on every "
           "HTTPS connection; link the compatibility library from src/tls_compat";
  }
  void* crypto = dlopen("libcrypto.so", RTLD_LAZY | RTLD_NOLOAD);
  if (crypto == nullptr) {
    return "the OpenSSL compatibility library with SONAME libcrypto.so (built from "
           "src/tls_compat) is not loaded; civetweb could not load libcrypto";
  }
  dlclose(crypto);
  return "";
}

}  // namespace kce
