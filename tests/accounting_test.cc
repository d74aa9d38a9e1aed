#include "kce/accounting.h"

#include <gtest/gtest.h>

#include "support/pod_builder.h"

namespace kce {
namespace {

using testing::MakeContainer;
using testing::MakePod;
using testing::Q;
using testing::Resources;

std::int64_t MilliOf(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? -1 : MilliValue(*q);
}

std::int64_t ValueOf(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? -1 : Value(*q);
}

// Accounting doc §1.7 A: sidecars count for the whole life of the pod; each ordinary init
// container peaks with the sidecars declared before it.
TEST(AccountingTest, WorkedExampleAInterleavedSidecars) {
  Pod pod = MakePod("ns", "a", "n1", {MakeContainer("c1", Resources({{"cpu", "1"}}))});
  pod.init_containers = {
      MakeContainer("init-1", Resources({{"cpu", "5"}})),
      MakeContainer("sidecar-1", Resources({{"cpu", "1"}}), {}, true),
      MakeContainer("sidecar-2", Resources({{"cpu", "2"}}), {}, true),
      MakeContainer("init-2", Resources({{"cpu", "5"}})),
      MakeContainer("sidecar-3", Resources({{"cpu", "3"}}), {}, true),
  };
  EXPECT_EQ(MilliOf(EffectiveResources(pod).requests, kCpu), 8000);
}

TEST(AccountingTest, WorkedExampleBInitBesideEarlierSidecar) {
  Pod pod = MakePod("ns", "b", "n1", {MakeContainer("c", Resources({{"cpu", "100m"}}))});
  pod.init_containers = {
      MakeContainer("sidecar", Resources({{"cpu", "10m"}}), {}, true),
      MakeContainer("init", Resources({{"cpu", "200m"}})),
  };
  EXPECT_EQ(MilliOf(EffectiveResources(pod).requests, kCpu), 210);
}

TEST(AccountingTest, WorkedExampleCOverheadAddsToExistingLimitsOnly) {
  Pod pod = MakePod("ns", "c", "n1",
                    {MakeContainer("c", Resources({{"cpu", "1"}, {"memory", "1Gi"}}),
                                   Resources({{"cpu", "2"}}))});
  pod.overhead = Resources({{"cpu", "250m"}, {"memory", "120Mi"}});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 1250);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 1144LL * 1024 * 1024);
  EXPECT_EQ(MilliOf(r.limits, kCpu), 2250);
  EXPECT_FALSE(r.limits.Has(kMemory));
}

TEST(AccountingTest, WorkedExampleDPodLevelRequestsReplaceByKey) {
  Pod pod = MakePod("ns", "d", "n1",
                    {MakeContainer("a", Resources({{"cpu", "300m"}, {"memory", "768Mi"}})),
                     MakeContainer("b", Resources({{"cpu", "200m"}, {"memory", "256Mi"}}))});
  pod.pod_requests = Resources({{"cpu", "1"}});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 1000);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 1024LL * 1024 * 1024);
}

TEST(AccountingTest, PodLevelLimitsReplaceOnlyWhenPodLevelResourcesExist) {
  Pod pod = MakePod("ns", "d", "n1",
                    {MakeContainer("a", Resources({{"cpu", "1"}}), Resources({{"cpu", "4"}}))});
  pod.pod_limits = Resources({{"cpu", "2"}, {"nvidia.com/gpu", "1"}});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.limits, kCpu), 2000);
  // Only cpu, memory and hugepages-* are pod-level keys.
  EXPECT_FALSE(r.limits.Has("nvidia.com/gpu"));

  Pod unsupported = MakePod(
      "ns", "e", "n1", {MakeContainer("a", Resources({{"cpu", "1"}}), Resources({{"cpu", "4"}}))});
  unsupported.pod_limits = Resources({{"nvidia.com/gpu", "1"}});
  EXPECT_EQ(MilliOf(EffectiveResources(unsupported).limits, kCpu), 4000);
}

TEST(AccountingTest, PodLevelLimitDefaultsTheRequestNoContainerMakes) {
  // Containers request memory but no cpu; the pod-level cpu limit becomes the cpu request, as
  // API defaulting writes it, and memory keeps the containers' aggregate.
  Pod pod = MakePod("ns", "p", "n1",
                    {MakeContainer("a", Resources({{"memory", "1Gi"}})),
                     MakeContainer("b", Resources({{"memory", "512Mi"}}))});
  pod.pod_limits = Resources({{"cpu", "2"}, {"memory", "4Gi"}});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 2000);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 1536LL * 1024 * 1024);
  EXPECT_EQ(MilliOf(r.limits, kCpu), 2000);
  EXPECT_EQ(ValueOf(r.limits, kMemory), 4LL * 1024 * 1024 * 1024);

  // An explicit pod-level request is never replaced by the limit.
  pod.pod_requests = Resources({{"cpu", "500m"}});
  EXPECT_EQ(MilliOf(EffectiveResources(pod).requests, kCpu), 500);

  // Without pod-level limits nothing is defaulted: no request stays no request.
  Pod plain = MakePod("ns", "q", "n1", {MakeContainer("a", Resources({{"memory", "1Gi"}}))});
  EXPECT_FALSE(EffectiveResources(plain).requests.Has(kCpu));
}

