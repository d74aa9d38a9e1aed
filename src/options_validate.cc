#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "kce/duration.h"
#include "kce/http_server.h"
#include "kce/label_selector.h"
#include "kce/options.h"

namespace kce {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kMaxPageSize = 10000;
constexpr const char* kPathCharacters =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~";
constexpr std::uint64_t kMinBodyBytes = 1ULL << 20;
constexpr std::uint64_t kMaxBodyBytes = 16ULL << 30;

// "poll_interval (--poll-interval)", from the option reference so flags never drift.
std::string Label(std::string_view field) {
  static const std::vector<OptionDoc> docs = OptionDocs();
  for (const OptionDoc& doc : docs) {
    if (doc.field == field) return doc.field + " (" + doc.flag + ")";
  }
  return std::string(field);
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// RFC 1123 label, as Kubernetes requires for namespace names.
bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) {
    return false;
  }
  for (const char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!IsDnsLabel(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Kubernetes qualified name (label and taint keys): [prefix/]name, name at most 63 characters
// of alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
bool IsQualifiedName(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (!IsDnsSubdomain(s.substr(0, slash))) return false;
    s = s.substr(slash + 1);
  }
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (const char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// True when a "/"-separated path (after its leading "/") has a segment that is ".", ".." or empty
// (a trailing "/" aside).
bool HasEmptyOrDotSegment(std::string_view path) {
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    if ((segment.empty() && slash < path.size()) || segment == "." || segment == "..") return true;
    start = slash + 1;
  }
  return false;
}

// Returns a problem with a host:port address, or "".
std::string CheckListenAddress(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return "expected host:port such as \":10490\"";
  const std::string host(address.data(), colon);
  const std::string_view port(address.data() + colon + 1, address.size() - colon - 1);
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (host.find(':') != std::string::npos && !bracketed) {
    return "an IPv6 host must be in brackets, as in \"[::1]:10490\"";
  }
  if (bracketed && !HttpServerSupportsIpv6()) {
    return "this build's HTTP server (civetweb) has no IPv6 support; listen on an IPv4 address "
           "or on every interface (\":PORT\")";
  }
  if (host.find_first_not_of("0123456789.") == std::string::npos && !host.empty()) {
    in_addr parsed{};
    if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) return "the host is not an IPv4 address";
  }
  for (const char c : host) {
    if (c == ' ' || c == '/' || static_cast<unsigned char>(c) < 0x20) {
      return "the host has a character that no host name has";
    }
  }
  int value = -1;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return "the port must be a number from 0 to 65535";
  }
  return "";
}

std::string CheckNamespaces(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!IsDnsLabel(name)) {
      return "\"" + name +
             "\" is not a valid namespace name (lowercase letters, digits and '-', at most 63, "
             "starting and ending with a letter or digit)";
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> Validate(const Options& options) {
  std::vector<std::string> problems;
  auto add = [&problems](std::string_view field, const std::string& problem) {
    if (!problem.empty()) problems.push_back(Label(field) + ": " + problem);
  };

  if (std::string problem = CheckListenAddress(options.listen_address); !problem.empty()) {
    add("listen_address", problem + ", got \"" + options.listen_address + "\"");
  }

  const std::string& path = options.metrics_path;
  if (path.empty() || path.front() != '/') {
    add("metrics_path", "must start with \"/\", got \"" + path + "\"");
  } else if (path == "/" || path == "/healthz" || path == "/readyz") {
    add("metrics_path", "\"" + path + "\" is reserved for the landing page and health checks");
  } else if (path.find_first_not_of(kPathCharacters) != std::string::npos ||
             HasEmptyOrDotSegment(path)) {
    // civetweb reads other characters (* ? | $ and more) as a pattern that would match other
    // paths; a percent-encoded path, or one that requests have normalised away (".", ".."),
    // could never be asked for.
    add("metrics_path",
        "may hold only letters, digits, '/', '-', '.', '_' and '~', with no \".\", \"..\" or "
        "empty segment, got \"" +
            path + "\"");
  }

  if (options.poll_interval < seconds(1) || options.poll_interval > hours(24)) {
    add("poll_interval", "must be from 1s to 24h, got " + FormatDuration(options.poll_interval));
  }
  if (options.request_timeout <= milliseconds(0)) {
    add("request_timeout", "must be positive, got " + FormatDuration(options.request_timeout));
  } else if (options.request_timeout >= options.poll_interval) {
    add("request_timeout", "must be shorter than poll_interval (" +
                               FormatDuration(options.poll_interval) + "), got " +
                               FormatDuration(options.request_timeout));
  }

  if (options.page_size < 1 || options.page_size > kMaxPageSize) {
    add("page_size", "must be from 1 to " + std::to_string(kMaxPageSize) + ", got " +
                         std::to_string(options.page_size));
  }
  if (options.service_account_dir.empty()) add("service_account_dir", "must not be empty");

  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(std::begin(kLevels), std::end(kLevels), options.log_level) == std::end(kLevels)) {
    add("log_level",
        "must be one of trace, debug, info, warn, error, off, got \"" + options.log_level + "\"");
  }
  if (options.log_format != "text" && options.log_format != "json") {
    add("log_format", "must be \"text\" or \"json\", got \"" + options.log_format + "\"");
  }

  for (const char c : options.node_selector) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      add("node_selector", "must not contain control characters");
      break;
    }
  }
  // The API server reads the selector itself; a snapshot file needs the exporter to.
  if (!options.snapshot_file.empty()) {
    std::string error;
    if (!LabelSelector::Parse(options.node_selector, &error)) add("node_selector", error);
  }

  if (!options.include_namespaces.empty() && !options.exclude_namespaces.empty()) {
    add("include_namespaces", "cannot be combined with exclude_namespaces (--exclude-namespaces)");
  }
  add("include_namespaces", CheckNamespaces(options.include_namespaces));
  add("exclude_namespaces", CheckNamespaces(options.exclude_namespaces));
  for (const std::string& key : options.tolerated_taints) {
    if (!IsQualifiedName(key)) {
      add("tolerated_taints", "\"" + key + "\" is not a valid taint key ([prefix/]name)");
    }
  }

  if (!options.snapshot_file.empty()) {
    std::error_code ec;
    const auto status = std::filesystem::status(options.snapshot_file, ec);
    const std::string quoted = "\"" + options.snapshot_file + "\"";
    if (status.type() == std::filesystem::file_type::not_found) {
      add("snapshot_file", quoted + " does not exist");
    } else if (ec) {
      add("snapshot_file", quoted + " cannot be examined: " + ec.message());
    } else if (status.type() == std::filesystem::file_type::directory) {
      add("snapshot_file", quoted + " is a directory");
    }
  }

  if (!options.web_config_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.web_config_file, ec)) {
      add("web_config_file", "\"" + options.web_config_file + "\" is not an existing file");
    }
  }

  if (options.max_body_bytes < kMinBodyBytes || options.max_body_bytes > kMaxBodyBytes) {
    add("max_body_bytes",
        "must be from 1MiB to 16GiB, got " + std::to_string(options.max_body_bytes));
  }
  return problems;
}

}  // namespace kce
