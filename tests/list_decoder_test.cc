#include "kce/list_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "kce/quantity.h"

namespace kce {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr std::int64_t kKi = 1024;
constexpr std::int64_t kMi = 1024 * kKi;
constexpr std::int64_t kGi = 1024 * kMi;

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(KCE_TEST_DATA_DIR) + "/api/" + name, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string ToString(__int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string digits;
  for (; value != 0; value /= 10) {
    const int digit = static_cast<int>(value % 10);
    digits.insert(digits.begin(), static_cast<char>('0' + (negative ? -digit : digit)));
  }
  return negative ? "-" + digits : digits;
}

// Quantities are compared as decimal nano counts so failures print readably.
std::string Nanos(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? "absent" : ToString(q->nanos);
}
std::string Milli(std::int64_t milli) { return ToString(static_cast<__int128>(milli) * 1000000); }
std::string Units(std::int64_t units) {
  return ToString(static_cast<__int128>(units) * 1000000000);
}

const Pod* FindPod(const std::vector<Pod>& pods, std::string_view name) {
  for (const Pod& pod : pods) {
    if (pod.name == name) return &pod;
  }
  return nullptr;
}

class ListDecoderTest : public ::testing::Test {
 protected:
  ListDecoder decoder_;
  std::string error_;
};

TEST_F(ListDecoderTest, NodeListReadsEveryNeededField) {
  std::string json = ReadData("nodes.json");
  NodePage page;
  ASSERT_TRUE(decoder_.DecodeNodeList(json, &page, &error_)) << error_;

  EXPECT_EQ(page.meta.resource_version, "48377");
  EXPECT_EQ(page.meta.continue_token, "");
  EXPECT_TRUE(page.issues.empty());
  ASSERT_EQ(page.items.size(), 3u);

  const Node& ready = page.items[0];
  EXPECT_EQ(ready.name, "worker-1");
  EXPECT_EQ(ready.uid, "f26ba5fe-fe63-4897-a067-bfdc2a1d5905");
  EXPECT_EQ(ready.labels.size(), 8u);
  EXPECT_THAT(ready.labels, ::testing::Contains(Pair("kubernetes.io/hostname", "worker-1")));
  EXPECT_THAT(ready.labels, ::testing::Contains(Pair("topology.kubernetes.io/zone", "eu-west-1a")));
  EXPECT_FALSE(ready.deleting);
  EXPECT_FALSE(ready.unschedulable);
  EXPECT_TRUE(ready.taints.empty());
  EXPECT_EQ(ready.ready, ReadyStatus::kTrue);
  // Only cpu, memory and pods are kept; ephemeral-storage and hugepages are skipped unread.
  EXPECT_EQ(ready.capacity.size(), 3u);
  EXPECT_EQ(Nanos(ready.capacity, "cpu"), Units(4));
  EXPECT_EQ(Nanos(ready.capacity, "memory"), Units(16365036 * kKi));
  EXPECT_EQ(Nanos(ready.capacity, "pods"), Units(110));
  EXPECT_FALSE(ready.capacity.Has("ephemeral-storage"));
  EXPECT_FALSE(ready.capacity.Has("hugepages-2Mi"));
  EXPECT_EQ(ready.allocatable.size(), 3u);
  EXPECT_EQ(Nanos(ready.allocatable, "cpu"), Milli(3920));
  EXPECT_EQ(Nanos(ready.allocatable, "memory"), Units(15213548 * kKi));

  const Node& not_ready = page.items[1];
  EXPECT_EQ(not_ready.name, "worker-2");
  EXPECT_EQ(not_ready.ready, ReadyStatus::kFalse);
  EXPECT_FALSE(not_ready.unschedulable);
  ASSERT_EQ(not_ready.taints.size(), 3u);
  EXPECT_EQ(not_ready.taints[0].key, "node.kubernetes.io/not-ready");
  EXPECT_EQ(not_ready.taints[0].value, "");
  EXPECT_EQ(not_ready.taints[0].effect, "NoSchedule");
  EXPECT_EQ(not_ready.taints[1].effect, "NoExecute");
  EXPECT_EQ(not_ready.taints[2].key, "nvidia.com/gpu");
  EXPECT_EQ(not_ready.taints[2].value, "present");
  EXPECT_EQ(not_ready.taints[2].effect, "PreferNoSchedule");
  EXPECT_FALSE(not_ready.capacity.Has("nvidia.com/gpu"));
  EXPECT_FALSE(not_ready.allocatable.Has("nvidia.com/gpu"));
  EXPECT_THAT(not_ready.labels, ::testing::Contains(Pair("nvidia.com/gpu.present", "true")));

  const Node& cordoned = page.items[2];
  EXPECT_EQ(cordoned.name, "worker-3");
  EXPECT_TRUE(cordoned.unschedulable);
  EXPECT_EQ(cordoned.ready, ReadyStatus::kTrue);
  ASSERT_EQ(cordoned.taints.size(), 1u);
  EXPECT_EQ(cordoned.taints[0].key, "node.kubernetes.io/unschedulable");
  EXPECT_EQ(cordoned.taints[0].effect, "NoSchedule");
  EXPECT_EQ(Nanos(cordoned.allocatable, "cpu"), Milli(7910));
  EXPECT_THAT(cordoned.labels,
              ::testing::Contains(Pair("topology.kubernetes.io/zone", "eu-west-1b")));
}

class PodPageTest : public ListDecoderTest {
 protected:
  void SetUp() override {
    std::string json = ReadData("pods.json");
    ASSERT_TRUE(decoder_.DecodePodList(json, &page_, &error_)) << error_;
  }
  const Pod& Get(std::string_view name) {
    const Pod* pod = FindPod(page_.items, name);
    EXPECT_NE(pod, nullptr) << name;
    static const Pod kEmpty;
    return pod != nullptr ? *pod : kEmpty;
  }
  PodPage page_;
};

TEST_F(PodPageTest, KeepsListMetadataAndOrder) {
  EXPECT_EQ(page_.meta.resource_version, "48377");
  EXPECT_EQ(page_.meta.continue_token,
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgzNzcsInN0YXJ0IjoiaHVnZS1zY3"
            "JhdGNoLThhOWIwYzFk"
            "Mi1xcXFxcVx1MDAwMCJ9");
  std::vector<std::string> names;
  for (const Pod& pod : page_.items) names.push_back(pod.name);
  EXPECT_THAT(names,
              ElementsAre("web-7d4b9c6f5d-x2x9q", "etl-batch-29411520-k8x7m",
                          "spark-driver-5f6c8d7b9-qwz4t", "resize-demo-6b9f7c5d4-p2lmn", "api-0",
                          "number-quantity-6c7d8e9f0-abcde", "nulls-7f8e9d0c1-mnbvc",
                          "report-29411460-7hq2w", "huge-scratch-8a9b0c1d2-qqqqq"));
}

TEST_F(PodPageTest, ReportsBadQuantityAndSaturation) {
  ASSERT_EQ(page_.issues.size(), 2u);
  const ObjectIssue& bad = page_.issues[0];
  EXPECT_EQ(bad.kind, "pod");
  EXPECT_EQ(bad.object, "default/bad-quantity-58d9c7b6f4-zz9k2");
  EXPECT_EQ(bad.reason, "bad_quantity");
  EXPECT_TRUE(bad.skipped);
  EXPECT_THAT(bad.message, HasSubstr("pod default/bad-quantity-58d9c7b6f4-zz9k2: "
                                     "spec.containers[app].resources.requests.cpu: "));
  EXPECT_THAT(bad.message, HasSubstr("\"1K\""));

  const ObjectIssue& clamped = page_.issues[1];
  EXPECT_EQ(clamped.object, "default/huge-scratch-8a9b0c1d2-qqqqq");
  EXPECT_EQ(clamped.reason, "saturated");
  EXPECT_FALSE(clamped.skipped);
  EXPECT_THAT(clamped.message, HasSubstr("spec.containers[app].resources.limits.memory: "));
  EXPECT_THAT(clamped.message, HasSubstr("\"9Ei\""));
  const Pod& huge = Get("huge-scratch-8a9b0c1d2-qqqqq");
  ASSERT_EQ(huge.containers.size(), 1u);
  EXPECT_EQ(Nanos(huge.containers[0].limits, "memory"), ToString(kMaxQuantityNanos));
  // An explicit request is not overwritten by the limit; ephemeral-storage is not read at all,
  // so its 9Ei reports nothing.
  EXPECT_EQ(Nanos(huge.containers[0].requests, "memory"), Units(kGi));
  EXPECT_FALSE(huge.containers[0].limits.Has("ephemeral-storage"));
  EXPECT_EQ(Nanos(huge.containers[0].requests, "cpu"), Milli(100));
}

TEST_F(PodPageTest, PlainPodWithStatusResources) {
  const Pod& web = Get("web-7d4b9c6f5d-x2x9q");
  EXPECT_EQ(web.ns, "default");
  EXPECT_EQ(web.uid, "94356d9e-41a6-4b73-a5b6-5128514c06d7");
  EXPECT_EQ(web.node_name, "worker-1");
  EXPECT_EQ(web.phase, "Running");
  EXPECT_FALSE(web.deleting);
  EXPECT_FALSE(web.resize_infeasible);
  EXPECT_TRUE(web.init_containers.empty());
  EXPECT_TRUE(web.overhead.empty());
  EXPECT_TRUE(web.pod_requests.empty());
  EXPECT_TRUE(web.pod_limits.empty());
  ASSERT_EQ(web.containers.size(), 2u);
  const Container& app = web.containers[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_FALSE(app.sidecar);
  EXPECT_EQ(app.requests.size(), 2u);
  EXPECT_EQ(Nanos(app.requests, "cpu"), Milli(250));
  EXPECT_EQ(Nanos(app.requests, "memory"), Units(256 * kMi));
  EXPECT_EQ(Nanos(app.limits, "cpu"), Milli(500));
  EXPECT_EQ(Nanos(app.limits, "memory"), Units(512 * kMi));
  EXPECT_EQ(web.containers[1].name, "log-shipper");
  EXPECT_EQ(Nanos(web.containers[1].limits, "memory"), Units(64 * kMi));

  ASSERT_EQ(web.statuses.size(), 2u);
  const ContainerStatus& app_status = web.statuses[0];
  EXPECT_EQ(app_status.name, "app");
  EXPECT_TRUE(app_status.has_resources);
  EXPECT_EQ(Nanos(app_status.requests, "cpu"), Milli(250));
  EXPECT_EQ(Nanos(app_status.limits, "memory"), Units(512 * kMi));
  EXPECT_EQ(Nanos(app_status.allocated, "cpu"), Milli(250));
  EXPECT_EQ(Nanos(app_status.allocated, "memory"), Units(256 * kMi));
  EXPECT_EQ(web.statuses[1].name, "log-shipper");
}

TEST_F(PodPageTest, InitContainersSidecarsAndOverhead) {
  const Pod& etl = Get("etl-batch-29411520-k8x7m");
  EXPECT_EQ(etl.ns, "data");
  EXPECT_EQ(Nanos(etl.overhead, "cpu"), Milli(250));
  EXPECT_EQ(Nanos(etl.overhead, "memory"), Units(120 * kMi));
  ASSERT_EQ(etl.init_containers.size(), 2u);
  const Container& migrate = etl.init_containers[0];
  EXPECT_EQ(migrate.name, "migrate");
  EXPECT_FALSE(migrate.sidecar);
  EXPECT_EQ(Nanos(migrate.requests, "cpu"), Units(2));
  EXPECT_EQ(Nanos(migrate.limits, "cpu"), "absent");
  EXPECT_EQ(Nanos(migrate.limits, "memory"), Units(kGi));
  const Container& proxy = etl.init_containers[1];
  EXPECT_EQ(proxy.name, "istio-proxy");
  EXPECT_TRUE(proxy.sidecar);
  EXPECT_EQ(Nanos(proxy.requests, "cpu"), Milli(100));
  EXPECT_EQ(Nanos(proxy.limits, "cpu"), Units(2));
  ASSERT_EQ(etl.containers.size(), 1u);
  EXPECT_FALSE(etl.containers[0].sidecar);
  EXPECT_TRUE(etl.containers[0].limits.empty());
  EXPECT_EQ(Nanos(etl.containers[0].requests, "memory"), Units(2 * kGi));

  // Container and init container statuses share one list.
  std::vector<std::string> names;
  for (const ContainerStatus& status : etl.statuses) names.push_back(status.name);
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("worker", "migrate", "istio-proxy"));
  for (const ContainerStatus& status : etl.statuses) EXPECT_TRUE(status.has_resources);
}

TEST_F(PodPageTest, PodLevelResources) {
  const Pod& spark = Get("spark-driver-5f6c8d7b9-qwz4t");
  EXPECT_EQ(Nanos(spark.pod_requests, "cpu"), Units(2));
  EXPECT_EQ(Nanos(spark.pod_requests, "memory"), Units(4 * kGi));
  EXPECT_EQ(Nanos(spark.pod_limits, "cpu"), Units(4));
  EXPECT_EQ(Nanos(spark.pod_limits, "memory"), Units(8 * kGi));
  ASSERT_EQ(spark.containers.size(), 2u);
  for (const Container& c : spark.containers) {
    EXPECT_TRUE(c.requests.empty()) << c.name;
    EXPECT_TRUE(c.limits.empty()) << c.name;
  }
  ASSERT_EQ(spark.statuses.size(), 2u);
  // status.resources is {} here: the same as absent.
  for (const ContainerStatus& s : spark.statuses) {
    EXPECT_FALSE(s.has_resources) << s.name;
    EXPECT_TRUE(s.allocated.empty()) << s.name;
  }
}

TEST_F(PodPageTest, ResizeStatuses) {
  const Pod& pending = Get("resize-demo-6b9f7c5d4-p2lmn");
  EXPECT_TRUE(pending.resize_infeasible);
  ASSERT_EQ(pending.containers.size(), 1u);
  EXPECT_EQ(Nanos(pending.containers[0].requests, "cpu"), Units(4));
  ASSERT_EQ(pending.statuses.size(), 1u);
  EXPECT_TRUE(pending.statuses[0].has_resources);
  EXPECT_EQ(Nanos(pending.statuses[0].requests, "cpu"), Units(1));
  EXPECT_EQ(Nanos(pending.statuses[0].allocated, "cpu"), Units(1));

  const Pod& legacy = Get("api-0");
  EXPECT_EQ(legacy.ns, "legacy");
  EXPECT_TRUE(legacy.resize_infeasible);
  // The ephemeral debug container never counts, so it is not read.
  ASSERT_EQ(legacy.containers.size(), 1u);
  EXPECT_EQ(legacy.containers[0].name, "api");
  ASSERT_EQ(legacy.statuses.size(), 1u);
  EXPECT_FALSE(legacy.statuses[0].has_resources);

  EXPECT_FALSE(Get("web-7d4b9c6f5d-x2x9q").resize_infeasible);
}

TEST_F(PodPageTest, NumberQuantitiesKeepTheirExactText) {
  const Pod& pod = Get("number-quantity-6c7d8e9f0-abcde");
  ASSERT_EQ(pod.containers.size(), 1u);
  EXPECT_EQ(Nanos(pod.containers[0].limits, "memory"), Units(129000000));
  EXPECT_EQ(Nanos(pod.containers[0].requests, "cpu"), Milli(500));
  EXPECT_EQ(Nanos(pod.containers[0].requests, "memory"), Units(123 * kMi));
}

TEST_F(PodPageTest, NullAndEmptyFieldsReadAsAbsent) {
  const Pod& pod = Get("nulls-7f8e9d0c1-mnbvc");
  EXPECT_TRUE(pod.deleting);
  EXPECT_EQ(pod.node_name, "");
  EXPECT_EQ(pod.phase, "Pending");
  ASSERT_EQ(pod.containers.size(), 2u);
  for (const Container& c : pod.containers) {
    EXPECT_TRUE(c.requests.empty()) << c.name;
    EXPECT_TRUE(c.limits.empty()) << c.name;
  }
  EXPECT_TRUE(pod.init_containers.empty());
  EXPECT_TRUE(pod.overhead.empty());
  EXPECT_TRUE(pod.pod_requests.empty());
  EXPECT_TRUE(pod.statuses.empty());
  EXPECT_FALSE(pod.resize_infeasible);

  EXPECT_EQ(Get("report-29411460-7hq2w").phase, "Succeeded");
}

TEST_F(ListDecoderTest, ObjectsFromKubectlListDefaultRequests) {
  std::string json = ReadData("cluster-list.json");
  ClusterObjects objects;
  ASSERT_TRUE(decoder_.DecodeObjects(json, &objects, &error_)) << error_;
  EXPECT_TRUE(objects.issues.empty());
  ASSERT_EQ(objects.nodes.size(), 2u);
  EXPECT_EQ(objects.nodes[0].name, "worker-1");
  EXPECT_EQ(objects.nodes[0].ready, ReadyStatus::kTrue);
  EXPECT_EQ(objects.nodes[1].name, "worker-3");
  EXPECT_TRUE(objects.nodes[1].unschedulable);
  ASSERT_EQ(objects.pods.size(), 2u);  // the Service is ignored
  EXPECT_EQ(objects.pods[0].name, "web-7d4b9c6f5d-x2x9q");
  EXPECT_EQ(objects.pods[0].statuses.size(), 2u);

  const Pod& hand = objects.pods[1];
  EXPECT_EQ(hand.ns, "sandbox");
  EXPECT_EQ(hand.name, "hand-written");
  ASSERT_EQ(hand.containers.size(), 1u);
  EXPECT_EQ(Nanos(hand.containers[0].requests, "cpu"),
            Units(1));  // defaulted from the limit
  EXPECT_EQ(Nanos(hand.containers[0].requests, "memory"),
            Units(512 * kMi));  // kept
  ASSERT_EQ(hand.init_containers.size(), 1u);
  EXPECT_EQ(Nanos(hand.init_containers[0].requests, "cpu"), Units(2));
}

TEST_F(ListDecoderTest, ObjectsAcceptTypedListsAndAppend) {
  std::string nodes = ReadData("nodes.json");
  std::string pods = ReadData("pods.json");
  ClusterObjects objects;
  ASSERT_TRUE(decoder_.DecodeObjects(nodes, &objects, &error_)) << error_;
  ASSERT_TRUE(decoder_.DecodeObjects(pods, &objects, &error_)) << error_;
  EXPECT_EQ(objects.nodes.size(), 3u);
  EXPECT_EQ(objects.pods.size(), 9u);
  EXPECT_EQ(objects.issues.size(), 2u);
  ASSERT_TRUE(decoder_.DecodeObjects(nodes, &objects, &error_)) << error_;
  EXPECT_EQ(objects.nodes.size(), 6u);
  EXPECT_EQ(objects.nodes[3].name, "worker-1");
}

TEST_F(ListDecoderTest, ReusedDecoderGivesTheSameResultAndReplacesThePage) {
  std::string json = ReadData("pods.json");
  PodPage first;
  ASSERT_TRUE(decoder_.DecodePodList(json, &first, &error_)) << error_;
  std::string nodes = ReadData("nodes.json");
  NodePage node_page;
  ASSERT_TRUE(decoder_.DecodeNodeList(nodes, &node_page, &error_)) << error_;
  PodPage second = first;
  ASSERT_TRUE(decoder_.DecodePodList(json, &second, &error_)) << error_;
  ASSERT_EQ(second.items.size(), first.items.size());
  EXPECT_EQ(second.issues.size(), first.issues.size());
  for (std::size_t i = 0; i < first.items.size(); ++i) {
    EXPECT_EQ(second.items[i].name, first.items[i].name);
    ASSERT_EQ(second.items[i].containers.size(), first.items[i].containers.size());
    for (std::size_t c = 0; c < first.items[i].containers.size(); ++c) {
      EXPECT_EQ(second.items[i].containers[c].requests, first.items[i].containers[c].requests);
    }
  }
}

TEST_F(ListDecoderTest, AddsPaddingWhenTheStringHasNone) {
  std::string json = ReadData("nodes.json");
  json.shrink_to_fit();
  NodePage page;
  ASSERT_TRUE(decoder_.DecodeNodeList(json, &page, &error_)) << error_;
  EXPECT_EQ(page.items.size(), 3u);
  EXPECT_GE(json.capacity() - json.size(), 64u);
}

}  // namespace
}  // namespace kce
