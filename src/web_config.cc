#include "kce/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "kce/basic_auth.h"
#include "kce/config_error.h"
#include "kce/read_file.h"
#include "kce/tls_server.h"

namespace kce {
namespace {

struct HeaderRule {
  const char* name;
  std::vector<std::string> allowed;  // empty: any value
};

const std::vector<HeaderRule>& HeaderRules() {
  // clang-format off
  static const std::vector<HeaderRule> rules = {
      {"Content-Security-Policy", {}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-XSS-Protection", {}},
      {"Strict-Transport-Security", {}},
  };
  // clang-format on
  return rules;
}

// Why a key this format defines is refused here; nullptr for keys it does not define.
const char* UnsupportedReason(const std::string& key) {
  static const std::map<std::string, const char*> reasons = {
      {"rate_limit", "is not supported; limit scrapes in front of the exporter"},
      {"tls_server_config.cert", "(inline PEM) is not supported; use cert_file"},
      {"tls_server_config.key", "(inline PEM) is not supported; use key_file"},
      {"tls_server_config.client_ca", "(inline PEM) is not supported; use client_ca_file"},
      {"tls_server_config.cipher_suites",
       "is not supported: the server uses OpenSSL's default TLS 1.2 ciphers (Go names do not "
       "apply)"},
      {"tls_server_config.curve_preferences",
       "is not supported: the server uses OpenSSL's default groups"},
      {"tls_server_config.client_allowed_sans",
       "is not supported; issue client certificates from a dedicated CA instead"},
  };
  const auto found = reasons.find(key);
  return found == reasons.end() ? nullptr : found->second;
}

class Parser {
 public:
  explicit Parser(const std::string& file)
      : file_(file), folder_(std::filesystem::path(file).parent_path()) {}

  WebConfig Parse(const std::string& yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
      throw ConfigError(Where(e.mark) + "invalid YAML: " + e.msg);
    }
    WebConfig config;
    config.source = file_;
    if (root.IsNull()) return config;
    if (!root.IsMap()) Fail(root, "", "the document must be a map of sections");
    for (const auto& entry : root) {
      const std::string key = KeyOf(entry.first, "");
      if (key == "tls_server_config") {
        config.tls = ParseTls(entry.second);
      } else if (key == "http_server_config") {
        config.headers = ParseHttp(entry.second);
      } else if (key == "basic_auth_users") {
        config.basic_auth_users = ParseUsers(entry.second);
      } else {
        Reject(entry.first, key);
      }
    }
    return config;
  }

 private:
  std::string Where(const YAML::Mark& mark) const {
    std::string where = "web config file \"" + file_ + "\"";
    if (!mark.is_null()) where += " line " + std::to_string(mark.line + 1);
    return where + ": ";
  }

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& key,
                         const std::string& problem) const {
    throw ConfigError(Where(at.Mark()) + (key.empty() ? "" : key + ": ") + problem);
  }

  [[noreturn]] void Reject(const YAML::Node& at, const std::string& key) const {
    if (const char* reason = UnsupportedReason(key)) Fail(at, key, reason);
    Fail(at, key, "unknown key");
  }

  std::string KeyOf(const YAML::Node& node, const std::string& section) const {
    if (!node.IsScalar()) Fail(node, section, "keys must be strings");
    return section.empty() ? node.Scalar() : section + "." + node.Scalar();
  }

  // A string value; an empty value (`key:`) reads as "".
  std::string String(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return "";
    if (!node.IsScalar()) Fail(node, key, "must be a string");
    return node.Scalar();
  }