TEST(AccountingTest, DefaultedPodLevelRequestUsesTheDeclaredAggregate) {
  // Defaulting happens at creation, from the spec: a resize the kubelet granted later does
  // not change the pod-level request that replaces the container aggregate.
  Pod pod = MakePod("ns", "r", "n1", {MakeContainer("c", Resources({{"cpu", "300m"}}))});
  ContainerStatus status;
  status.name = "c";
  status.has_resources = true;
  status.requests = Resources({{"cpu", "800m"}});
  pod.statuses = {status};
  pod.pod_limits = Resources({{"memory", "1Gi"}});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 300);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 1024LL * 1024 * 1024);
}

Pod ResizingPod() {
  Pod pod = MakePod("ns", "e", "n1",
                    {MakeContainer("c", Resources({{"cpu", "30m"}, {"memory", "20M"}}))});
  ContainerStatus status;
  status.name = "c";
  status.has_resources = true;
  status.allocated = Resources({{"cpu", "20m"}, {"memory", "10M"}});
  status.requests = Resources({{"cpu", "10m"}, {"memory", "30M"}});
  pod.statuses = {status};
  return pod;
}

TEST(AccountingTest, WorkedExampleEResizeTakesLargestPerContainer) {
  PodResources r = EffectiveResources(ResizingPod());
  EXPECT_EQ(MilliOf(r.requests, kCpu), 30);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 30000000);
}

TEST(AccountingTest, WorkedExampleEInfeasibleResizeIgnoresSpec) {
  Pod pod = ResizingPod();
  pod.resize_infeasible = true;
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 20);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 30000000);
}

TEST(AccountingTest, ResizeStatusIgnoredWhenDisabled) {
  PodResources r = EffectiveResources(ResizingPod(), /*use_status=*/false);
  EXPECT_EQ(MilliOf(r.requests, kCpu), 30);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 20000000);
}

TEST(AccountingTest, ResizeLimitsTakeLargerOfSpecAndActuated) {
  Pod pod = MakePod("ns", "e", "n1",
                    {MakeContainer("c", Resources({{"cpu", "1"}}), Resources({{"cpu", "1"}}))});
  ContainerStatus status;
  status.name = "c";
  status.has_resources = true;
  status.requests = Resources({{"cpu", "1"}});
  status.limits = Resources({{"cpu", "3"}});
  pod.statuses = {status};
  EXPECT_EQ(MilliOf(EffectiveResources(pod).limits, kCpu), 3000);
  pod.resize_infeasible = true;
  pod.statuses[0].limits = Resources({{"cpu", "500m"}});
  EXPECT_EQ(MilliOf(EffectiveResources(pod).limits, kCpu), 500);
}

TEST(AccountingTest, MissingLimitAddsNothingAndNoLimitsLeavesKeyAbsent) {
  Pod pod = MakePod("ns", "p", "n1",
                    {MakeContainer("a", Resources({{"cpu", "1"}}), Resources({{"cpu", "1"}})),
                     MakeContainer("b", Resources({{"cpu", "1"}}))});
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(MilliOf(r.limits, kCpu), 1000);
  EXPECT_FALSE(r.limits.Has(kMemory));
  EXPECT_TRUE(ContainerLacksLimit(pod, pod.containers[1], kCpu));
  EXPECT_FALSE(ContainerLacksLimit(pod, pod.containers[0], kCpu));
  pod.pod_limits = Resources({{"cpu", "3"}});
  EXPECT_FALSE(ContainerLacksLimit(pod, pod.containers[1], kCpu));
}

TEST(AccountingTest, InitContainerPeakAlsoAppliesToLimits) {
  Pod pod = MakePod("ns", "p", "n1",
                    {MakeContainer("a", Resources({{"cpu", "1"}}), Resources({{"cpu", "1"}}))});
  pod.init_containers = {
      MakeContainer("init", Resources({{"memory", "1Gi"}}), Resources({{"memory", "2Gi"}}))};
  PodResources r = EffectiveResources(pod);
  EXPECT_EQ(ValueOf(r.limits, kMemory), 2LL << 30);
  EXPECT_EQ(MilliOf(r.limits, kCpu), 1000);
  EXPECT_EQ(ValueOf(r.requests, kMemory), 1LL << 30);
}

TEST(AccountingTest, OnlySucceededAndFailedPodsAreInactive) {
  Pod pod = MakePod("ns", "p", "n1", {});
  for (const char* phase : {"Pending", "Running", "Unknown", ""}) {
    pod.phase = phase;
    EXPECT_TRUE(PodIsActive(pod)) << phase;
  }
  for (const char* phase : {"Succeeded", "Failed"}) {
    pod.phase = phase;
    EXPECT_FALSE(PodIsActive(pod)) << phase;
  }
}

}  // namespace
}  // namespace kce
