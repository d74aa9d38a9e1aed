#include "option_fields.h"

#include <charconv>
#include <sstream>

#include "kce/byte_size.h"
#include "kce/duration.h"

namespace kce::detail {

const std::vector<Field>& Fields() {
  static const std::vector<Field> kFields = {
      {"listen_address", "--listen-address", "", true, &Options::listen_address,
       "Address (host:port) the HTTP server listens on; an empty host means all interfaces."},
      {"metrics_path", "--metrics-path", "", true, &Options::metrics_path,
       "HTTP path that serves the metrics."},
      {"poll_interval", "--poll-interval", "", true, &Options::poll_interval,
       "Time between two polls of the API server."},
      {"request_timeout", "--request-timeout", "", true, &Options::request_timeout,
       "Time limit of one request to the API server; must be shorter than the poll interval."},
      {"page_size", "--page-size", "", true, &Options::page_size,
       "Objects asked for per page of a LIST request (1 to 10000)."},
      {"kubeconfig", "--kubeconfig", "", true, &Options::kubeconfig,
       "kubeconfig file; empty means $KUBECONFIG, then the in-cluster service account, then "
       "~/.kube/config."},
      {"context", "--context", "", true, &Options::context,
       "kubeconfig context to use; empty means the file's current-context."},
      {"service_account_dir", "--service-account-dir", "", true, &Options::service_account_dir,
       "Folder holding the in-cluster service account token and CA certificate."},
      {"log_level", "--log-level", "", true, &Options::log_level,
       "Lowest level logged: trace, debug, info, warn, error or off."},
      {"log_format", "--log-format", "", true, &Options::log_format,
       "Log line format: text or json."},
      {"node_selector", "--node-selector", "", true, &Options::node_selector,
       "Label selector the API server applies when listing nodes; empty means all nodes."},
      {"include_namespaces", "--include-namespaces", "", true, &Options::include_namespaces,
       "Namespaces that get per-namespace series (comma-separated or repeated); empty means "
       "all; node and cluster totals always count every pod."},
      {"exclude_namespaces", "--exclude-namespaces", "", true, &Options::exclude_namespaces,
       "Namespaces that get no per-namespace series (comma-separated or repeated); not "
       "together with include_namespaces."},
      {"tolerated_taints", "--tolerated-taints", "", true, &Options::tolerated_taints,
       "Taint keys that do not make a node unusable (comma-separated or repeated)."},
      {"snapshot_file", "--snapshot", "", true, &Options::snapshot_file,
       "Recorded cluster snapshot to read instead of the API server; empty means use the API "
       "server."},
      {"once", "--once", "", true, &Options::once,
       "Poll once, print the metrics to stdout and exit."},
      {"check_config", "--check-config", "", false, &Options::check_config,
       "Validate the configuration, print it and exit with 0 when valid or 2 when not."},
      {"config_file", "--config", "", false, &Options::config_file,
       "YAML configuration file; flags override its values."},
      {"web_config_file", "--web-config-file", "--web.config.file", true, &Options::web_config_file,
       "Web configuration file: TLS, client certificates and basic auth users of the HTTP "
       "server (docs/web-config.md); empty means plain HTTP for anyone."},
      {"max_body_bytes", "--max-body-bytes", "", true, &Options::max_body_bytes,
       "Largest API server response body or snapshot file accepted, in bytes (Ki, Mi and Gi "
       "suffixes allowed)."},
  };
  return kFields;
}

std::string TypeName(const Member& member) {
  static constexpr std::string_view kNames[] = {"string", "duration", "integer",
                                                "bytes",  "bool",     "list"};
  return std::string(kNames[member.index()]);
}

std::string KebabCase(std::string_view snake) {
  std::string out(snake);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

std::string FormatValue(const Options& options, const Member& member) {
  struct Visitor {
    const Options& o;
    std::string operator()(std::string Options::*m) const { return o.*m; }
    std::string operator()(std::chrono::milliseconds Options::*m) const {
      return FormatDuration(o.*m);
    }
    std::string operator()(int Options::*m) const { return std::to_string(o.*m); }
    std::string operator()(std::uint64_t Options::*m) const { return FormatByteSize(o.*m); }
    std::string operator()(bool Options::*m) const { return o.*m ? "true" : "false"; }
    std::string operator()(std::vector<std::string> Options::*m) const {
      std::string joined;
      for (const std::string& item : o.*m) {
        if (!joined.empty()) joined += ',';
        joined += item;
      }
      return joined;
    }
  };
  return std::visit(Visitor{options}, member);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const auto begin = item.find_first_not_of(" \t");
    if (begin == std::string::npos) continue;
    const auto end = item.find_last_not_of(" \t");
    items.push_back(item.substr(begin, end - begin + 1));
  }
  return items;
}

std::string SetFromText(Options* options, const Field& field, const std::string& text) {
  struct Visitor {
    Options* o;
    const std::string& text;
    std::string operator()(std::string Options::*m) const {
      o->*m = text;
      return "";
    }
    std::string operator()(std::chrono::milliseconds Options::*m) const {
      const DurationParse parsed = ParseDuration(text);
      if (!parsed.ok()) return parsed.error;
      const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(parsed.value);
      if (millis != parsed.value) {
        return "duration \"" + text + "\" is finer than the 1ms resolution";
      }
      o->*m = millis;
      return "";
    }
    std::string operator()(int Options::*m) const {
      int value = 0;
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (text.empty() || ec != std::errc() || ptr != end) {
        return "expected an integer, got \"" + text + "\"";
      }
      o->*m = value;
      return "";
    }
    std::string operator()(std::uint64_t Options::*m) const {
      std::string error;
      return ParseByteSize(text, &(o->*m), &error) ? "" : error;
    }
    std::string operator()(bool Options::*m) const {
      if (text == "true" || text == "True" || text == "TRUE") {
        o->*m = true;
      } else if (text == "false" || text == "False" || text == "FALSE") {
        o->*m = false;
      } else {
        return "expected true or false, got \"" + text + "\"";
      }
      return "";
    }
    std::string operator()(std::vector<std::string> Options::*m) const {
      o->*m = SplitList(text);
      return "";
    }
  };
  return std::visit(Visitor{options, text}, field.member);
}

}  // namespace kce::detail
