#include "kce/cluster_endpoint.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "kce/config_error.h"
#include "kce/read_file.h"

namespace kce {
namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

// Reads a whole file; `what` starts the error message, e.g. "kubeconfig" or
// `cluster "c" in kubeconfig /f: certificate-authority`.
std::string ReadFile(const std::string& path, const std::string& what) {
  std::string content;
  if (const std::string error = ReadWholeFile(path, kMaxSmallFileBytes, &content); !error.empty()) {
    throw ConfigError(what + ": cannot read " + path + ": " + error);
  }
  return content;
}

// Decodes standard base64 (RFC 4648), ignoring whitespace; padding is optional.
bool DecodeBase64(const std::string& text, std::string* out) {
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=') {
      ++padding;
      continue;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    } else {
      return false;
    }
    if (padding > 0) return false;  // data after '='
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return padding <= 2 && bits < 6;
}

// One named entry of clusters[], users[] or contexts[] and the file that defined it.
struct Entry {
  YAML::Node body;
  std::string file;
};

struct MergedConfig {
  std::vector<std::string> files;
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
};

// Names the place of an error: `user "admin" in /path/config`.
std::string Where(const char* kind, const std::string& name, const std::string& file) {
  return std::string(kind) + " " + Quote(name) + " in kubeconfig " + file;
}

std::string GetString(const YAML::Node& map, const char* key, const std::string& where) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return "";
  if (!value.IsScalar()) throw ConfigError(where + ": field " + key + " must be a string");
  return value.Scalar();
}

bool GetBool(const YAML::Node& map, const char* key, const std::string& where) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return false;
  bool result = false;
  if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
    throw ConfigError(where + ": field " + key + " must be true or false");
  }
  return result;
}

bool IsPresent(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return false;
  return !(value.IsScalar() && value.Scalar().empty());
}

void AddEntries(const YAML::Node& root, const char* list, const char* body_key,
                const std::string& file, std::map<std::string, Entry>* into) {
  const YAML::Node entries = root[list];
  if (!entries || entries.IsNull()) return;
  if (!entries.IsSequence())
    throw ConfigError("kubeconfig " + file + ": " + list + " must be a list");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string where = "kubeconfig " + file + ": " + list + "[" + std::to_string(i) + "]";
    if (!entries[i].IsMap()) throw ConfigError(where + " must be a mapping");
    const std::string name = GetString(entries[i], "name", where);
    if (name.empty()) throw ConfigError(where + " has no name");
    const YAML::Node body = entries[i][body_key];
    if (body && !body.IsNull() && !body.IsMap()) {
      throw ConfigError(where + ": field " + body_key + " must be a mapping");
    }
    // The first file that defines a name wins, as in kubectl.
    into->emplace(name, Entry{body && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map), file});
  }
}

void MergeFile(const std::string& file, MergedConfig* config) {
  YAML::Node root;
  try {
    root = YAML::Load(ReadFile(file, "kubeconfig"));
  } catch (const YAML::Exception& e) {
    const std::string line = e.mark.is_null() ? "" : " at line " + std::to_string(e.mark.line + 1);
    throw ConfigError("kubeconfig " + file + ": invalid YAML" + line + ": " + e.msg);
  }
  config->files.push_back(file);
  if (root.IsNull()) return;  // an empty file is an empty config
  if (!root.IsMap()) throw ConfigError("kubeconfig " + file + ": top level must be a mapping");
  AddEntries(root, "clusters", "cluster", file, &config->clusters);
  AddEntries(root, "users", "user", file, &config->users);
  AddEntries(root, "contexts", "context", file, &config->contexts);
  if (config->current_context.empty()) {
    config->current_context = GetString(root, "current-context", "kubeconfig " + file);
  }
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t colon = text.find(':', start);
    const std::string part = text.substr(start, colon - start);
    if (!part.empty()) parts.push_back(part);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return parts;
}

std::string Resolve(const std::string& path, const std::string& kubeconfig_file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(kubeconfig_file).parent_path() / path).lexically_normal().string();
}