  bool Bool(const YAML::Node& node, const std::string& key) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      Fail(node, key, "must be true or false");
    }
    return value;
  }

  // Paths in the file are relative to the file's folder.
  std::string Path(const YAML::Node& node, const std::string& key) const {
    const std::string value = String(node, key);
    if (value.empty() || std::filesystem::path(value).is_absolute()) return value;
    return (folder_ / value).lexically_normal().string();
  }

  bool IsMapOrNull(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return false;
    if (!node.IsMap()) Fail(node, key, "must be a map");
    return true;
  }

  TlsVersion Version(const YAML::Node& node, const std::string& key) const {
    const std::string value = String(node, key);
    if (value == "TLS12") return TlsVersion::kTls12;
    if (value == "TLS13") return TlsVersion::kTls13;
    if (value == "TLS10" || value == "TLS11") {
      Fail(node, key, "\"" + value + "\" is not supported; use TLS12 or TLS13");
    }
    Fail(node, key, "\"" + value + "\" is not a TLS version; use TLS12 or TLS13");
  }

  ClientAuthType ClientAuth(const YAML::Node& node, const std::string& key) const {
    const std::string value = String(node, key);
    for (ClientAuthType type :
         {ClientAuthType::kNoClientCert, ClientAuthType::kRequestClientCert,
          ClientAuthType::kRequireAnyClientCert, ClientAuthType::kVerifyClientCertIfGiven,
          ClientAuthType::kRequireAndVerifyClientCert}) {
      if (value == ClientAuthTypeName(type)) return type;
    }
    if (value.empty()) return ClientAuthType::kNoClientCert;
    Fail(node, key,
         "\"" + value +
             "\" is not one of NoClientCert, RequestClientCert, "
             "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert");
  }

  std::optional<TlsServerConfig> ParseTls(const YAML::Node& section) const {
    const std::string name = "tls_server_config";
    if (!IsMapOrNull(section, name)) return std::nullopt;
    TlsServerConfig tls;
    bool client_auth_set = false;
    for (const auto& entry : section) {
      const std::string key = KeyOf(entry.first, name);
      const YAML::Node& value = entry.second;
      if (key == name + ".cert_file") {
        tls.cert_file = Path(value, key);
      } else if (key == name + ".key_file") {
        tls.key_file = Path(value, key);
      } else if (key == name + ".client_ca_file") {
        tls.client_ca_file = Path(value, key);
      } else if (key == name + ".client_auth_type") {
        tls.client_auth = ClientAuth(value, key);
        client_auth_set = !String(value, key).empty();
      } else if (key == name + ".min_version") {
        tls.min_version = Version(value, key);
      } else if (key == name + ".max_version") {
        tls.max_version = Version(value, key);
      } else if (key == name + ".prefer_server_cipher_suites") {
        // The server always prefers its own cipher order (civetweb sets it).
        if (!Bool(value, key)) Fail(value, key, "false is not supported");
      } else {
        Reject(entry.first, key);
      }
    }
    // As in exporter-toolkit: a section naming none of these leaves TLS off.
    if (tls.cert_file.empty() && tls.key_file.empty() && tls.client_ca_file.empty() &&
        !client_auth_set) {
      return std::nullopt;
    }
    if (tls.cert_file.empty()) Fail(section, name + ".cert_file", "is required for TLS");
    if (tls.key_file.empty()) Fail(section, name + ".key_file", "is required for TLS");
    const bool verifies = tls.client_auth == ClientAuthType::kVerifyClientCertIfGiven ||
                          tls.client_auth == ClientAuthType::kRequireAndVerifyClientCert;
    if (verifies && tls.client_ca_file.empty()) {
      Fail(section, name + ".client_ca_file",
           std::string("is required with client_auth_type ") + ClientAuthTypeName(tls.client_auth));
    }
    if (tls.client_auth == ClientAuthType::kNoClientCert && !tls.client_ca_file.empty()) {
      Fail(section, name + ".client_ca_file",
           "is set but client_auth_type is NoClientCert; set client_auth_type to "
           "RequireAndVerifyClientCert to verify client certificates");
    }
    if (tls.min_version > tls.max_version) {
      Fail(section, name + ".min_version", "is above max_version");
    }
    return tls;
  }

  std::vector<std::pair<std::string, std::string>> ParseHttp(const YAML::Node& section) const {
    const std::string name = "http_server_config";
    std::vector<std::pair<std::string, std::string>> headers;
    if (!IsMapOrNull(section, name)) return headers;
    for (const auto& entry : section) {
      const std::string key = KeyOf(entry.first, name);
      if (key == name + ".http2") {
        Bool(entry.second, key);  // accepted for compatibility; the server speaks HTTP/1.1
      } else if (key == name + ".headers") {
        if (!IsMapOrNull(entry.second, key)) continue;
        for (const auto& header : entry.second) {
          AddHeader(KeyOf(header.first, key), header.first.Scalar(), header.second, &headers);
        }
      } else {
        Reject(entry.first, key);
      }
    }
    return headers;
  }

  void AddHeader(const std::string& key, const std::string& header, const YAML::Node& node,
                 std::vector<std::pair<std::string, std::string>>* headers) const {
    const std::string value = String(node, key);
    for (const HeaderRule& rule : HeaderRules()) {
      if (header != rule.name) continue;
      if (value.empty()) return;  // blank means unset
      for (char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          Fail(node, key, "must not contain control characters");
        }
      }
      if (!rule.allowed.empty() &&
          std::find(rule.allowed.begin(), rule.allowed.end(), value) == rule.allowed.end()) {
        std::string allowed;
        for (const std::string& option : rule.allowed) {
          allowed += (allowed.empty() ? "" : ", ") + option;
        }
        Fail(node, key, "\"" + value + "\" is not one of " + allowed);
      }
      headers->emplace_back(header, value);
      return;
    }
    Fail(node, key,
         "cannot be set; allowed headers are Content-Security-Policy, X-Frame-Options, "
         "X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security");
  }

  std::map<std::string, std::string> ParseUsers(const YAML::Node& section) const {
    const std::string name = "basic_auth_users";
    std::map<std::string, std::string> users;
    if (!IsMapOrNull(section, name)) return users;
    for (const auto& entry : section) {
      const std::string user = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const std::string key = name + ".\"" + user + "\"";
      if (user.empty()) Fail(entry.first, name, "user names must be non-empty strings");
      for (char c : user) {
        if (c == ':' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          Fail(entry.first, key, "a user name cannot hold ':' or control characters");
        }
      }
      // The hash itself is never echoed: it is as sensitive as the file says it is.
      const std::string hash = String(entry.second, key);
      if (!IsBcryptHash(hash)) {
        Fail(entry.second, key,
             "is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters); make one "
             "with: htpasswd -nBC 10 \"\" | tr -d ':\\n'");
      }
      if (!users.emplace(user, hash).second) Fail(entry.first, key, "is listed twice");
    }
    return users;
  }

  std::string file_;
  std::filesystem::path folder_;
};

}  // namespace

