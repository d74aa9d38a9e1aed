#include "kce/commitment.h"

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/pod_builder.h"

namespace kce {
namespace {

using testing::FindNode;
using ::testing::HasSubstr;
using testing::MakeContainer;
using testing::MakeNode;
using testing::MakePod;
using testing::Resources;

// Accounting doc §1.8: describe's example node, 2350m / 2560Mi requested, 2 / 2Gi limits.
TEST(CommitmentTest, NodeTotalsMatchDescribeExample) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "3920m", "7901216Ki"));
  builder.AddPod(MakePod("a", "p1", "n1",
                         {MakeContainer("c", Resources({{"cpu", "2"}, {"memory", "2Gi"}}),
                                        Resources({{"cpu", "2"}, {"memory", "2Gi"}}))}));
  builder.AddPod(MakePod("b", "p2", "n1",
                         {MakeContainer("c", Resources({{"cpu", "350m"}, {"memory", "512Mi"}}))}));
  const CommitmentSnapshot snap = builder.Build();
  const NodeCommitment& n = FindNode(snap, "n1");
  EXPECT_EQ(n.cpu_allocatable_milli, 3920);
  EXPECT_EQ(n.memory_allocatable_bytes, 7901216LL * 1024);
  EXPECT_EQ(n.committed.cpu_requests_milli, 2350);
  EXPECT_EQ(n.committed.memory_requests_bytes, 2560LL << 20);
  EXPECT_EQ(n.committed.cpu_limits_milli, 2000);
  EXPECT_EQ(n.committed.memory_limits_bytes, 2LL << 30);
  EXPECT_EQ(n.pods, 2);
  EXPECT_EQ(n.pods_allocatable, 110);
  // kubectl describe truncates: 59%, 33%, 51%, 26%.
  EXPECT_EQ(n.committed.cpu_requests_milli * 100 / n.cpu_allocatable_milli, 59);
  EXPECT_EQ(n.committed.memory_requests_bytes * 100 / n.memory_allocatable_bytes, 33);
  EXPECT_EQ(n.committed.cpu_limits_milli * 100 / n.cpu_allocatable_milli, 51);
  EXPECT_EQ(n.committed.memory_limits_bytes * 100 / n.memory_allocatable_bytes, 26);
}

// The scheduler rounds each pod up to a milli-core before summing.
TEST(CommitmentTest, EachPodRoundsUpBeforeSumming) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "4", "1Gi"));
  for (int i = 0; i < 3; ++i) {
    builder.AddPod(MakePod("a", "p" + std::to_string(i), "n1",
                           {MakeContainer("c", Resources({{"cpu", "1.5m"}, {"memory", "0.5"}}))}));
  }
  const NodeCommitment& n = FindNode(builder.Build(), "n1");
  EXPECT_EQ(n.committed.cpu_requests_milli, 6);
  EXPECT_EQ(n.committed.memory_requests_bytes, 3);
}

TEST(CommitmentTest, TerminalPodsNeverCountAndDeletingPodsDo) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "4", "1Gi"));
  Pod done = MakePod("a", "done", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))});
  done.phase = "Succeeded";
  Pod evicted = done;
  evicted.phase = "Failed";
  Pod leaving = MakePod("a", "leaving", "n1", {MakeContainer("c", Resources({{"cpu", "2"}}))});
  leaving.deleting = true;
  builder.AddPod(done);
  builder.AddPod(evicted);
  builder.AddPod(leaving);
  const CommitmentSnapshot snap = builder.Build();
  EXPECT_EQ(FindNode(snap, "n1").committed.cpu_requests_milli, 2000);
  EXPECT_EQ(FindNode(snap, "n1").pods, 1);
  ASSERT_EQ(snap.namespaces.size(), 1u);
  EXPECT_EQ(snap.namespaces[0].pods, 1);
}

