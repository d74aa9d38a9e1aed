// Absurd and hostile values from the API server: quantities far beyond any real resource, a pod
// with a million containers, names full of characters the exposition format must escape, and
// JSON nested deeper than any parser should follow. None may hang, crash or corrupt /metrics.
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kce/commitment.h"
#include "kce/exposition.h"
#include "kce/list_decoder.h"
#include "kce/quantity.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace kce {
namespace {

// A sample line of the text format, with its label values unescaped.
struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses exposition text per the Prometheus text format 0.0.4; a line it cannot read fails the
// test. Label values are unescaped (\\, \" and \n), so they can be compared with the input.
std::vector<ParsedSample> ParseExposition(const std::string& text) {
  std::vector<ParsedSample> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    ParsedSample sample;
    std::size_t i = line.find_first_of("{ ");
    sample.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          ADD_FAILURE() << "bad label in line: " << line;
          return samples;
        }
        const std::string key = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] != '\\') {
            value += line[j];
            continue;
          }
          const char escaped = ++j < line.size() ? line[j] : '\0';
          if (escaped == 'n') {
            value += '\n';
          } else if (escaped == '\\' || escaped == '"') {
            value += escaped;
          } else {
            ADD_FAILURE() << "unknown escape \\" << escaped << " in line: " << line;
          }
        }
        if (j >= line.size()) {
          ADD_FAILURE() << "unterminated label value in line: " << line;
          return samples;
        }
        sample.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      ADD_FAILURE() << "no value in line: " << line;
      continue;
    }
    std::size_t used = 0;
    sample.value = std::stod(line.substr(i + 1), &used);
    EXPECT_EQ(i + 1 + used, line.size()) << "trailing text in line: " << line;
    samples.push_back(std::move(sample));
  }
  return samples;
}

// JSON string literal of `text`, escaping what RFC 8259 requires.
std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string NodeJson(const std::string& name) {
  return R"({"kind":"Node","metadata":{"name":)" + JsonString(name) +
         R"(},"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},)"
         R"("conditions":[{"type":"Ready","status":"True"}]}})";
}

std::string PodJson(const std::string& ns, const std::string& name, const std::string& node,
                    const std::string& cpu) {
  return R"({"kind":"Pod","metadata":{"name":)" + JsonString(name) + R"(,"namespace":)" +
         JsonString(ns) + R"(},"spec":{"nodeName":)" + JsonString(node) +
         R"(,"containers":[{"name":"app","resources":{"requests":{"cpu":)" + JsonString(cpu) +
         R"(}}}]},"status":{"phase":"Running"}})";
}

std::string ListJson(const std::vector<std::string>& items) {
  std::string body = R"({"kind":"List","apiVersion":"v1","items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) body += (i > 0 ? "," : "") + items[i];
  return body + "]}";
}

CommitmentSnapshot Snapshot(const ClusterObjects& objects) {
  CommitmentBuilder builder(AccountingOptions{});
  for (const Node& node : objects.nodes) builder.AddNode(node);
  for (const Pod& pod : objects.pods) builder.AddPod(pod);
  for (const ObjectIssue& issue : objects.issues) builder.AddIssue(issue);
  return builder.Build();
}

TEST(HostileInputTest, HugeExponentsSaturateInsteadOfOverflowing) {
  const QuantityParse huge = ParseQuantity("1e999999999999999999");
  ASSERT_TRUE(huge.ok()) << huge.error;
  EXPECT_TRUE(huge.saturated);
  EXPECT_EQ(huge.value.nanos, kMaxQuantityNanos);

  const QuantityParse negative = ParseQuantity("-9E2147483648");
  ASSERT_TRUE(negative.ok()) << negative.error;
  EXPECT_TRUE(negative.saturated);
  EXPECT_EQ(negative.value.nanos, -kMaxQuantityNanos);

  // Far below a nano: rounds up to the smallest unit, away from zero.
  const QuantityParse tiny = ParseQuantity("1e-999999999999999999");
  ASSERT_TRUE(tiny.ok()) << tiny.error;
  EXPECT_EQ(tiny.value.nanos, 1);

  // A hundred thousand digits.
  const QuantityParse long_number = ParseQuantity(std::string(100000, '9') + "Ei");
  ASSERT_TRUE(long_number.ok()) << long_number.error;
  EXPECT_TRUE(long_number.saturated);
  EXPECT_EQ(long_number.value.nanos, kMaxQuantityNanos);
}

