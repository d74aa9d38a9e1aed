#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "kce/config_error.h"
#include "kce/http_server.h"
#include "kce/options.h"

namespace kce {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Case {
  std::string name;
  std::function<void(Options&)> change;
  std::string key;  // "yaml_key (--flag)" that the only message must start with
};

TEST(ValidateTest, EachFailureNamesItsKey) {
  const Case kCases[] = {
      {"no port", [](Options& o) { o.listen_address = "10490"; },
       "listen_address (--listen-address)"},
      {"port too big", [](Options& o) { o.listen_address = ":65536"; },
       "listen_address (--listen-address)"},
      {"port not a number", [](Options& o) { o.listen_address = "host:http"; },
       "listen_address (--listen-address)"},
      {"bare ipv6", [](Options& o) { o.listen_address = "::1:80"; },
       "listen_address (--listen-address)"},
      {"relative path", [](Options& o) { o.metrics_path = "metrics"; },
       "metrics_path (--metrics-path)"},
      {"root path", [](Options& o) { o.metrics_path = "/"; }, "metrics_path (--metrics-path)"},
      {"healthz path", [](Options& o) { o.metrics_path = "/healthz"; },
       "metrics_path (--metrics-path)"},
      {"readyz path", [](Options& o) { o.metrics_path = "/readyz"; },
       "metrics_path (--metrics-path)"},
      {"query in path", [](Options& o) { o.metrics_path = "/m?x=1"; },
       "metrics_path (--metrics-path)"},
      // civetweb patterns: each would also answer on other paths, "/**" on /healthz.
      {"glob path", [](Options& o) { o.metrics_path = "/**"; }, "metrics_path (--metrics-path)"},
      {"star path", [](Options& o) { o.metrics_path = "/m*"; }, "metrics_path (--metrics-path)"},
      {"alternative path", [](Options& o) { o.metrics_path = "/a|/b"; },
       "metrics_path (--metrics-path)"},
      {"anchored path", [](Options& o) { o.metrics_path = "/m$"; },
       "metrics_path (--metrics-path)"},
      {"encoded path", [](Options& o) { o.metrics_path = "/metrics%20x"; },
       "metrics_path (--metrics-path)"},
      {"empty segment", [](Options& o) { o.metrics_path = "//metrics"; },
       "metrics_path (--metrics-path)"},
      {"bad ipv4", [](Options& o) { o.listen_address = "256.1.1.1:80"; },
       "listen_address (--listen-address)"},
      {"short ipv4", [](Options& o) { o.listen_address = "127.1:80"; },
       "listen_address (--listen-address)"},
      {"missing snapshot", [](Options& o) { o.snapshot_file = "/nonexistent/cluster.json"; },
       "snapshot_file (--snapshot)"},
      {"selector a snapshot cannot apply",
       [](Options& o) {
         o.snapshot_file = std::string(KCE_SOURCE_DIR) + "/examples/cluster.json";
         o.node_selector = "env in (a,b";
       },
       "node_selector (--node-selector)"},
      {"snapshot is a dir", [](Options& o) { o.snapshot_file = "/"; },
       "snapshot_file (--snapshot)"},
      {"dot segment", [](Options& o) { o.metrics_path = "/a/../metrics"; },
       "metrics_path (--metrics-path)"},
      {"dot segment at the end", [](Options& o) { o.metrics_path = "/metrics/."; },
       "metrics_path (--metrics-path)"},
      {"empty segment inside", [](Options& o) { o.metrics_path = "/a//metrics"; },
       "metrics_path (--metrics-path)"},
      {"short poll",
       [](Options& o) {
         o.poll_interval = milliseconds(999);
         o.request_timeout = milliseconds(500);
       },
       "poll_interval (--poll-interval)"},
      {"long poll", [](Options& o) { o.poll_interval = std::chrono::hours(25); },
       "poll_interval (--poll-interval)"},
      {"zero timeout", [](Options& o) { o.request_timeout = milliseconds(0); },
       "request_timeout (--request-timeout)"},
      {"timeout equals poll", [](Options& o) { o.request_timeout = o.poll_interval; },
       "request_timeout (--request-timeout)"},
      {"page size 0", [](Options& o) { o.page_size = 0; }, "page_size (--page-size)"},
      {"page size 10001", [](Options& o) { o.page_size = 10001; }, "page_size (--page-size)"},
      {"empty sa dir", [](Options& o) { o.service_account_dir = ""; },
       "service_account_dir (--service-account-dir)"},
      {"log level", [](Options& o) { o.log_level = "verbose"; }, "log_level (--log-level)"},
      {"log level case", [](Options& o) { o.log_level = "INFO"; }, "log_level (--log-level)"},
      {"log format", [](Options& o) { o.log_format = "xml"; }, "log_format (--log-format)"},
      {"selector control char", [](Options& o) { o.node_selector = "a=b\n"; },
       "node_selector (--node-selector)"},
      {"include and exclude",
       [](Options& o) {
         o.include_namespaces = {"a"};
         o.exclude_namespaces = {"b"};
       },
       "include_namespaces (--include-namespaces)"},
      {"uppercase namespace", [](Options& o) { o.include_namespaces = {"Default"}; },
       "include_namespaces (--include-namespaces)"},
      {"namespace ends with dash", [](Options& o) { o.exclude_namespaces = {"ns-"}; },
       "exclude_namespaces (--exclude-namespaces)"},
      {"long namespace", [](Options& o) { o.exclude_namespaces = {std::string(64, 'a')}; },
       "exclude_namespaces (--exclude-namespaces)"},
      {"taint with space", [](Options& o) { o.tolerated_taints = {"bad key"}; },
       "tolerated_taints (--tolerated-taints)"},
      {"taint bad prefix", [](Options& o) { o.tolerated_taints = {"Example.com/x"}; },
       "tolerated_taints (--tolerated-taints)"},
      {"missing web config", [](Options& o) { o.web_config_file = "/nonexistent/web.yml"; },
       "web_config_file (--web-config-file)"},
      {"web config is a dir", [](Options& o) { o.web_config_file = "/"; },
       "web_config_file (--web-config-file)"},
      {"small body", [](Options& o) { o.max_body_bytes = 1000; },
       "max_body_bytes (--max-body-bytes)"},
      {"huge body", [](Options& o) { o.max_body_bytes = 17ULL << 30; },
       "max_body_bytes (--max-body-bytes)"},
  };
  for (const Case& c : kCases) {
    Options options;
    c.change(options);
    const std::vector<std::string> problems = Validate(options);
    ASSERT_EQ(problems.size(), 1u) << c.name;
    EXPECT_EQ(problems[0].rfind(c.key + ": ", 0), 0u) << c.name << ": " << problems[0];
  }
}

TEST(ValidateTest, BoundaryValuesAreAccepted) {
  Options o;
  o.listen_address = HttpServerSupportsIpv6() ? "[::1]:0" : "127.0.0.1:0";
  o.poll_interval = std::chrono::seconds(1);
  o.request_timeout = milliseconds(999);
  o.page_size = 1;
  o.include_namespaces = {"a", "kube-system", std::string(63, 'z')};
  o.tolerated_taints = {"node.kubernetes.io/unschedulable", "gpu", "a_b.c-d"};
  o.max_body_bytes = 1 << 20;
  o.log_level = "off";
  o.log_format = "json";
  o.web_config_file = std::string(KCE_SOURCE_DIR) + "/CMakeLists.txt";
  EXPECT_THAT(Validate(o), IsEmpty());

  o.listen_address = "0.0.0.0:65535";
  o.poll_interval = std::chrono::hours(24);
  o.page_size = 10000;
  o.max_body_bytes = 16ULL << 30;
  o.include_namespaces.clear();
  o.exclude_namespaces = {"b"};
  o.metrics_path = "/custom/metrics_v1.2-x~y/";
  o.snapshot_file = std::string(KCE_SOURCE_DIR) + "/examples/cluster.json";
  EXPECT_THAT(Validate(o), IsEmpty());
}

TEST(ValidateTest, Ipv6ListenAddressesNeedAnHttpServerWithIpv6) {
  Options o;
  o.listen_address = "[::1]:10490";
  const std::vector<std::string> problems = Validate(o);
  if (HttpServerSupportsIpv6()) {
    EXPECT_THAT(problems, IsEmpty());
  } else {
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0], HasSubstr("listen_address (--listen-address): this build's HTTP "
                                       "server (civetweb) has no IPv6 support"));
  }
}

TEST(ValidateTest, MessagesShowTheOffendingValue) {
  Options o;
  o.poll_interval = milliseconds(500);
  o.request_timeout = milliseconds(200);
  o.page_size = 20000;
  const std::vector<std::string> problems = Validate(o);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("got 500ms"));
  EXPECT_THAT(problems[1], HasSubstr("got 20000"));
}

TEST(ValidateTest, ReportsEveryProblem) {
  Options o;
  o.page_size = 0;
  o.log_level = "loud";
  o.metrics_path = "";
  EXPECT_THAT(Validate(o), ElementsAre(HasSubstr("metrics_path"), HasSubstr("page_size"),
                                       HasSubstr("log_level")));
}

TEST(ValidateTest, ValidateOrThrowCarriesAllMessages) {
  Options o;
  EXPECT_NO_THROW(ValidateOrThrow(o));
  o.page_size = -1;
  o.log_format = "yaml";
  try {
    ValidateOrThrow(o);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("page_size (--page-size)"));
    EXPECT_THAT(e.what(), HasSubstr("\nlog_format (--log-format)"));
  }
}

}  // namespace
}  // namespace kce