TEST(CommitmentTest, UnusableNodesCountPerNodeButNotInCluster) {
  AccountingOptions options;
  options.tolerated_taints = {"dedicated"};
  CommitmentBuilder builder(options);
  builder.AddNode(MakeNode("ready", "4", "4Gi"));
  Node cordoned = MakeNode("cordoned", "8", "8Gi");
  cordoned.unschedulable = true;
  builder.AddNode(cordoned);
  Node not_ready = MakeNode("not-ready", "16", "16Gi");
  not_ready.ready = ReadyStatus::kUnknown;
  builder.AddNode(not_ready);
  Node tolerated = MakeNode("tolerated", "2", "2Gi");
  tolerated.taints = {{"dedicated", "db", "NoSchedule"}};
  builder.AddNode(tolerated);

  builder.AddPod(MakePod("a", "p1", "ready", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  builder.AddPod(MakePod("a", "p2", "cordoned", {MakeContainer("c", Resources({{"cpu", "3"}}))}));
  builder.AddPod(MakePod("a", "p3", "tolerated", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  const CommitmentSnapshot snap = builder.Build();

  EXPECT_EQ(FindNode(snap, "cordoned").committed.cpu_requests_milli, 3000);
  EXPECT_FALSE(FindNode(snap, "cordoned").usability.usable);
  EXPECT_FALSE(FindNode(snap, "not-ready").usability.usable);
  EXPECT_TRUE(FindNode(snap, "tolerated").usability.usable);
  EXPECT_EQ(snap.cluster.cpu_allocatable_milli, 6000);
  EXPECT_EQ(snap.cluster.memory_allocatable_bytes, 6LL << 30);
  EXPECT_EQ(snap.cluster.committed.cpu_requests_milli, 2000);
  EXPECT_DOUBLE_EQ(snap.cluster.cpu_commitment_ratio, 2000.0 / 6000.0);
}

TEST(CommitmentTest, PendingAndOrphanedPods) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "2", "2Gi"));
  builder.AddPod(MakePod("a", "pending", "", {MakeContainer("c", Resources({{"cpu", "3"}}))}));
  builder.AddPod(MakePod("a", "ghost", "gone", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  builder.AddPod(MakePod("b", "here", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  const CommitmentSnapshot snap = builder.Build();
  EXPECT_EQ(snap.cluster.pending_pods, 1);
  EXPECT_EQ(snap.cluster.pending_cpu_requests_milli, 3000);
  EXPECT_EQ(snap.cluster.orphaned_pods, 1);
  EXPECT_EQ(snap.cluster.committed.cpu_requests_milli, 1000);
  // (1 placed + 3 pending) / 2 allocatable.
  EXPECT_DOUBLE_EQ(snap.cluster.cpu_commitment_ratio, 2.0);
  // Namespaces count scheduled and unscheduled pods alike.
  ASSERT_EQ(snap.namespaces.size(), 2u);
  EXPECT_EQ(snap.namespaces[0].name, "a");
  EXPECT_EQ(snap.namespaces[0].committed.cpu_requests_milli, 4000);
}

TEST(CommitmentTest, NodeSelectorMeansUnlistedNodesAreNotOrphans) {
  AccountingOptions options;
  options.nodes_filtered = true;
  CommitmentBuilder builder(options);
  builder.AddNode(MakeNode("n1", "2", "2Gi"));
  builder.AddPod(MakePod("a", "elsewhere", "n2", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  EXPECT_EQ(builder.Build().cluster.orphaned_pods, 0);
}

TEST(CommitmentTest, RatioIsInfiniteWithNothingUsableAndZeroWithNothingCommitted) {
  EXPECT_TRUE(std::isinf(CommitmentRatio(1, 0)));
  EXPECT_EQ(CommitmentRatio(0, 0), 0.0);
  EXPECT_EQ(CommitmentRatio(0, 5), 0.0);
  EXPECT_DOUBLE_EQ(CommitmentRatio(3, 4), 0.75);

  CommitmentBuilder builder({});
  builder.AddPod(MakePod("a", "pending", "", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  EXPECT_TRUE(std::isinf(builder.Build().cluster.cpu_commitment_ratio));
  EXPECT_EQ(builder.Build().cluster.memory_commitment_ratio, 0.0);
}

TEST(CommitmentTest, NamespaceFiltersOnlyAffectNamespaceSeries) {
  AccountingOptions options;
  options.exclude_namespaces = {"kube-system"};
  CommitmentBuilder builder(options);
  builder.AddNode(MakeNode("n1", "4", "4Gi"));
  builder.AddPod(
      MakePod("kube-system", "dns", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  builder.AddPod(MakePod("app", "web", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  CommitmentSnapshot snap = builder.Build();
  EXPECT_EQ(FindNode(snap, "n1").committed.cpu_requests_milli, 2000);
  ASSERT_EQ(snap.namespaces.size(), 1u);
  EXPECT_EQ(snap.namespaces[0].name, "app");

  AccountingOptions include;
  include.include_namespaces = {"kube-system"};
  CommitmentBuilder only(include);
  only.AddPod(MakePod("kube-system", "dns", "", {}));
  only.AddPod(MakePod("app", "web", "", {}));
  snap = only.Build();
  ASSERT_EQ(snap.namespaces.size(), 1u);
  EXPECT_EQ(snap.namespaces[0].name, "kube-system");
}

TEST(CommitmentTest, ContainersWithoutLimitsCountSidecarsButNotInitContainers) {
  CommitmentBuilder builder({});
  Pod pod = MakePod("a", "p", "",
                    {MakeContainer("c", Resources({{"cpu", "1"}}), Resources({{"cpu", "1"}}))});
  pod.init_containers = {MakeContainer("init", Resources({{"cpu", "1"}})),
                         MakeContainer("sidecar", Resources({{"cpu", "1"}}), {}, true)};
  builder.AddPod(pod);
  const CommitmentSnapshot snap = builder.Build();
  ASSERT_EQ(snap.namespaces.size(), 1u);
  EXPECT_EQ(snap.namespaces[0].containers_without_cpu_limit, 1);
  EXPECT_EQ(snap.namespaces[0].containers_without_memory_limit, 2);
}

TEST(CommitmentTest, CapacityStandsInOnlyForAnAbsentAllocatable) {
  // As the API server defaults NodeStatus: an allocatable list that exists is used as it is,
  // and a resource it lacks offers nothing.
  CommitmentBuilder builder({});
  Node partial = MakeNode("partial", "2", "4Gi", "32");
  partial.allocatable = Resources({{"cpu", "1500m"}});
  builder.AddNode(partial);
  Node absent = MakeNode("absent", "2", "4Gi", "32");
  absent.allocatable = ResourceList{};
  builder.AddNode(absent);
  const CommitmentSnapshot snap = builder.Build();

  const NodeCommitment p = FindNode(snap, "partial");
  EXPECT_EQ(p.cpu_allocatable_milli, 1500);
  EXPECT_EQ(p.cpu_capacity_milli, 2000);
  EXPECT_EQ(p.memory_allocatable_bytes, 0);
  EXPECT_EQ(p.pods_allocatable, 0);

  const NodeCommitment a = FindNode(snap, "absent");
  EXPECT_EQ(a.cpu_allocatable_milli, 2000);
  EXPECT_EQ(a.memory_allocatable_bytes, 4LL << 30);
  EXPECT_EQ(a.pods_allocatable, 32);
}

TEST(CommitmentTest, SumsBeyondInt64AreClampedAndReportedOncePerObject) {
  // Each quantity fits; their sum within one pod, and the node total, do not.
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "4", "1Gi"));
  builder.AddPod(MakePod("a", "big", "n1",
                         {MakeContainer("c1", Resources({{"memory", "5E"}})),
                          MakeContainer("c2", Resources({{"memory", "5E"}}))}));
  builder.AddPod(MakePod("a", "small", "n1", {MakeContainer("c", Resources({{"memory", "1"}}))}));
  builder.AddPod(MakePod("b", "half-1", "n1", {MakeContainer("c", Resources({{"cpu", "5E"}}))}));
  const CommitmentSnapshot snap = builder.Build();

  const NodeCommitment n = FindNode(snap, "n1");
  EXPECT_EQ(n.committed.memory_requests_bytes, INT64_MAX);
  EXPECT_EQ(n.committed.cpu_requests_milli, INT64_MAX);
  // "big" clamps its own total; "small" lands on a total already at the bound and is not
  // blamed; "half-1" clamps in milli-cores.
  EXPECT_EQ(snap.saturated.at("pod"), 2);
  std::vector<std::string> objects;
  for (const ObjectIssue& issue : snap.issue_samples) {
    EXPECT_EQ(issue.reason, "saturated");
    EXPECT_FALSE(issue.skipped);
    EXPECT_THAT(issue.message, HasSubstr("beyond the int64 range"));
    objects.push_back(issue.object);
  }
  EXPECT_THAT(objects, ::testing::Contains("a/big"));
  EXPECT_THAT(objects, ::testing::Contains("b/half-1"));
  EXPECT_THAT(objects, ::testing::Not(::testing::Contains("a/small")));
}

TEST(CommitmentTest, PodsOnANodeSkippedForBadDataAreNotOrphaned) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "4", "1Gi"));
  builder.AddIssue({"node", "broken", "bad_quantity", "node broken: bad", true});
  builder.AddPod(
      MakePod("a", "on-broken", "broken", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  builder.AddPod(
      MakePod("a", "on-ghost", "ghost", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  const CommitmentSnapshot snap = builder.Build();
  EXPECT_EQ(snap.cluster.orphaned_pods, 1);
  EXPECT_EQ(snap.skipped.at({"node", "bad_quantity"}), 1);
  // Namespace figures still count both pods, as they count pending ones.
  ASSERT_EQ(snap.namespaces.size(), 1u);
  EXPECT_EQ(snap.namespaces[0].pods, 2);
}

// A snapshot that names a node twice: once with bad data, once good, then once more.
TEST(CommitmentTest, ANodeListedTwiceCountsOnceAndItsPodsAreNotOrphaned) {
  CommitmentBuilder builder({});
  builder.AddIssue({"node", "n1", "bad_quantity", "node n1: bad", true});
  builder.AddNode(MakeNode("n1", "4", "1Gi"));
  builder.AddNode(MakeNode("n1", "64", "1Ti"));
  builder.AddPod(MakePod("a", "p", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  const CommitmentSnapshot snap = builder.Build();
  ASSERT_EQ(snap.nodes.size(), 1u);
  EXPECT_EQ(snap.nodes[0].cpu_allocatable_milli, 4000);
  EXPECT_EQ(snap.nodes[0].pods, 1);
  EXPECT_EQ(snap.cluster.orphaned_pods, 0);
  EXPECT_EQ(snap.cluster.committed.cpu_requests_milli, 1000);
  EXPECT_EQ(snap.skipped.at({"node", "duplicate"}), 1);
  EXPECT_THAT(snap.issue_samples.back().message, HasSubstr("node n1: listed again"));

  builder.ResetNodes();
  builder.AddNode(MakeNode("n1", "2", "1Gi"));
  EXPECT_EQ(builder.Build().nodes.size(), 1u);
}

TEST(CommitmentTest, ResetPodsForgetsPodsAndTheirIssues) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "2", "2Gi"));
  builder.AddPod(MakePod("a", "p", "n1", {MakeContainer("c", Resources({{"cpu", "1"}}))}));
  builder.AddIssue({"pod", "a/bad", "bad_quantity", "bad", true});
  builder.AddIssue({"node", "n9", "bad_field", "bad", true});
  builder.ResetPods();
  builder.AddPod(MakePod("a", "q", "n1", {MakeContainer("c", Resources({{"cpu", "2"}}))}));
  const CommitmentSnapshot snap = builder.Build();
  EXPECT_EQ(FindNode(snap, "n1").committed.cpu_requests_milli, 2000);
  EXPECT_EQ(FindNode(snap, "n1").pods, 1);
  EXPECT_EQ(snap.skipped.count({"pod", "bad_quantity"}), 0u);
  EXPECT_EQ(snap.skipped.at({"node", "bad_field"}), 1);
}

TEST(CommitmentTest, SumsSaturateInsteadOfWrapping) {
  CommitmentBuilder builder({});
  builder.AddNode(MakeNode("n1", "2", "2Gi"));
  for (int i = 0; i < 3; ++i) {
    builder.AddPod(MakePod("a", "p" + std::to_string(i), "n1",
                           {MakeContainer("c", Resources({{"memory", "8E"}}))}));
  }
  EXPECT_EQ(FindNode(builder.Build(), "n1").committed.memory_requests_bytes, INT64_MAX);
}

}  // namespace
}  // namespace kce