TEST(HostileInputTest, HugeRequestIsCountedSaturatedAndRendersFinite) {
  std::string json = ListJson({NodeJson("n1"), PodJson("team", "greedy", "n1", "1e999999999"),
                               PodJson("team", "modest", "n1", "250m")});
  ListDecoder decoder;
  ClusterObjects objects;
  std::string error;
  ASSERT_TRUE(decoder.DecodeObjects(json, &objects, &error)) << error;
  const CommitmentSnapshot snapshot = Snapshot(objects);
  ASSERT_EQ(snapshot.nodes.size(), 1u);
  EXPECT_EQ(snapshot.nodes[0].pods, 2);
  EXPECT_EQ(snapshot.saturated.at("pod"), 1);
  // Sums saturate at int64 instead of wrapping negative.
  EXPECT_EQ(snapshot.nodes[0].committed.cpu_requests_milli, INT64_MAX);

  for (const ParsedSample& sample :
       ParseExposition(SerializeFamilies(SnapshotFamilies(snapshot)))) {
    EXPECT_FALSE(std::isnan(sample.value)) << sample.name;
    if (sample.name == "kube_commitment_node_cpu_requests_cores") {
      EXPECT_GT(sample.value, 9e15);
      EXPECT_TRUE(std::isfinite(sample.value));
    }
  }
}

TEST(HostileInputTest, MillionContainersInOnePodDecodeAndCount) {
  constexpr int kContainers = 1000000;
  std::string json = R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{)"
                     R"("metadata":{"name":"huge","namespace":"team"},"spec":{"nodeName":"n1",)"
                     R"("containers":[)";
  json.reserve(json.size() + kContainers * 52);
  for (int i = 0; i < kContainers; ++i) {
    if (i > 0) json += ',';
    json += R"({"name":"c)" + std::to_string(i) + R"(","resources":{"requests":{"cpu":"1m"}}})";
  }
  json += R"(]},"status":{"phase":"Running"}}]})";

  ListDecoder decoder;
  PodPage page;
  std::string error;
  ASSERT_TRUE(decoder.DecodePodList(json, &page, &error)) << error;
  std::string().swap(json);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].containers.size(), static_cast<std::size_t>(kContainers));
  EXPECT_EQ(page.items[0].containers.back().name, "c" + std::to_string(kContainers - 1));

  CommitmentBuilder builder(AccountingOptions{});
  Node node;
  node.name = "n1";
  builder.AddNode(node);
  builder.AddPod(page.items[0]);
  const CommitmentSnapshot snapshot = builder.Build();
  ASSERT_EQ(snapshot.namespaces.size(), 1u);
  EXPECT_EQ(snapshot.namespaces[0].committed.cpu_requests_milli, kContainers);
  EXPECT_EQ(snapshot.namespaces[0].containers_without_cpu_limit, kContainers);
}

