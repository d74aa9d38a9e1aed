#include "kce/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "kce/config_error.h"

namespace kce {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

LoadedOptions Load(std::vector<std::string> args) {
  args.insert(args.begin(), "kube-commitment-exporter");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return LoadOptions(static_cast<int>(argv.size()), argv.data());
}

// The message of the ConfigError that loading `args` throws, or "" when it does not throw.
std::string LoadError(std::vector<std::string> args) {
  try {
    Load(std::move(args));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

class OptionsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kce-options-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST(OptionsTest, DefaultsAreTheDocumentedOnes) {
  const Options o;
  EXPECT_EQ(o.listen_address, ":10490");
  EXPECT_EQ(o.metrics_path, "/metrics");
  EXPECT_EQ(o.poll_interval, milliseconds(30000));
  EXPECT_EQ(o.request_timeout, milliseconds(10000));
  EXPECT_EQ(o.page_size, 500);
  EXPECT_EQ(o.kubeconfig, "");
  EXPECT_EQ(o.context, "");
  EXPECT_EQ(o.service_account_dir, "/var/run/secrets/kubernetes.io/serviceaccount");
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.log_format, "text");
  EXPECT_EQ(o.node_selector, "");
  EXPECT_THAT(o.include_namespaces, IsEmpty());
  EXPECT_THAT(o.exclude_namespaces, IsEmpty());
  EXPECT_THAT(o.tolerated_taints, IsEmpty());
  EXPECT_EQ(o.snapshot_file, "");
  EXPECT_FALSE(o.once);
  EXPECT_FALSE(o.check_config);
  EXPECT_EQ(o.config_file, "");
  EXPECT_EQ(o.web_config_file, "");
  EXPECT_EQ(o.max_body_bytes, 256u * 1024 * 1024);
}

TEST(OptionsTest, NoArgumentsGiveDefaultsThatAreValid) {
  const LoadedOptions loaded = Load({});
  EXPECT_FALSE(loaded.exit_now);
  EXPECT_EQ(DescribeOptions(loaded.options), DescribeOptions(Options{}));
  EXPECT_THAT(Validate(loaded.options), IsEmpty());
}

TEST(OptionsTest, EveryFlagIsApplied) {
  const std::vector<std::string> args = {"--listen-address=127.0.0.1:9000",
                                         "--metrics-path=/m",
                                         "--poll-interval=1m30s",
                                         "--request-timeout=500ms",
                                         "--page-size=42",
                                         "--kubeconfig=/k",
                                         "--context=ctx",
                                         "--service-account-dir=/sa",
                                         "--log-level=debug",
                                         "--log-format=json",
                                         "--node-selector=role=worker",
                                         "--include-namespaces=a,b",
                                         "--exclude-namespaces=c",
                                         "--tolerated-taints=t1",
                                         "--snapshot=/snap.json",
                                         "--once",
                                         "--check-config",
                                         "--web-config-file=/web.yml",
                                         "--max-body-bytes=1Mi"};
  // Adding an option without covering it here fails this check.
  for (const OptionDoc& doc : OptionDocs()) {
    if (doc.flag == "--config") continue;  // needs a file; covered by OptionsFileTest
    const bool covered = std::any_of(args.begin(), args.end(), [&doc](const std::string& arg) {
      return arg.rfind(doc.flag, 0) == 0;
    });
    EXPECT_TRUE(covered) << doc.flag;
  }

  const Options o = Load(args).options;
  EXPECT_EQ(o.listen_address, "127.0.0.1:9000");
  EXPECT_EQ(o.metrics_path, "/m");
  EXPECT_EQ(o.poll_interval, milliseconds(90000));
  EXPECT_EQ(o.request_timeout, milliseconds(500));
  EXPECT_EQ(o.page_size, 42);
  EXPECT_EQ(o.kubeconfig, "/k");
  EXPECT_EQ(o.context, "ctx");
  EXPECT_EQ(o.service_account_dir, "/sa");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.log_format, "json");
  EXPECT_EQ(o.node_selector, "role=worker");
  EXPECT_THAT(o.include_namespaces, ElementsAre("a", "b"));
  EXPECT_THAT(o.exclude_namespaces, ElementsAre("c"));
  EXPECT_THAT(o.tolerated_taints, ElementsAre("t1"));
  EXPECT_EQ(o.snapshot_file, "/snap.json");
  EXPECT_TRUE(o.once);
  EXPECT_TRUE(o.check_config);
  EXPECT_EQ(o.web_config_file, "/web.yml");
  EXPECT_EQ(o.max_body_bytes, 1u << 20);
}

TEST(OptionsTest, FlagsAcceptSpaceSeparatedValues) {
  const Options o = Load({"--page-size", "7", "--context", "c"}).options;
  EXPECT_EQ(o.page_size, 7);
  EXPECT_EQ(o.context, "c");
}

TEST(OptionsTest, WebConfigFileHasPrometheusStyleAlias) {
  EXPECT_EQ(Load({"--web.config.file=/w.yml"}).options.web_config_file, "/w.yml");
}

TEST(OptionsTest, ListFlagsAreCommaSeparatedOrRepeated) {
  const Options o =
      Load({"--include-namespaces=a, b", "--include-namespaces", "c", "--tolerated-taints=x,,y"})
          .options;
  EXPECT_THAT(o.include_namespaces, ElementsAre("a", "b", "c"));
  EXPECT_THAT(o.tolerated_taints, ElementsAre("x", "y"));
}

TEST(OptionsTest, RepeatedScalarFlagTakesTheLast) {
  EXPECT_EQ(Load({"--page-size=1", "--page-size=2"}).options.page_size, 2);
}

TEST(OptionsTest, BoolFlagAcceptsExplicitFalse) {
  EXPECT_FALSE(Load({"--once=false"}).options.once);
  EXPECT_TRUE(Load({"--once=true"}).options.once);
}

TEST(OptionsTest, HelpListsEveryFlagAndExitsNow) {
  const LoadedOptions loaded = Load({"--help"});
  EXPECT_TRUE(loaded.exit_now);
  for (const OptionDoc& doc : OptionDocs()) EXPECT_THAT(loaded.output, HasSubstr(doc.flag));
}

TEST(OptionsTest, VersionExitsNow) {
  const LoadedOptions loaded = Load({"--version"});
  EXPECT_TRUE(loaded.exit_now);
  EXPECT_THAT(loaded.output, HasSubstr("kube-commitment-exporter"));
}

TEST(OptionsTest, UnknownFlagIsAConfigError) {
  EXPECT_THAT(LoadError({"--pol-interval=1s"}), HasSubstr("--pol-interval"));
  EXPECT_THAT(LoadError({"stray"}), HasSubstr("stray"));
}

TEST(OptionsTest, MalformedFlagValueNamesTheFlag) {
  EXPECT_THAT(LoadError({"--poll-interval=30"}), HasSubstr("--poll-interval"));
  EXPECT_THAT(LoadError({"--request-timeout=fast"}), HasSubstr("--request-timeout"));
  EXPECT_THAT(LoadError({"--page-size=12x"}), HasSubstr("--page-size"));
  EXPECT_THAT(LoadError({"--max-body-bytes=1MB"}), HasSubstr("--max-body-bytes"));
  EXPECT_THAT(LoadError({"--poll-interval=1500us"}), HasSubstr("1ms resolution"));
}

TEST(OptionsTest, ConfigErrorExitCodeIsTwo) { EXPECT_EQ(ExitCodeForConfigError(), 2); }

TEST_F(OptionsFileTest, YamlFileSetsEveryKey) {
  const std::string yaml =
      "listen_address: \"[::1]:9100\"\n"
      "metrics_path: /x\n"
      "poll_interval: 2m\n"
      "request_timeout: 1.5s\n"
      "page_size: 100\n"
      "kubeconfig: /kc\n"
      "context: prod\n"
      "service_account_dir: /sa\n"
      "log_level: warn\n"
      "log_format: json\n"
      "node_selector: \"pool in (a,b)\"\n"
      "include_namespaces: [default, kube-system]\n"
      "exclude_namespaces: []\n"
      "tolerated_taints:\n  - example.com/gpu\n"
      "snapshot_file: /s.json\n"
      "once: true\n"
      "web_config_file: /web.yml\n"
      "max_body_bytes: 64MiB\n";
  for (const OptionDoc& doc : OptionDocs()) {
    if (!doc.yaml_key.empty()) {
      EXPECT_THAT(yaml, HasSubstr(doc.yaml_key + ":")) << doc.yaml_key;
    }
  }
  const std::string path = Write("all.yaml", yaml);

  const Options o = Load({"--config", path}).options;
  EXPECT_EQ(o.config_file, path);
  EXPECT_EQ(o.listen_address, "[::1]:9100");
  EXPECT_EQ(o.metrics_path, "/x");
  EXPECT_EQ(o.poll_interval, milliseconds(120000));
  EXPECT_EQ(o.request_timeout, milliseconds(1500));
  EXPECT_EQ(o.page_size, 100);
  EXPECT_EQ(o.kubeconfig, "/kc");
  EXPECT_EQ(o.context, "prod");
  EXPECT_EQ(o.service_account_dir, "/sa");
  EXPECT_EQ(o.log_level, "warn");
  EXPECT_EQ(o.log_format, "json");
  EXPECT_EQ(o.node_selector, "pool in (a,b)");
  EXPECT_THAT(o.include_namespaces, ElementsAre("default", "kube-system"));
  EXPECT_THAT(o.exclude_namespaces, IsEmpty());
  EXPECT_THAT(o.tolerated_taints, ElementsAre("example.com/gpu"));
  EXPECT_EQ(o.snapshot_file, "/s.json");
  EXPECT_TRUE(o.once);
  EXPECT_EQ(o.web_config_file, "/web.yml");
  EXPECT_EQ(o.max_body_bytes, 64u << 20);
}

TEST_F(OptionsFileTest, KebabCaseKeysAreAccepted) {
  const std::string path = Write("kebab.yaml", "poll-interval: 45s\npage-size: 9\n");
  const Options o = Load({"--config=" + path}).options;
  EXPECT_EQ(o.poll_interval, milliseconds(45000));
  EXPECT_EQ(o.page_size, 9);
}

TEST_F(OptionsFileTest, FlagWinsOverFile) {
  const std::string path = Write("c.yaml",
                                 "poll_interval: 45s\nlog_level: debug\n"
                                 "include_namespaces: [a, b]\nonce: true\n");
  const Options o =
      Load({"--poll-interval=1m", "--config", path, "--include-namespaces=c", "--once=false"})
          .options;
  EXPECT_EQ(o.poll_interval, milliseconds(60000));
  EXPECT_EQ(o.log_level, "debug");  // from the file: no flag given
  EXPECT_THAT(o.include_namespaces, ElementsAre("c"));
  EXPECT_FALSE(o.once);
}

TEST_F(OptionsFileTest, UnknownKeyNamesKeyAndFile) {
  const std::string path = Write("u.yaml", "poll_interval: 1m\npoll_intervall: 2m\n");
  const std::string error = LoadError({"--config", path});
  EXPECT_THAT(error, HasSubstr(path + ":2:"));
  EXPECT_THAT(error, HasSubstr("unknown key \"poll_intervall\""));
}

TEST_F(OptionsFileTest, WrongTypesNameTheKey) {
  const struct {
    std::string yaml;
    std::string expected;
  } kCases[] = {
      {"page_size: lots\n", "page_size: expected an integer"},
      {"page_size: \"500\"\n", "page_size: expected an integer, got the quoted string"},
      {"page_size: [1]\n", "page_size: expected an integer, got a list"},
      {"once: \"true\"\n", "once: expected true or false, got the quoted"},
      {"once: maybe\n", "once: expected true or false"},
      {"poll_interval: 30\n", "poll_interval: invalid duration \"30\""},
      {"kubeconfig: {a: b}\n", "kubeconfig: expected a string, got a mapping"},
      {"context:\n", "context: expected a string, got no value"},
      {"include_namespaces: a,b\n", "include_namespaces: expected a list"},
      {"tolerated_taints: [[x]]\n", "tolerated_taints: expected a list of strings"},
      {"max_body_bytes: 1TB\n", "max_body_bytes: byte size \"1TB\" has an unknown suffix"},
  };
  for (const auto& c : kCases) {
    const std::string path = Write("t.yaml", c.yaml);
    EXPECT_THAT(LoadError({"--config", path}), HasSubstr(c.expected)) << c.yaml;
  }
}

TEST_F(OptionsFileTest, ReportsEveryBadKeyAtOnce) {
  const std::string path = Write("m.yaml", "a: 1\npage_size: x\nb: 2\n");
  const std::string error = LoadError({"--config", path});
  EXPECT_THAT(error, HasSubstr("\"a\""));
  EXPECT_THAT(error, HasSubstr("page_size"));
  EXPECT_THAT(error, HasSubstr("\"b\""));
}

TEST_F(OptionsFileTest, FlagOnlyKeysAreRejectedInTheFile) {
  const std::string path = Write("f.yaml", "check_config: true\n");
  EXPECT_THAT(LoadError({"--config", path}), HasSubstr("only accepted as the flag --check-config"));
}

TEST_F(OptionsFileTest, BothSpellingsOfOneKeyAreRejected) {
  const std::string path = Write("d.yaml", "page_size: 1\npage-size: 2\n");
  EXPECT_THAT(LoadError({"--config", path}), HasSubstr("\"page-size\" repeats \"page_size\""));
}

TEST_F(OptionsFileTest, UnreadableOrMalformedFilesNameTheFile) {
  const std::string missing = (dir_ / "absent.yaml").string();
  EXPECT_THAT(LoadError({"--config", missing}), HasSubstr(missing + ": cannot read"));
  EXPECT_THAT(LoadError({"--config", dir_.string()}), HasSubstr("is a directory"));
  const std::string bad = Write("bad.yaml", "page_size: 1\nlog_level: [unclosed\n");
  EXPECT_THAT(LoadError({"--config", bad}), HasSubstr(bad + ":"));
  EXPECT_THAT(LoadError({"--config", bad}), HasSubstr("invalid YAML"));
  const std::string list = Write("list.yaml", "- a\n- b\n");
  EXPECT_THAT(LoadError({"--config", list}), HasSubstr("top level must be a mapping"));
}

TEST_F(OptionsFileTest, EmptyFileSetsNothing) {
  const std::string path = Write("empty.yaml", "# nothing\n");
  Options expected;
  expected.config_file = path;
  EXPECT_EQ(DescribeOptions(Load({"--config", path}).options), DescribeOptions(expected));
}

TEST(OptionsTest, ExampleConfigHasEveryKeyAtItsDefault) {
  const std::string path = std::string(KCE_SOURCE_DIR) + "/examples/config.yaml";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const OptionDoc& doc : OptionDocs()) {
    if (!doc.yaml_key.empty()) {
      EXPECT_THAT(text, HasSubstr(doc.yaml_key + ":")) << doc.yaml_key;
    }
  }
  Options expected;
  expected.config_file = path;
  EXPECT_EQ(DescribeOptions(Load({"--config", path}).options), DescribeOptions(expected));
}