// Reads "<field>-data" (base64) when present, else the file named by "<field>"; "" if neither.
std::string ReadPemField(const Entry& entry, const std::string& field, const std::string& where,
                         const char* expected_marker) {
  std::string pem;
  const std::string data = GetString(entry.body, (field + "-data").c_str(), where);
  if (!data.empty()) {
    if (!DecodeBase64(data, &pem)) {
      throw ConfigError(where + ": field " + field + "-data is not valid base64");
    }
  } else {
    const std::string path = GetString(entry.body, field.c_str(), where);
    if (path.empty()) return "";
    pem = ReadFile(Resolve(path, entry.file), where + ": " + field);
  }
  if (pem.find(expected_marker) == std::string::npos) {
    throw ConfigError(where + ": " + field + (data.empty() ? "" : "-data") +
                      " does not hold PEM text with \"" + expected_marker + "\"");
  }
  return pem;
}

const Entry& Find(const std::map<std::string, Entry>& entries, const char* kind,
                  const std::string& name, const std::string& referrer) {
  auto it = entries.find(name);
  if (it == entries.end()) {
    throw ConfigError(referrer + " refers to " + kind + " " + Quote(name) +
                      ", which no kubeconfig file defines");
  }
  return it->second;
}

void ApplyCluster(const std::string& name, const Entry& entry, ClusterEndpoint* endpoint) {
  const std::string where = Where("cluster", name, entry.file);
  if (IsPresent(entry.body, "proxy-url")) {
    throw ConfigError(where +
                      " sets proxy-url, which is not supported; reach the API server "
                      "directly or through a transparent proxy");
  }
  std::string server = GetString(entry.body, "server", where);
  if (server.empty()) throw ConfigError(where + " has no server");
  const std::size_t scheme_end = server.find("://");
  const std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  if (server.substr(0, server.find_first_of("/?#", authority)).find('@', authority) !=
      std::string::npos) {
    // Never echo this URL: the part before '@' is a user name and perhaps a password.
    throw ConfigError(where +
                      ": server carries user information (user@ or user:password@), which is "
                      "not supported; use token, tokenFile or a client certificate");
  }
  const std::string scheme = scheme_end == std::string::npos ? "" : server.substr(0, scheme_end);
  if ((scheme != "https" && scheme != "http") || authority >= server.size() ||
      server[authority] == '/') {
    throw ConfigError(where + ": server " + Quote(server) + " is not an https:// URL with a host");
  }
  while (server.back() == '/') server.pop_back();
  endpoint->server = server;
  endpoint->tls_server_name = GetString(entry.body, "tls-server-name", where);
  endpoint->insecure_skip_tls_verify = GetBool(entry.body, "insecure-skip-tls-verify", where);
  endpoint->ca_pem = ReadPemField(entry, "certificate-authority", where, "-----BEGIN CERTIFICATE");
  if (endpoint->insecure_skip_tls_verify && !endpoint->ca_pem.empty()) {
    throw ConfigError(where +
                      " sets both insecure-skip-tls-verify and a certificate authority; "
                      "remove one of them");
  }
}

// Returns a short label of the authentication used, for the description.
std::string ApplyUser(const std::string& name, const Entry& entry, ClusterEndpoint* endpoint) {
  const std::string where = Where("user", name, entry.file);
  for (const char* field : {"exec", "auth-provider", "username", "password", "as", "as-uid",
                            "as-groups", "as-user-extra"}) {
    if (IsPresent(entry.body, field)) {
      throw ConfigError(where + " uses " + field +
                        ", which is not supported; use token, tokenFile or a client certificate");
    }
  }
  endpoint->client_cert_pem =
      ReadPemField(entry, "client-certificate", where, "-----BEGIN CERTIFICATE");
  endpoint->client_key_pem = ReadPemField(entry, "client-key", where, "PRIVATE KEY-----");
  if (endpoint->client_cert_pem.empty() != endpoint->client_key_pem.empty()) {
    throw ConfigError(where +
                      " sets only one of client-certificate and client-key; "
                      "both are needed");
  }
  const std::string token_file = GetString(entry.body, "tokenFile", where);
  if (!token_file.empty()) {
    endpoint->token_file = fs::absolute(Resolve(token_file, entry.file)).string();
    ReadFile(endpoint->token_file, where + ": tokenFile");
  } else {
    endpoint->token = GetString(entry.body, "token", where);
    if (!endpoint->token.empty() && !IsValidBearerToken(endpoint->token)) {
      throw ConfigError(where +
                        ": field token holds characters a bearer token cannot have (spaces or "
                        "control bytes)");
    }
  }

  std::string auth;
  if (!endpoint->client_cert_pem.empty()) auth = "client-certificate";
  if (!endpoint->token_file.empty() || !endpoint->token.empty()) {
    if (!auth.empty()) auth += "+";
    auth += endpoint->token_file.empty() ? "token" : "token-file";
  }
  return auth.empty() ? "none" : auth;
}

}  // namespace

