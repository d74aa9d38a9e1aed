#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kce/byte_size.h"

namespace kce {

/// Every setting of the exporter, with its default. Filled by LoadOptions from defaults, then
/// the YAML file named by --config, then command-line flags (a flag wins over the file; a list
/// flag replaces the file's list, it does not add to it). Holds no secrets, and must not: it is
/// logged whole at start-up by DescribeOptions.
struct Options {
  /// host:port the HTTP server binds; an empty host means all interfaces, port 0 any free port.
  std::string listen_address = ":10490";
  /// Path that serves the Prometheus exposition.
  std::string metrics_path = "/metrics";
  /// Time between two polls of the API server.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(30)};
  /// Time limit of one HTTP request to the API server (one page of a LIST).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  /// `limit` of each paginated LIST request.
  int page_size = 500;
  /// kubeconfig file; empty means $KUBECONFIG, then in-cluster, then ~/.kube/config.
  std::string kubeconfig;
  /// kubeconfig context; empty means its current-context.
  std::string context;
  /// Folder holding the in-cluster token, ca.crt and namespace files.
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  /// One of trace, debug, info, warn, error, off.
  std::string log_level = "info";
  /// "text" or "json".
  std::string log_format = "text";
  /// Label selector passed to the API server when listing nodes; empty means all nodes.
  std::string node_selector;
  /// Namespaces that get per-namespace series; empty means all. Node and cluster totals always
  /// count every pod, because the scheduler does.
  std::vector<std::string> include_namespaces;
  /// Namespaces that get no per-namespace series. Not together with include_namespaces.
  std::vector<std::string> exclude_namespaces;
  /// Taint keys that do not make a node unusable.
  std::vector<std::string> tolerated_taints;
  /// Recorded cluster snapshot (node and pod lists) to read instead of the API server; empty
  /// means use the API server.
  std::string snapshot_file;
  /// Poll once, print the exposition to stdout and exit instead of serving.
  bool once = false;
  /// Load and validate the configuration, print it and exit: 0 when valid, 2 when not.
  bool check_config = false;
  /// YAML configuration file; empty means none.
  std::string config_file;
  /// Web configuration file (TLS, client certificates, basic auth) of the HTTP server; empty
  /// means plain HTTP for anyone.
  std::string web_config_file;
  /// Largest API server response body or snapshot file read, in bytes.
  std::uint64_t max_body_bytes = 256ULL * 1024 * 1024;
};

/// One row of the configuration reference: the README's table is checked against these.
struct OptionDoc {
  std::string field;                      // Options member, e.g. "poll_interval"
  std::string flag;                       // e.g. "--poll-interval"
  std::vector<std::string> flag_aliases;  // further flag spellings, e.g. "--web.config.file"
  std::string yaml_key;      // snake_case key, e.g. "poll_interval"; empty when flag-only
  std::string type;          // string, duration, integer, bytes, bool or list
  std::string default_text;  // the default as a user writes it, e.g. "30s"; "" for empty
  std::string description;   // one sentence ending in a period
};

/// What LoadOptions produced. When `exit_now` is set (--help or --version) main prints `output`
/// to stdout and exits 0 without starting.
struct LoadedOptions {
  Options options;
  bool exit_now = false;
  std::string output;
};

/// The exit code for a configuration error (bad flag, bad file, value out of range).
int ExitCodeForConfigError();

/// Builds the Options from defaults, the YAML file named by --config and the flags, in that
/// order of precedence (flags win). YAML keys are snake_case (`poll_interval`); the kebab-case
/// spelling of the flag (`poll-interval`) is accepted as well, but not both for one option.
/// Durations take Go syntax ("30s", "1m30s", "500ms") in flags and YAML; byte sizes take an
/// integer with an optional Ki, Mi or Gi suffix (a trailing B is allowed). Does not call
/// Validate. argv[0] is the program name. Throws ConfigError naming the flag or the file and
/// key for an unknown flag or key, a malformed value, a wrong YAML type or an unreadable file.
LoadedOptions LoadOptions(int argc, const char* const* argv);

/// Checks ranges and combinations, returning one message per problem (empty when valid). Each
/// message starts with the YAML key and the flag, e.g. "poll_interval (--poll-interval): ...".
/// Rules: listen_address is host:port with port 0..65535, a numeric host a valid IPv4 address
/// (IPv6 hosts in brackets, and only when the HTTP server supports IPv6); metrics_path starts
/// with "/", holds only letters, digits and "/-._~", has no ".", ".." or empty segment (a
/// trailing "/" aside), and is not "/", "/healthz" or "/readyz"; poll_interval is 1s..24h;
/// request_timeout is > 0 and < poll_interval; page_size is 1..10000; log_level and log_format
/// are known values; service_account_dir is not empty; include_namespaces and
/// exclude_namespaces are not both set and hold DNS labels (RFC 1123, at most 63 characters);
/// tolerated_taints hold Kubernetes qualified names (optional DNS subdomain prefix and '/');
/// node_selector has no control characters (and, with a snapshot file, parses as a label
/// selector); snapshot_file, when set, exists and is not a directory; web_config_file, when
/// set, is an existing regular file; max_body_bytes is 1MiB..16GiB. Reads the file system for
/// those two files only. Never throws.
std::vector<std::string> Validate(const Options& options);

/// Calls Validate and throws ConfigError holding all its messages, one per line, when any.
void ValidateOrThrow(const Options& options);

/// One line of space-separated key=value pairs (YAML keys) for the start-up log, e.g.
/// "listen_address=:10490 metrics_path=/metrics poll_interval=30s ...". Values with spaces,
/// quotes, '=' or control characters are double-quoted and escaped. Never throws except
/// std::bad_alloc.
std::string DescribeOptions(const Options& options);

/// The reference for every Options field, in declaration order. Defaults are rendered from a
/// default-constructed Options, so they cannot drift from the code.
std::vector<OptionDoc> OptionDocs();

}  // namespace kce
