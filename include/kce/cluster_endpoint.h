#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kce {

/// Where the API server is and how to authenticate to it: the resolved form of a kubeconfig
/// context or of the in-cluster service account. Holds secrets (token, key): never log it;
/// log `description` instead.
struct ClusterEndpoint {
  /// Base URL without a trailing slash, e.g. "https://10.96.0.1:443" or
  /// "https://rancher.example/k8s/clusters/c-1" (a path prefix is kept).
  std::string server;
  /// PEM certificates trusted for the server. Empty: the system trust store.
  std::string ca_pem;
  /// Skip server certificate verification (never together with ca_pem).
  bool insecure_skip_tls_verify = false;
  /// Name to verify the server certificate against (and send as SNI) instead of the URL host.
  std::string tls_server_name;
  /// Client certificate chain and its private key, both PEM; both set or both empty.
  std::string client_cert_pem;
  std::string client_key_pem;
  /// Static bearer token; empty when none or when token_file is set.
  std::string token;
  /// Absolute path of a bearer token file that is re-read while running (wins over token).
  std::string token_file;
  /// Where this came from and what it uses, for logs; holds no secret. E.g.
  /// "kubeconfig /home/u/.kube/config context=kind cluster=kind user=kind
  /// server=https://127.0.0.1:6443 auth=client-certificate".
  std::string description;
};

/// True when `token` is non-empty and holds only visible ASCII characters, so it can go into
/// an `Authorization: Bearer` header as it is (no spaces, tabs, line breaks or control bytes).
bool IsValidBearerToken(std::string_view token);

/// Looks up an environment variable by name; std::nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// EnvLookup over the process environment (getenv).
std::optional<std::string> ProcessEnv(const std::string& name);

/// Where Kubernetes mounts the service account token and CA into a pod.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/// In-cluster access: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an IPv6
/// host gets brackets), CA `<dir>/ca.crt`, bearer token file `<dir>/token`.
/// Throws ConfigError when either variable is unset or a file cannot be read.
ClusterEndpoint LoadInCluster(const std::string& service_account_dir, const EnvLookup& env);

/// Reads kubeconfig files as kubectl does: `path` when not empty, else every file in
/// $KUBECONFIG (':'-separated; missing files are skipped), else ~/.kube/config. Several files
/// merge: the first file that defines a cluster, user or context name wins, and the first
/// non-empty current-context wins. Uses `context` when not empty, else current-context.
///
/// Supported: cluster server, certificate-authority (relative to the file's folder),
/// certificate-authority-data (wins over the path), insecure-skip-tls-verify, tls-server-name;
/// user token, tokenFile (wins over token), client-certificate(-data), client-key(-data).
/// Throws ConfigError naming the field, the entry and the file for invalid YAML, a missing
/// context, cluster or user, an unreadable referenced file, a CA together with
/// insecure-skip-tls-verify, or a present but unsupported field (exec, auth-provider,
/// username, password, impersonation, proxy-url).
ClusterEndpoint LoadKubeconfig(const std::string& path, const std::string& context,
                               const EnvLookup& env);

/// Chooses like client-go's deferred loading: an explicit `kubeconfig` path, else $KUBECONFIG,
/// else in-cluster when KUBERNETES_SERVICE_HOST is set and no `context` was asked for, else
/// ~/.kube/config. Throws ConfigError as the loader it picks.
ClusterEndpoint LoadClusterEndpoint(const std::string& kubeconfig, const std::string& context,
                                    const EnvLookup& env,
                                    const std::string& service_account_dir = kServiceAccountDir);

}  // namespace kce
