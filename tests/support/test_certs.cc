#include "support/test_certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace kce::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

[[noreturn]] void Fail(const std::string& what) {
  char detail[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, detail, sizeof(detail));
  }
  throw std::runtime_error("test certificates: " + what + ": " + detail);
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) Fail("generating an EC key");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) Fail(std::string("building extension ") + OBJ_nid2sn(nid) + "=" + value);
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) Fail(std::string("adding extension ") + OBJ_nid2sn(nid));
}

struct CertSpec {
  std::string common_name;
  bool is_ca = false;
  const char* alt_names = nullptr;       // subjectAltName value, e.g. "IP:127.0.0.1"
  const char* extended_usage = nullptr;  // serverAuth or clientAuth
};

// Signs a certificate for `key` with `issuer_key`; a null `issuer` makes it self-signed.
CertPtr MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  static long serial = 1;
  CertPtr cert(X509_new());
  if (!cert) Fail("allocating a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);

  X509* signer = issuer ? issuer : cert.get();
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.is_ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
  }
  if (spec.alt_names) AddExtension(cert.get(), signer, NID_subject_alt_name, spec.alt_names);
  if (spec.extended_usage) {
    AddExtension(cert.get(), signer, NID_ext_key_usage, spec.extended_usage);
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    Fail("signing certificate " + spec.common_name);
  }
  return cert;
}

template <typename Writer>
std::string ToPem(Writer write) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) Fail("writing PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string CertPem(X509* cert) {
  return ToPem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

std::string KeyPem(EVP_PKEY* key) {
  return ToPem([key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

}  // namespace

TestCertificates::TestCertificates() {
  const KeyPtr ca_key = NewKey();
  const CertPtr ca = MakeCert({"kce-test-ca", true}, ca_key.get(), nullptr, nullptr);
  ca_cert_pem = CertPem(ca.get());
  ca_cert_file = dir_.Write("ca.crt", ca_cert_pem);

  const KeyPtr other_key = NewKey();
  const CertPtr other = MakeCert({"kce-other-ca", true}, other_key.get(), nullptr, nullptr);
  other_ca_cert_pem = CertPem(other.get());
  other_ca_cert_file = dir_.Write("other-ca.crt", other_ca_cert_pem);

  const KeyPtr server_key = NewKey();
  const CertPtr server =
      MakeCert({"kce-test-server", false, "IP:127.0.0.1,DNS:localhost", "serverAuth"},
               server_key.get(), ca.get(), ca_key.get());
  server_pem_file = dir_.Write("server.pem", CertPem(server.get()) + KeyPem(server_key.get()));

  const std::string alt_names = std::string("DNS:") + kAltServerName;
  const KeyPtr alt_key = NewKey();
  const CertPtr alt = MakeCert({kAltServerName, false, alt_names.c_str(), "serverAuth"},
                               alt_key.get(), ca.get(), ca_key.get());
  alt_server_pem_file = dir_.Write("alt-server.pem", CertPem(alt.get()) + KeyPem(alt_key.get()));

  const KeyPtr client_key = NewKey();
  const CertPtr client = MakeCert({kClientCommonName, false, nullptr, "clientAuth"},
                                  client_key.get(), ca.get(), ca_key.get());
  client_cert_pem = CertPem(client.get());
  client_key_pem = KeyPem(client_key.get());
  client_cert_file = dir_.Write("client.crt", client_cert_pem);
  client_key_file = dir_.Write("client.key", client_key_pem);
}

}  // namespace kce::testing