TEST(DescribeOptionsTest, OneLineWithEveryKey) {
  Options o;
  o.node_selector = "tier in (a, b)";
  o.include_namespaces = {"x", "y"};
  const std::string line = DescribeOptions(o);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  for (const OptionDoc& doc : OptionDocs()) EXPECT_THAT(line, HasSubstr(doc.field + "=")) << line;
  EXPECT_THAT(line, HasSubstr("poll_interval=30s "));
  EXPECT_THAT(line, HasSubstr("node_selector=\"tier in (a, b)\""));
  EXPECT_THAT(line, HasSubstr("include_namespaces=x,y "));
  EXPECT_THAT(line, HasSubstr("kubeconfig=\"\""));
  EXPECT_THAT(line, HasSubstr("max_body_bytes=256MiB"));
}

TEST(OptionDocsTest, CompleteAndConsistent) {
  const std::vector<OptionDoc> docs = OptionDocs();
  EXPECT_EQ(docs.size(), 20u);  // one per Options field
  std::set<std::string> flags;
  for (const OptionDoc& doc : docs) {
    EXPECT_TRUE(flags.insert(doc.flag).second) << doc.flag;
    EXPECT_EQ(doc.flag.rfind("--", 0), 0u) << doc.flag;
    ASSERT_FALSE(doc.description.empty()) << doc.field;
    EXPECT_EQ(doc.description.back(), '.') << doc.field;
    EXPECT_THAT(doc.type,
                ::testing::AnyOf("string", "duration", "integer", "bytes", "bool", "list"));
  }
  const auto find = [&docs](const std::string& field) {
    return *std::find_if(docs.begin(), docs.end(),
                         [&field](const OptionDoc& d) { return d.field == field; });
  };
  EXPECT_EQ(find("poll_interval").default_text, "30s");
  EXPECT_EQ(find("request_timeout").default_text, "10s");
  EXPECT_EQ(find("listen_address").default_text, ":10490");
  EXPECT_EQ(find("max_body_bytes").default_text, "256MiB");
  EXPECT_EQ(find("kubeconfig").default_text, "");
  EXPECT_EQ(find("snapshot_file").flag, "--snapshot");
  EXPECT_THAT(find("web_config_file").flag_aliases, ElementsAre("--web.config.file"));
  EXPECT_EQ(find("config_file").yaml_key, "");
  EXPECT_EQ(find("check_config").yaml_key, "");
  EXPECT_EQ(find("page_size").yaml_key, "page_size");
}

}  // namespace
}  // namespace kce