bool IsValidBearerToken(std::string_view token) {
  if (token.empty()) return false;
  for (const char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ClusterEndpoint LoadInCluster(const std::string& service_account_dir, const EnvLookup& env) {
  const std::string host = env("KUBERNETES_SERVICE_HOST").value_or("");
  const std::string port = env("KUBERNETES_SERVICE_PORT").value_or("");
  if (host.empty() || port.empty()) {
    throw ConfigError(
        "in-cluster config needs KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT, which are not set (not running in a pod?)");
  }
  const bool bare_ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  ClusterEndpoint endpoint;
  endpoint.server = "https://" + (bare_ipv6 ? "[" + host + "]" : host) + ":" + port;
  const std::string dir = fs::path(service_account_dir).lexically_normal().string();
  endpoint.ca_pem = ReadFile((fs::path(dir) / "ca.crt").string(), "in-cluster config: CA");
  endpoint.token_file = (fs::path(dir) / "token").string();
  ReadFile(endpoint.token_file, "in-cluster config: token");
  endpoint.description = "in-cluster server=" + endpoint.server + " service-account-dir=" + dir;
  return endpoint;
}

ClusterEndpoint LoadKubeconfig(const std::string& path, const std::string& context,
                               const EnvLookup& env) {
  MergedConfig config;
  std::string source;
  if (!path.empty()) {
    MergeFile(path, &config);
    source = path;
  } else if (const auto list = env("KUBECONFIG"); list && !list->empty()) {
    for (const std::string& file : SplitList(*list)) {
      // kubectl skips missing files in KUBECONFIG.
      std::error_code ignored;
      if (fs::exists(file, ignored)) MergeFile(file, &config);
    }
    if (config.files.empty()) {
      throw ConfigError("none of the files in KUBECONFIG=" + *list + " exists");
    }
    source = *list;
  } else {
    const std::string home = env("HOME").value_or("");
    if (home.empty()) {
      throw ConfigError(
          "no kubeconfig: pass --kubeconfig or set KUBECONFIG (HOME is not set, "
          "so ~/.kube/config cannot be found)");
    }
    source = (fs::path(home) / ".kube" / "config").string();
    MergeFile(source, &config);
  }

  const std::string context_name = context.empty() ? config.current_context : context;
  if (context_name.empty()) {
    throw ConfigError("kubeconfig " + source + " has no current-context; pass --context");
  }
  const Entry& context_entry =
      Find(config.contexts, "context", context_name, "the selected context in " + source);
  const std::string context_where = Where("context", context_name, context_entry.file);
  const std::string cluster_name = GetString(context_entry.body, "cluster", context_where);
  if (cluster_name.empty()) throw ConfigError(context_where + " names no cluster");
  const std::string user_name = GetString(context_entry.body, "user", context_where);

  ClusterEndpoint endpoint;
  ApplyCluster(cluster_name, Find(config.clusters, "cluster", cluster_name, context_where),
               &endpoint);
  std::string auth = "none";
  if (!user_name.empty()) {
    auth = ApplyUser(user_name, Find(config.users, "user", user_name, context_where), &endpoint);
  }
  endpoint.description = "kubeconfig " + source + " context=" + context_name +
                         " cluster=" + cluster_name + " user=" + user_name +
                         " server=" + endpoint.server + " auth=" + auth;
  if (endpoint.insecure_skip_tls_verify) endpoint.description += " insecure-skip-tls-verify";
  if (!endpoint.tls_server_name.empty()) {
    endpoint.description += " tls-server-name=" + endpoint.tls_server_name;
  }
  return endpoint;
}

ClusterEndpoint LoadClusterEndpoint(const std::string& kubeconfig, const std::string& context,
                                    const EnvLookup& env, const std::string& service_account_dir) {
  const bool have_kubeconfig_env = env("KUBECONFIG").value_or("") != "";
  const bool in_cluster = env("KUBERNETES_SERVICE_HOST").value_or("") != "";
  if (kubeconfig.empty() && !have_kubeconfig_env && in_cluster && context.empty()) {
    return LoadInCluster(service_account_dir, env);
  }
  return LoadKubeconfig(kubeconfig, context, env);
}

}  // namespace kce