const char* ClientAuthTypeName(ClientAuthType type) {
  switch (type) {
    case ClientAuthType::kNoClientCert:
      return "NoClientCert";
    case ClientAuthType::kRequestClientCert:
      return "RequestClientCert";
    case ClientAuthType::kRequireAnyClientCert:
      return "RequireAnyClientCert";
    case ClientAuthType::kVerifyClientCertIfGiven:
      return "VerifyClientCertIfGiven";
    case ClientAuthType::kRequireAndVerifyClientCert:
      return "RequireAndVerifyClientCert";
  }
  return "unknown";
}

const char* TlsVersionName(TlsVersion version) {
  return version == TlsVersion::kTls13 ? "TLS13" : "TLS12";
}

WebConfig ParseWebConfig(const std::string& yaml, const std::string& file) {
  return Parser(file).Parse(yaml);
}

WebConfig LoadWebConfig(const std::string& file) {
  std::string text;
  if (const std::string error = ReadWholeFile(file, kMaxSmallFileBytes, &text); !error.empty()) {
    throw ConfigError("web config file \"" + file + "\": cannot be read: " + error);
  }
  WebConfig config = ParseWebConfig(text, file);
  if (config.tls) CheckTlsServerConfig(*config.tls, file);
  return config;
}

std::string DescribeWebConfig(const WebConfig& config) {
  std::string text = config.tls ? "tls=on" : "tls=off";
  if (config.tls) {
    text += std::string(" client_auth=") + ClientAuthTypeName(config.tls->client_auth) +
            " min_version=" + TlsVersionName(config.tls->min_version) +
            " max_version=" + TlsVersionName(config.tls->max_version);
  }
  text += " basic_auth_users=" + std::to_string(config.basic_auth_users.size());
  text += " headers=" + std::to_string(config.headers.size());
  return text;
}

}  // namespace kce