TEST(HostileInputTest, NamesWithQuotesBackslashesAndNewlinesAreEscaped) {
  const std::vector<std::string> nodes = {
      "plain",
      "quote\"d",
      "back\\slash",
      "new\nline",
      "all\\\"\n\\n\"",
      "tab\tand\rreturn",
      "caf\xc3\xa9 \xe2\x98\x83",
      "} 1\nfake_metric 2",
  };
  const std::vector<std::string> namespaces = {"ns\"1", "ns\\2", "ns\n3", "ns{4}=\"x\""};
  std::vector<std::string> items;
  for (const std::string& node : nodes) items.push_back(NodeJson(node));
  for (std::size_t i = 0; i < namespaces.size(); ++i) {
    items.push_back(PodJson(namespaces[i], "p" + std::to_string(i), nodes[i + 1], "100m"));
  }
  std::string json = ListJson(items);

  ListDecoder decoder;
  ClusterObjects objects;
  std::string error;
  ASSERT_TRUE(decoder.DecodeObjects(json, &objects, &error)) << error;
  ASSERT_EQ(objects.nodes.size(), nodes.size());
  const std::string text = SerializeFamilies(SnapshotFamilies(Snapshot(objects)));

  std::set<std::string> seen_nodes;
  std::set<std::string> seen_namespaces;
  std::map<std::string, double> requests;
  for (const ParsedSample& sample : ParseExposition(text)) {
    EXPECT_EQ(sample.name.rfind("kube_commitment_", 0), 0u) << "injected sample " << sample.name;
    if (auto it = sample.labels.find("node"); it != sample.labels.end()) {
      seen_nodes.insert(it->second);
      if (sample.name == "kube_commitment_node_cpu_requests_cores") {
        requests[it->second] = sample.value;
      }
    }
    if (auto it = sample.labels.find("namespace"); it != sample.labels.end()) {
      seen_namespaces.insert(it->second);
    }
  }
  EXPECT_EQ(seen_nodes, std::set<std::string>(nodes.begin(), nodes.end()));
  EXPECT_EQ(seen_namespaces, std::set<std::string>(namespaces.begin(), namespaces.end()));
  EXPECT_EQ(requests.at("quote\"d"), 0.1);
  EXPECT_EQ(requests.at("all\\\"\n\\n\""), 0.1);
  EXPECT_EQ(requests.at("plain"), 0);

  // Prometheus' own parser and linter agree, when Debian's prometheus package is installed.
  const testing::ProcessResult which = testing::RunProcess({"sh", "-c", "command -v promtool"});
  if (which.exit_code != 0) {
    GTEST_SKIP() << "promtool not installed; the exposition was checked by the parser above";
  }
  testing::TempDir dir;
  const std::string file = dir.Write("metrics.prom", text);
  const testing::ProcessResult lint =
      testing::RunProcess({"sh", "-c", "promtool check metrics < '" + file + "'"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err << "\n" << text;
}

TEST(HostileInputTest, DeepNestingNeitherCrashesNorHangs) {
  ListDecoder decoder;
  std::string error;

  // Nesting in a field the decoder skips, within the parser's depth limit: the pod still counts.
  const int shallow = 500;
  std::string json = R"({"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"p",)"
                     R"("namespace":"team","x":)" +
                     std::string(shallow, '[') + std::string(shallow, ']') +
                     R"(},"spec":{"nodeName":"n1","containers":[{"name":"c","resources":)"
                     R"({"requests":{"cpu":"1"}}}]},"status":{"phase":"Running"}}]})";
  PodPage page;
  ASSERT_TRUE(decoder.DecodePodList(json, &page, &error)) << error;
  ASSERT_EQ(page.items.size(), 1u);

  // A million levels in a field the decoder skips: simdjson skips a value without recursing, so
  // depth costs nothing there and the pod still counts.
  const int deep = 1000000;
  const std::string nested = std::string(deep, '[') + std::string(deep, ']');
  std::string skipped = R"({"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"p",)"
                        R"("namespace":"team"},"spec":{"x":)" +
                        nested + R"(,"nodeName":"n1"},"status":{"phase":"Running"}}]})";
  PodPage skipped_page;
  ASSERT_TRUE(decoder.DecodePodList(skipped, &skipped_page, &error)) << error;
  ASSERT_EQ(skipped_page.items.size(), 1u);
  EXPECT_EQ(skipped_page.items[0].node_name, "n1");

  // The same nesting where the decoder descends (a resource list) skips that pod with an issue
  // naming the field, and the next pod still counts.
  std::string in_read_field =
      R"({"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"deep","namespace":"team"},)"
      R"("spec":{"containers":[{"name":"c","resources":{"requests":)" +
      nested + R"(}}]}},{"metadata":{"name":"ok","namespace":"team"},"spec":{}}]})";
  PodPage read_page;
  ASSERT_TRUE(decoder.DecodePodList(in_read_field, &read_page, &error)) << error;
  ASSERT_EQ(read_page.items.size(), 1u);
  EXPECT_EQ(read_page.items[0].name, "ok");
  ASSERT_EQ(read_page.issues.size(), 1u);
  EXPECT_EQ(read_page.issues[0].object, "team/deep");
  EXPECT_NE(read_page.issues[0].message.find("spec.containers[c].resources.requests"),
            std::string::npos)
      << read_page.issues[0].message;

  // At the top the document is not a list at all: a clean error.
  std::string top = nested;
  PodPage top_page;
  error.clear();
  EXPECT_FALSE(decoder.DecodePodList(top, &top_page, &error));
  EXPECT_NE(error.find("not a JSON object"), std::string::npos) << error;
  EXPECT_TRUE(top_page.items.empty());
}

}  // namespace
}  // namespace kce
