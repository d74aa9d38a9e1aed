#include "kce/web_config.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "kce/basic_auth.h"
#include "kce/config_error.h"
#include "support/bcrypt_hash.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace kce {
namespace {

using testing::MakeBcryptHash;
using testing::TempDir;
using testing::TestCertificates;

const std::string kFile = "/etc/kce/web.yml";

// The ConfigError text ParseWebConfig throws for `yaml`, or "" when it parses.
std::string ParseError(const std::string& yaml) {
  try {
    ParseWebConfig(yaml, kFile);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string LoadError(const std::string& file) {
  try {
    LoadWebConfig(file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// TestCertificates keeps the server key in the certificate's file; the web config format has
// them apart.
std::string KeyPart(const std::string& pem) { return pem.substr(pem.find("-----BEGIN", 10)); }
std::string CertPart(const std::string& pem) { return pem.substr(0, pem.find("-----BEGIN", 10)); }

// `key_pem` re-written with a passphrase.
std::string Encrypted(const std::string& key_pem) {
  std::unique_ptr<BIO, int (*)(BIO*)> in(BIO_new_mem_buf(key_pem.data(), key_pem.size()),
                                         &BIO_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  std::unique_ptr<BIO, int (*)(BIO*)> out(BIO_new(BIO_s_mem()), &BIO_free);
  static unsigned char passphrase[] = "passphrase";
  if (!key || PEM_write_bio_PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), passphrase,
                                       sizeof(passphrase) - 1, nullptr, nullptr) != 1) {
    return "";
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, size);
}

TEST(WebConfigTest, EmptyDocumentMeansPlainHttpForEveryone) {
  for (const std::string yaml : {"", "# nothing\n", "tls_server_config:\nbasic_auth_users:\n"}) {
    const WebConfig config = ParseWebConfig(yaml, kFile);
    EXPECT_FALSE(config.tls.has_value()) << yaml;
    EXPECT_TRUE(config.basic_auth_users.empty()) << yaml;
    EXPECT_TRUE(config.headers.empty()) << yaml;
  }
}

TEST(WebConfigTest, ParsesEverySupportedKey) {
  const std::string hash = MakeBcryptHash("pw");
  const WebConfig config = ParseWebConfig(
      "tls_server_config:\n"
      "  cert_file: tls/server.crt\n"
      "  key_file: /abs/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ../ca/clients.pem\n"
      "  min_version: TLS13\n"
      "  max_version: TLS13\n"
      "  prefer_server_cipher_suites: true\n"
      "http_server_config:\n"
      "  http2: true\n"
      "  headers:\n"
      "    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=31536000\n"
      "    X-XSS-Protection: ''\n"
      "basic_auth_users:\n"
      "  alice: " +
          hash +
          "\n"
          "  bob: '" +
          hash + "'\n",
      kFile);
  EXPECT_EQ(config.source, kFile);
  ASSERT_TRUE(config.tls.has_value());
  // Relative paths hang off the folder of the file.
  EXPECT_EQ(config.tls->cert_file, "/etc/kce/tls/server.crt");
  EXPECT_EQ(config.tls->key_file, "/abs/server.key");
  EXPECT_EQ(config.tls->client_ca_file, "/etc/ca/clients.pem");
  EXPECT_EQ(config.tls->client_auth, ClientAuthType::kRequireAndVerifyClientCert);
  EXPECT_EQ(config.tls->min_version, TlsVersion::kTls13);
  EXPECT_EQ(config.tls->max_version, TlsVersion::kTls13);
  ASSERT_EQ(config.headers.size(), 2u);  // a blank value means "unset"
  EXPECT_EQ(config.headers[0], (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
  EXPECT_EQ(config.headers[1].first, "Strict-Transport-Security");
  EXPECT_EQ(config.basic_auth_users.size(), 2u);
  EXPECT_EQ(config.basic_auth_users.at("bob"), hash);
}

TEST(WebConfigTest, DefaultsAreNoClientCertAndTls12To13) {
  const WebConfig config =
      ParseWebConfig("tls_server_config:\n  cert_file: a\n  key_file: b\n", "web.yml");
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->cert_file, "a");  // a file in the working directory stays relative
  EXPECT_EQ(config.tls->client_auth, ClientAuthType::kNoClientCert);
  EXPECT_EQ(config.tls->min_version, TlsVersion::kTls12);
  EXPECT_EQ(config.tls->max_version, TlsVersion::kTls13);
}

TEST(WebConfigTest, AcceptsEveryClientAuthType) {
  for (ClientAuthType type :
       {ClientAuthType::kNoClientCert, ClientAuthType::kRequestClientCert,
        ClientAuthType::kRequireAnyClientCert, ClientAuthType::kVerifyClientCertIfGiven,
        ClientAuthType::kRequireAndVerifyClientCert}) {
    const std::string ca =
        type == ClientAuthType::kNoClientCert ? "" : "  client_ca_file: ca.pem\n";
    const WebConfig config = ParseWebConfig(
        "tls_server_config:\n  cert_file: c\n  key_file: k\n"
        "  client_auth_type: " +
            std::string(ClientAuthTypeName(type)) + "\n" + ca,
        kFile);
    ASSERT_TRUE(config.tls.has_value());
    EXPECT_EQ(config.tls->client_auth, type) << ClientAuthTypeName(type);
  }
}

TEST(WebConfigTest, UnknownKeysNameTheKeyTheFileAndTheLine) {
  std::string error = ParseError("basic_auth_users: {}\ntls_config: {}\n");
  EXPECT_NE(error.find("\"/etc/kce/web.yml\" line 2: tls_config: unknown key"), std::string::npos)
      << error;
  error = ParseError("tls_server_config:\n  cert_file: a\n  certfile: b\n");
  EXPECT_NE(error.find("line 3: tls_server_config.certfile: unknown key"), std::string::npos)
      << error;
  error = ParseError("http_server_config:\n  header: {}\n");
  EXPECT_NE(error.find("http_server_config.header: unknown key"), std::string::npos) << error;
}

TEST(WebConfigTest, UnsupportedKeysSayWhy) {
  const std::string base = "tls_server_config:\n  cert_file: c\n  key_file: k\n";
  EXPECT_NE(ParseError(base + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n")
                .find("tls_server_config.cipher_suites: is not supported"),
            std::string::npos);
  EXPECT_NE(ParseError(base + "  cert: inline\n").find("use cert_file"), std::string::npos);
  EXPECT_NE(ParseError(base + "  client_allowed_sans: [a]\n").find("is not supported"),
            std::string::npos);
  EXPECT_NE(ParseError(base + "  prefer_server_cipher_suites: false\n").find("not supported"),
            std::string::npos);
  EXPECT_NE(ParseError("rate_limit:\n  burst: 1\n").find("rate_limit: is not supported"),
            std::string::npos);
}

TEST(WebConfigTest, RejectsBadTlsSettings) {
  EXPECT_NE(ParseError("tls_server_config:\n  key_file: k\n")
                .find("tls_server_config.cert_file: is required"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n")
                .find("tls_server_config.key_file: is required"),
            std::string::npos);
  const std::string base = "tls_server_config:\n  cert_file: c\n  key_file: k\n";
  std::string error = ParseError(base + "  client_auth_type: RequireClientCert\n");
  EXPECT_NE(error.find("\"RequireClientCert\" is not one of NoClientCert"), std::string::npos)
      << error;
  error = ParseError(base + "  client_auth_type: RequireAndVerifyClientCert\n");
  EXPECT_NE(error.find("client_ca_file: is required with client_auth_type "
                       "RequireAndVerifyClientCert"),
            std::string::npos)
      << error;
  error = ParseError(base + "  client_ca_file: ca.pem\n");
  EXPECT_NE(error.find("client_auth_type is NoClientCert"), std::string::npos) << error;
  EXPECT_NE(ParseError(base + "  min_version: TLS11\n").find("\"TLS11\" is not supported"),
            std::string::npos);
  EXPECT_NE(ParseError(base + "  max_version: SSL3\n").find("is not a TLS version"),
            std::string::npos);
  EXPECT_NE(ParseError(base + "  min_version: TLS13\n  max_version: TLS12\n")
                .find("min_version: is above max_version"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config: [a]\n").find("tls_server_config: must be a map"),
            std::string::npos);
  EXPECT_NE(ParseError(base + "  cert_file: [a]\n").find("cert_file: must be a string"),
            std::string::npos);
}

TEST(WebConfigTest, RejectsBadUsersWithoutEchoingTheHash) {
  const std::string not_bcrypt = "$6$rounds=5000$abcdefgh$topsecretlookinghashvalue";
  std::string error = ParseError("basic_auth_users:\n  alice: '" + not_bcrypt + "'\n");
  EXPECT_NE(error.find("basic_auth_users.\"alice\": is not a bcrypt hash"), std::string::npos)
      << error;
  EXPECT_EQ(error.find("topsecret"), std::string::npos) << error;
  EXPECT_NE(ParseError("basic_auth_users:\n  alice:\n").find("is not a bcrypt hash"),
            std::string::npos);
  const std::string hash = MakeBcryptHash("pw");
  EXPECT_NE(ParseError("basic_auth_users:\n  'a:b': " + hash + "\n").find("cannot hold ':'"),
            std::string::npos);
  EXPECT_NE(ParseError("basic_auth_users: [alice]\n").find("basic_auth_users: must be a map"),
            std::string::npos);
}

TEST(WebConfigTest, RejectsHeadersOutsideTheAllowedSet) {
  EXPECT_NE(ParseError("http_server_config:\n  headers:\n    Set-Cookie: a=b\n")
                .find("http_server_config.headers.Set-Cookie: cannot be set"),
            std::string::npos);
  EXPECT_NE(ParseError("http_server_config:\n  headers:\n    X-Frame-Options: allow\n")
                .find("\"allow\" is not one of deny, sameorigin"),
            std::string::npos);
  EXPECT_NE(ParseError("http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nX: y\"\n")
                .find("control characters"),
            std::string::npos);
  EXPECT_NE(ParseError("http_server_config:\n  http2: maybe\n").find("must be true or false"),
            std::string::npos);
}

TEST(WebConfigTest, InvalidYamlNamesTheFileAndLine) {
  const std::string error = ParseError("basic_auth_users:\n  alice: [unclosed\n");
  EXPECT_NE(error.find("web config file \"/etc/kce/web.yml\" line"), std::string::npos) << error;
  EXPECT_NE(error.find("invalid YAML"), std::string::npos) << error;
  EXPECT_NE(ParseError("- a\n- b\n").find("must be a map of sections"), std::string::npos);
}

TEST(WebConfigTest, LoadsWorkingTlsFilesRelativeToTheConfigFile) {
  TestCertificates certs;
  TempDir dir;
  const std::string server_pem = ReadFile(certs.server_pem_file);
  dir.Write("tls/server.crt", CertPart(server_pem));
  dir.Write("tls/server.key", KeyPart(server_pem));
  dir.Write("tls/ca.crt", certs.ca_cert_pem);
  const std::string file =
      dir.Write("web.yml",
                "tls_server_config:\n  cert_file: tls/server.crt\n  key_file: tls/server.key\n"
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: tls/ca.crt\n");
  const WebConfig config = LoadWebConfig(file);
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->key_file, dir.File("tls/server.key"));
  EXPECT_EQ(DescribeWebConfig(config),
            "tls=on client_auth=RequireAndVerifyClientCert min_version=TLS12 max_version=TLS13 "
            "basic_auth_users=0 headers=0");
}

TEST(WebConfigTest, LoadNamesTheKeyAndPathOfBrokenTlsFiles) {
  TestCertificates certs;
  TempDir dir;
  const std::string server_pem = ReadFile(certs.server_pem_file);
  const std::string cert = dir.Write("server.crt", CertPart(server_pem));
  const std::string key = dir.Write("server.key", KeyPart(server_pem));
  const std::string garbage = dir.Write("garbage.pem", "not a certificate\n");
  auto config = [&](const std::string& body) { return dir.Write("web.yml", body); };

  std::string error = LoadError(dir.File("missing.yml"));
  EXPECT_NE(error.find("missing.yml\": cannot be read: No such file"), std::string::npos) << error;

  error = LoadError(config("tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n"));
  EXPECT_NE(error.find("tls_server_config.cert_file \"" + dir.File("nope.crt") +
                       "\": cannot be read: No such file or directory"),
            std::string::npos)
      << error;

  error =
      LoadError(config("tls_server_config:\n  cert_file: garbage.pem\n  key_file: " + key + "\n"));
  EXPECT_NE(error.find("cert_file \"" + garbage + "\": holds no usable PEM certificate"),
            std::string::npos)
      << error;

  // The client key does not belong to the server certificate.
  error = LoadError(config("tls_server_config:\n  cert_file: " + cert +
                           "\n  key_file: " + certs.client_key_file + "\n"));
  EXPECT_NE(error.find("key_file \"" + certs.client_key_file +
                       "\": does not match the certificate in cert_file"),
            std::string::npos)
      << error;

  error = LoadError(
      config("tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + cert + "\n"));
  EXPECT_NE(error.find("holds no usable unencrypted PEM private key"), std::string::npos) << error;

  // An encrypted key fails at once instead of prompting for a passphrase.
  const std::string encrypted = dir.Write("encrypted.key", Encrypted(KeyPart(server_pem)));
  ASSERT_NE(ReadFile(encrypted).find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  error = LoadError(
      config("tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + encrypted + "\n"));
  EXPECT_NE(error.find("key_file \"" + encrypted + "\": holds no usable unencrypted PEM private"),
            std::string::npos)
      << error;

  error = LoadError(config("tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key +
                           "\n  client_auth_type: VerifyClientCertIfGiven\n"
                           "  client_ca_file: garbage.pem\n"));
  EXPECT_NE(error.find("client_ca_file \"" + garbage + "\": holds no PEM certificate"),
            std::string::npos)
      << error;
  // No message may carry key material.
  EXPECT_EQ(error.find("PRIVATE KEY"), std::string::npos);
}

TEST(WebConfigTest, ExampleFileParsesAndItsPasswordIsTheDocumentedOne) {
  const std::string file = std::string(KCE_SOURCE_DIR) + "/examples/web-config.yaml";
  const WebConfig config = ParseWebConfig(ReadFile(file), file);
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->client_auth, ClientAuthType::kRequireAndVerifyClientCert);
  EXPECT_EQ(config.tls->cert_file, std::string(KCE_SOURCE_DIR) + "/examples/tls/tls.crt");
  EXPECT_EQ(config.headers.size(), 2u);
  ASSERT_EQ(config.basic_auth_users.count("prometheus"), 1u);
  EXPECT_TRUE(BcryptMatches("change-me", config.basic_auth_users.at("prometheus")));
}

TEST(WebConfigTest, DescriptionCarriesNoSecrets) {
  const std::string hash = MakeBcryptHash("pw");
  const WebConfig config =
      ParseWebConfig("basic_auth_users:\n  alice: " + hash + "\n  bob: " + hash + "\n", kFile);
  const std::string text = DescribeWebConfig(config);
  EXPECT_EQ(text, "tls=off basic_auth_users=2 headers=0");
}

}  // namespace
}  // namespace kce
