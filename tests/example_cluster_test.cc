// The bundled example cluster end to end: file, decoder, accounting, exposition text.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kce/exposition.h"
#include "kce/file_source.h"
#include "kce/metric_catalog.h"
#include "kce/options.h"
#include "support/pod_builder.h"

namespace kce {
namespace {

using testing::FindNode;

const std::string kExample = std::string(KCE_SOURCE_DIR) + "/examples/cluster.json";
const std::string kGolden = std::string(KCE_TEST_DATA_DIR) + "/golden/cluster.prom";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CommitmentSnapshot Load(const std::string& path, AccountingOptions options = {}) {
  FileSource source(path, "", Options{}.max_body_bytes);
  CommitmentBuilder builder(options);
  const CollectResult result = source.Collect(builder);
  EXPECT_TRUE(result.ok) << result.message;
  return builder.Build();
}

const NamespaceCommitment& FindNamespace(const CommitmentSnapshot& snap, const std::string& name) {
  for (const auto& ns : snap.namespaces) {
    if (ns.name == name) return ns;
  }
  throw std::runtime_error("no namespace " + name);
}

TEST(ExampleClusterTest, ExpositionMatchesGolden) {
  const std::string text = SerializeFamilies(SnapshotFamilies(Load(kExample)));
  if (std::getenv("KCE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(kGolden, std::ios::binary) << text;
  }
  EXPECT_EQ(text, ReadFile(kGolden))
      << "run with KCE_UPDATE_GOLDEN=1 to rewrite " << kGolden << " after checking the diff";
}

// Values worked out by hand from examples/cluster.json and the accounting doc, independent of
// the golden file.
TEST(ExampleClusterTest, HandComputedValues) {
  const CommitmentSnapshot snap = Load(kExample);
  ASSERT_EQ(snap.nodes.size(), 8u);

  // cp-1: the §1.8 node. kube-proxy (0), node-exporter 100m/180Mi (limits 250m/180Mi), etcd
  // 100m/100Mi, kube-apiserver 250m.
  const NodeCommitment& cp = FindNode(snap, "cp-1");
  EXPECT_EQ(cp.cpu_allocatable_milli, 3920);
  EXPECT_EQ(cp.memory_allocatable_bytes, 7901216LL * 1024);
  EXPECT_EQ(cp.committed.cpu_requests_milli, 450);
  EXPECT_EQ(cp.committed.memory_requests_bytes, 280LL << 20);
  EXPECT_EQ(cp.committed.cpu_limits_milli, 250);
  EXPECT_EQ(cp.pods, 4);
  EXPECT_FALSE(cp.usability.usable);  // control-plane NoSchedule taint

  // worker-1: node-exporter 100m, coredns 100m, prometheus 1 + 10m, storefront x2 (600m each),
  // postgres-0 2, ledger (example A) 8, card-vault (example C) 1250m, stream-processor-0
  // (example E) 30m, invoice-run 250000u = 250m; the finished and evicted pods do not count.
  const NodeCommitment& w1 = FindNode(snap, "worker-1");
  EXPECT_EQ(w1.committed.cpu_requests_milli,
            100 + 100 + 1010 + 1200 + 2000 + 8000 + 1250 + 30 + 250);
  EXPECT_EQ(w1.pods, 11);
  EXPECT_TRUE(w1.usability.usable);

  // worker-2 keeps a PreferNoSchedule taint and stays usable; fraud-check is example B (210m),
  // report-builder example D (1 cpu), stream-processor-1 the infeasible resize (20m).
  const NodeCommitment& w2 = FindNode(snap, "worker-2");
  EXPECT_TRUE(w2.usability.usable);
  EXPECT_EQ(w2.committed.cpu_requests_milli, 100 + 100 + 250 + 1200 + 0 + 210 + 1000 + 20 + 750);

  EXPECT_FALSE(FindNode(snap, "worker-3").usability.usable);  // cordoned
  EXPECT_FALSE(FindNode(snap, "worker-4").usability.usable);  // NotReady
  EXPECT_FALSE(FindNode(snap, "worker-5").usability.usable);  // being deleted
  EXPECT_FALSE(FindNode(snap, "gpu-1").usability.usable);     // dedicated taint

  // edge-1 has no allocatable: capacity counts, CPU kept exact (no rounding to cores).
  const NodeCommitment& edge = FindNode(snap, "edge-1");
  EXPECT_EQ(edge.cpu_allocatable_milli, 2000);
  EXPECT_EQ(edge.pods_allocatable, 32);
  EXPECT_EQ(edge.committed.memory_requests_bytes, 180LL * 1024 * 1024 + 1127);

  // Usable: worker-1, worker-2, edge-1.
  EXPECT_EQ(snap.cluster.cpu_allocatable_milli, 7910 + 7910 + 2000);
  EXPECT_EQ(snap.cluster.pending_pods, 3);
  EXPECT_EQ(snap.cluster.pending_cpu_requests_milli, 18000);
  EXPECT_EQ(snap.cluster.orphaned_pods, 1);

  // Namespaces count pending pods; batch holds only the running invoice job.
  EXPECT_EQ(FindNamespace(snap, "ml").pods, 4);
  EXPECT_EQ(FindNamespace(snap, "batch").pods, 1);
  EXPECT_EQ(FindNamespace(snap, "batch").committed.cpu_requests_milli, 250);
}

TEST(ExampleClusterTest, ToleratedTaintMakesControlPlaneUsable) {
  AccountingOptions options;
  options.tolerated_taints = {"node-role.kubernetes.io/control-plane"};
  const CommitmentSnapshot snap = Load(kExample, options);
  EXPECT_TRUE(FindNode(snap, "cp-1").usability.usable);
  EXPECT_EQ(snap.cluster.cpu_allocatable_milli, 7910 + 7910 + 2000 + 3920);
}

// One pod with a bad quantity is skipped and counted; everything else on its node still counts.
TEST(ExampleClusterTest, BadPodIsSkippedAndTheRestCounts) {
  const CommitmentSnapshot snap = Load(std::string(KCE_TEST_DATA_DIR) + "/bad_pod_cluster.json");
  const NodeCommitment& node = FindNode(snap, "node-a");
  EXPECT_EQ(node.pods, 2);
  EXPECT_EQ(node.committed.cpu_requests_milli, 1500);
  ASSERT_EQ(snap.skipped.size(), 1u);
  EXPECT_EQ(snap.skipped.begin()->first,
            (std::pair<std::string, std::string>{"pod", "bad_quantity"}));
  EXPECT_EQ(snap.skipped.begin()->second, 1);
  ASSERT_EQ(snap.issue_samples.size(), 1u);
  EXPECT_EQ(snap.issue_samples[0].object, "default/broken");
  EXPECT_NE(snap.issue_samples[0].message.find("\"1K\""), std::string::npos)
      << snap.issue_samples[0].message;
}

std::string RunBinary(const std::string& args, int* status) {
  const std::string command = std::string(KCE_BINARY_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int raw = pclose(pipe);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

TEST(ExampleClusterTest, OnceModePrintsEveryContractMetric) {
  int status = 0;
  const std::string out =
      RunBinary("--snapshot " + kExample + " --once --log-level error", &status);
  ASSERT_EQ(status, 0) << out;
  for (const MetricInfo& info : MetricCatalog()) {
    EXPECT_NE(out.find("# HELP " + std::string(info.name) + " "), std::string::npos) << info.name;
  }
  EXPECT_NE(out.find("kube_commitment_node_cpu_allocatable_cores{node=\"worker-1\"} 7.91"),
            std::string::npos);
  EXPECT_NE(out.find("kube_commitment_last_poll_success 1"), std::string::npos);
}

TEST(ExampleClusterTest, OnceModeFailsClearlyOnUnreadableInput) {
  int status = 0;
  std::string out = RunBinary("--snapshot /nonexistent/cluster.json --once", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("/nonexistent/cluster.json"), std::string::npos) << out;

  const std::string truncated = ::testing::TempDir() + "/truncated.json";
  std::ofstream(truncated) << ReadFile(kExample).substr(0, 5000);
  out = RunBinary("--snapshot " + truncated + " --once", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("truncated.json"), std::string::npos) << out;
}

TEST(ExampleClusterTest, BadFlagExitsTwoNamingIt) {
  int status = 0;
  const std::string out = RunBinary("--poll-interval 5parsecs --snapshot " + kExample, &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("poll-interval"), std::string::npos) << out;
}

}  // namespace
}  // namespace kce
