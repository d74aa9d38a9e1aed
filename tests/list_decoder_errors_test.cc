#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kce/list_decoder.h"
#include "kce/quantity.h"

namespace kce {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string PodList(const std::string& items) {
  return R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[)" +
         items + "]}";
}

std::string NodeList(const std::string& items) {
  return R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[)" +
         items + "]}";
}

std::string SimplePod(const std::string& name) {
  return R"({"metadata":{"name":")" + name +
         R"(","namespace":"ns"},"spec":{"containers":[{"name":"c",)"
         R"("resources":{"requests":{"cpu":"1"}}}]}})";
}

std::vector<std::string> Names(const std::vector<Pod>& pods) {
  std::vector<std::string> names;
  for (const Pod& pod : pods) names.push_back(pod.name);
  return names;
}

class ListDecoderErrorsTest : public ::testing::Test {
 protected:
  PodPage DecodePods(std::string json) {
    PodPage page;
    EXPECT_TRUE(decoder_.DecodePodList(json, &page, &error_)) << error_;
    return page;
  }
  NodePage DecodeNodes(std::string json) {
    NodePage page;
    EXPECT_TRUE(decoder_.DecodeNodeList(json, &page, &error_)) << error_;
    return page;
  }
  // Decodes a document that must be refused and returns the error text.
  std::string Refused(std::string json) {
    PodPage page;
    std::string error;
    EXPECT_FALSE(decoder_.DecodePodList(json, &page, &error)) << json;
    EXPECT_FALSE(error.empty()) << json;
    EXPECT_THAT(page.items, IsEmpty());
    return error;
  }

  ListDecoder decoder_;
  std::string error_;
};

TEST_F(ListDecoderErrorsTest, TypeErrorInOneItemKeepsTheOthers) {
  PodPage page = DecodePods(PodList(
      SimplePod("ok-1") +
      R"(,{"metadata":{"name":"obj","namespace":"ns"},"spec":{"containers":{"name":"c"}}},)" +
      SimplePod("ok-2") +
      R"(,{"spec":{"nodeName":42},"metadata":{"name":"late","namespace":"ns"}})"
      R"(,{"metadata":{"name":"arr","namespace":"ns"},"spec":{"containers":[{"name":"c",)"
      R"("resources":{"requests":["cpu"]}}]}})"
      R"(,"oops")"
      R"(,{"spec":{"nodeName":true}},)" +
      SimplePod("ok-3")));

  EXPECT_THAT(Names(page.items), ElementsAre("ok-1", "ok-2", "ok-3"));
  ASSERT_EQ(page.issues.size(), 5u);
  for (const ObjectIssue& issue : page.issues) {
    EXPECT_EQ(issue.kind, "pod");
    EXPECT_EQ(issue.reason, "bad_field");
    EXPECT_TRUE(issue.skipped);
  }
  EXPECT_EQ(page.issues[0].object, "ns/obj");
  EXPECT_EQ(page.issues[0].message, "pod ns/obj: spec.containers: expected array, got object");
  // The name comes after the bad field and is still found.
  EXPECT_EQ(page.issues[1].object, "ns/late");
  EXPECT_EQ(page.issues[1].message, "pod ns/late: spec.nodeName: expected string, got number 42");
  EXPECT_EQ(page.issues[2].message,
            "pod ns/arr: spec.containers[c].resources.requests: expected "
            "object, got array");
  EXPECT_EQ(page.issues[3].object, "item 5");
  EXPECT_THAT(page.issues[3].message, HasSubstr("expected object, got string \"oops\""));
  EXPECT_EQ(page.issues[4].object, "item 6");
  EXPECT_EQ(page.issues[4].message, "pod item 6: spec.nodeName: expected string, got boolean true");
}

TEST_F(ListDecoderErrorsTest, QuantityOfWrongTypeIsBadField) {
  PodPage page = DecodePods(
      PodList(R"({"metadata":{"name":"a","namespace":"ns"},"spec":{"overhead":{"cpu":true}}},)"
              R"({"metadata":{"name":"b","namespace":"ns"},"spec":{"initContainers":[{"name":"i",)"
              R"("resources":{"limits":{"memory":{"v":1}}}}]}},)" +
              SimplePod("c")));
  EXPECT_THAT(Names(page.items), ElementsAre("c"));
  ASSERT_EQ(page.issues.size(), 2u);
  EXPECT_EQ(page.issues[0].message,
            "pod ns/a: spec.overhead.cpu: expected quantity (string or "
            "number), got boolean true");
  EXPECT_EQ(page.issues[1].message,
            "pod ns/b: spec.initContainers[i].resources.limits.memory: "
            "expected quantity (string "
            "or number), got object");
}

TEST_F(ListDecoderErrorsTest, InvalidEscapeSkipsOnlyThatItem) {
  PodPage page = DecodePods(
      PodList(R"({"metadata":{"name":"esc","namespace":"ns"},"spec":{"nodeName":"a\qb"}},)" +
              SimplePod("next")));
  EXPECT_THAT(Names(page.items), ElementsAre("next"));
  ASSERT_EQ(page.issues.size(), 1u);
  EXPECT_EQ(page.issues[0].object, "ns/esc");
  EXPECT_THAT(page.issues[0].message, HasSubstr("spec.nodeName: "));
}

TEST_F(ListDecoderErrorsTest, SaturationIsNotReportedForASkippedObject) {
  PodPage page = DecodePods(
      PodList(R"({"metadata":{"name":"both","namespace":"ns"},"spec":{"containers":[{"name":"c",)"
              R"("resources":{"limits":{"memory":"9Ei"},"requests":{"cpu":"1.1.M"}}}]}})"));
  EXPECT_THAT(page.items, IsEmpty());
  ASSERT_EQ(page.issues.size(), 1u);
  EXPECT_EQ(page.issues[0].reason, "bad_quantity");
  EXPECT_THAT(page.issues[0].message, HasSubstr("spec.containers[c].resources.requests.cpu: "));
  EXPECT_THAT(page.issues[0].message, HasSubstr("\"1.1.M\""));
}

TEST_F(ListDecoderErrorsTest, EscapedNamesAreUnescaped) {
  NodePage page = DecodeNodes(
      NodeList(R"({"metadata":{"name":"n\u002d1","labels":{"team":"caf\u00e9","a\/b":"x"}},)"
               R"("status":{"capacity":{"\u0063pu":"2"}}})"));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "n-1");
  EXPECT_THAT(page.items[0].labels,
              ElementsAre(std::pair<std::string, std::string>("team", "caf\xc3\xa9"),
                          std::pair<std::string, std::string>("a/b", "x")));
  EXPECT_TRUE(page.items[0].capacity.Has("cpu"));
}

TEST_F(ListDecoderErrorsTest, ResourcesAccountingDoesNotUseAreSkippedUnread) {
  // A broken extended resource costs neither the node nor the pod; cpu, memory and pods stay.
  NodePage nodes = DecodeNodes(
      NodeList(R"({"metadata":{"name":"n1"},"status":{"capacity":{"example.com/x":"1K","cpu":"4",)"
               R"("pods":"110","hugepages-2Mi":{"bad":1}},"allocatable":{"memory":"1Gi"}}})"));
  ASSERT_EQ(nodes.items.size(), 1u);
  EXPECT_THAT(nodes.issues, IsEmpty());
  EXPECT_EQ(nodes.items[0].capacity.size(), 2u);
  EXPECT_TRUE(nodes.items[0].capacity.Has("cpu"));
  EXPECT_TRUE(nodes.items[0].capacity.Has("pods"));

  PodPage pods = DecodePods(
      PodList(R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c",)"
              R"("resources":{"limits":{"nvidia.com/gpu":"one"},"requests":{"cpu":"1"}}}]}})"));
  ASSERT_EQ(pods.items.size(), 1u);
  EXPECT_THAT(pods.issues, IsEmpty());
  EXPECT_TRUE(pods.items[0].containers[0].limits.empty());
  EXPECT_EQ(pods.items[0].containers[0].requests.size(), 1u);
}

TEST_F(ListDecoderErrorsTest, QuantitiesAreRoundedUpToMilliAsStored) {
  PodPage pods = DecodePods(
      PodList(R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[)"
              R"({"name":"a","resources":{"requests":{"cpu":"1.5m","memory":"0.0001"}}}]}})"));
  ASSERT_EQ(pods.items.size(), 1u);
  const Container& a = pods.items[0].containers[0];
  EXPECT_EQ(*a.requests.Find("cpu"), ParseQuantity("2m").value);
  EXPECT_EQ(*a.requests.Find("memory"), ParseQuantity("1m").value);
}

TEST_F(ListDecoderErrorsTest, NullEmptyAndAbsentMeanTheSame) {
  PodPage page = DecodePods(PodList(
      R"({"metadata":{"name":"absent","namespace":"n"},"spec":{"containers":[{"name":"c"}]}},)"
      R"({"metadata":{"name":"null","namespace":"n","deletionTimestamp":null,"labels":null},)"
      R"("spec":{"nodeName":null,"overhead":null,"resources":null,"initContainers":null,)"
      R"("containers":[{"name":"c","resources":null,"restartPolicy":null}]},"status":null},)"
      R"({"metadata":{"name":"empty","namespace":"n","ownerReferences":[]},)"
      R"("spec":{"overhead":{},"resources":{"requests":{},"limits":{}},"initContainers":[],)"
      R"("containers":[{"name":"c","resources":{"requests":{"cpu":null},"limits":{}}}]},)"
      R"("status":{"conditions":[],"containerStatuses":null,"resize":null,"phase":null}})"));
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_THAT(page.issues, IsEmpty());
  for (const Pod& pod : page.items) {
    SCOPED_TRACE(pod.name);
    EXPECT_EQ(pod.ns, "n");
    EXPECT_FALSE(pod.deleting);
    EXPECT_EQ(pod.node_name, "");
    EXPECT_EQ(pod.phase, "");
    EXPECT_TRUE(pod.overhead.empty());
    EXPECT_TRUE(pod.pod_requests.empty());
    EXPECT_TRUE(pod.pod_limits.empty());
    EXPECT_TRUE(pod.init_containers.empty());
    EXPECT_TRUE(pod.statuses.empty());
    EXPECT_FALSE(pod.resize_infeasible);
    ASSERT_EQ(pod.containers.size(), 1u);
    EXPECT_EQ(pod.containers[0].name, "c");
    EXPECT_TRUE(pod.containers[0].requests.empty());
    EXPECT_TRUE(pod.containers[0].limits.empty());
  }

  NodePage nodes = DecodeNodes(NodeList(
      R"({"metadata":{"name":"a"}},{"metadata":{"name":"b","labels":{}},"spec":null,"status":{}},)"
      R"({"metadata":{"name":"c","labels":null,"deletionTimestamp":null},)"
      R"("spec":{"taints":null,"unschedulable":null},)"
      R"("status":{"capacity":null,"conditions":[]}})"));
  ASSERT_EQ(nodes.items.size(), 3u);
  for (const Node& node : nodes.items) {
    SCOPED_TRACE(node.name);
    EXPECT_TRUE(node.labels.empty());
    EXPECT_FALSE(node.deleting);
    EXPECT_FALSE(node.unschedulable);
    EXPECT_TRUE(node.taints.empty());
    EXPECT_TRUE(node.capacity.empty());
    EXPECT_TRUE(node.allocatable.empty());
    EXPECT_EQ(node.ready, ReadyStatus::kMissing);
  }
}

TEST_F(ListDecoderErrorsTest, StatusResourcesCountOnlyWhenNotEmpty) {
  PodPage page = DecodePods(PodList(
      R"({"metadata":{"name":"p","namespace":"n"},"status":{"containerStatuses":[)"
      R"({"name":"absent"},{"name":"empty","resources":{}},)"
      R"({"name":"empty-lists","resources":{"requests":{},"limits":null,"claims":[]}},)"
      R"({"name":"limits","resources":{"requests":null,"limits":{"cpu":"1"}}},)"
      R"({"name":"requests","resources":{"requests":{"cpu":"1"}}}],)"
      R"("initContainerStatuses":[{"name":"alloc-only","allocatedResources":{"cpu":"2"}}]}})"));
  ASSERT_EQ(page.items.size(), 1u);
  const std::vector<ContainerStatus>& statuses = page.items[0].statuses;
  ASSERT_EQ(statuses.size(), 6u);
  EXPECT_FALSE(statuses[0].has_resources);
  EXPECT_FALSE(statuses[1].has_resources);
  EXPECT_FALSE(statuses[2].has_resources);
  EXPECT_TRUE(statuses[3].has_resources);
  EXPECT_TRUE(statuses[3].requests.empty());  // status lists are not defaulted
  EXPECT_TRUE(statuses[4].has_resources);
  EXPECT_EQ(statuses[5].name, "alloc-only");
  EXPECT_FALSE(statuses[5].has_resources);
  EXPECT_TRUE(statuses[5].allocated.Has("cpu"));
}

TEST_F(ListDecoderErrorsTest, NodeReadyAndDeletion) {
  NodePage page = DecodeNodes(
      NodeList(R"({"metadata":{"name":"unknown"},"status":{"conditions":[{"type":"Ready",)"
               R"("status":"Unknown"}]}},)"
               R"({"metadata":{"name":"missing"},"status":{"conditions":[{"type":"DiskPressure",)"
               R"("status":"True"}]}},)"
               R"({"metadata":{"name":"true","deletionTimestamp":"2026-11-30T07:45:00Z"},)"
               R"("status":{"conditions":[{"status":"True","type":"Ready"}]}},)"
               R"({"metadata":{"name":"false"},)"
               R"("status":{"conditions":[{"type":"Ready","status":"False"}]}})"));
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.items[0].ready, ReadyStatus::kUnknown);
  EXPECT_EQ(page.items[1].ready, ReadyStatus::kMissing);
  EXPECT_EQ(page.items[2].ready, ReadyStatus::kTrue);
  EXPECT_TRUE(page.items[2].deleting);
  EXPECT_FALSE(page.items[0].deleting);
  EXPECT_EQ(page.items[3].ready, ReadyStatus::kFalse);
}

TEST_F(ListDecoderErrorsTest, ResizeInfeasibleNeedsThatReason) {
  PodPage page = DecodePods(PodList(
      R"({"metadata":{"name":"deferred"},"status":{"conditions":[{"type":"PodResizePending",)"
      R"("status":"True","reason":"Deferred"}]}},)"
      R"({"metadata":{"name":"progress"},"status":{"conditions":[{"type":"PodResizeInProgress",)"
      R"("status":"True","reason":"Infeasible"}],"resize":"InProgress"}},)"
      R"({"metadata":{"name":"infeasible"},"status":{"conditions":[{"reason":"Infeasible",)"
      R"("type":"PodResizePending","status":"True"}]}},)"
      R"({"metadata":{"name":"legacy"},"status":{"resize":"Infeasible"}})"));
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_FALSE(page.items[0].resize_infeasible);
  EXPECT_FALSE(page.items[1].resize_infeasible);
  EXPECT_TRUE(page.items[2].resize_infeasible);
  EXPECT_TRUE(page.items[3].resize_infeasible);
}

TEST_F(ListDecoderErrorsTest, LimitsDefaultMissingRequests) {
  PodPage page = DecodePods(PodList(
      R"({"metadata":{"name":"p","namespace":"n"},"spec":{)"
      R"("initContainers":[{"name":"side","restartPolicy":"Always",)"
      R"("resources":{"limits":{"cpu":"300m"}}},)"
      R"({"name":"init","restartPolicy":"OnFailure","resources":{"limits":{"memory":"1Gi"}}}],)"
      R"("containers":[{"name":"c","resources":{"limits":{"cpu":"2","memory":"1Gi"},)"
      R"("requests":{"memory":"256Mi"}}}]}})"));
  ASSERT_EQ(page.items.size(), 1u);
  const Pod& pod = page.items[0];
  ASSERT_EQ(pod.containers.size(), 1u);
  EXPECT_EQ(pod.containers[0].requests.size(), 2u);
  EXPECT_EQ(*pod.containers[0].requests.Find("cpu"), *pod.containers[0].limits.Find("cpu"));
  EXPECT_LT(*pod.containers[0].requests.Find("memory"), *pod.containers[0].limits.Find("memory"));
  ASSERT_EQ(pod.init_containers.size(), 2u);
  EXPECT_TRUE(pod.init_containers[0].sidecar);
  EXPECT_EQ(*pod.init_containers[0].requests.Find("cpu"),
            *pod.init_containers[0].limits.Find("cpu"));
  EXPECT_FALSE(pod.init_containers[1].sidecar);
  EXPECT_TRUE(pod.init_containers[1].requests.Has("memory"));
}

TEST_F(ListDecoderErrorsTest, DocumentsThatAreNotListsAreRefused) {
  EXPECT_FALSE(Refused("").empty());
  EXPECT_FALSE(Refused("   \n").empty());
  EXPECT_FALSE(Refused("hello").empty());
  EXPECT_THAT(Refused("[]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(Refused("42"), HasSubstr("not a JSON object"));
  EXPECT_THAT(Refused(R"({"kind":"PodList","metadata":{}})"), HasSubstr("\"items\""));
  EXPECT_THAT(Refused(R"({"items":{}})"), HasSubstr("items"));
  EXPECT_THAT(Refused(R"({"items":"x"})"), HasSubstr("items"));
  EXPECT_THAT(Refused(R"({"kind":"NodeList","items":[]})"), HasSubstr("\"NodeList\""));
  EXPECT_THAT(Refused(R"({"kind":"List","items":[]})"), HasSubstr("kind"));
  EXPECT_THAT(Refused(R"({"kind":7,"items":[]})"), HasSubstr("kind"));
  EXPECT_THAT(Refused(R"({"items":[]} {})"), HasSubstr("after the end"));
  EXPECT_THAT(Refused(R"({"items":[]}])"), HasSubstr("PodList"));
  EXPECT_THAT(Refused(R"({"metadata":{"continue":5},"items":[]})"),
              HasSubstr("metadata.continue: expected string, got number 5"));
  EXPECT_FALSE(Refused(R"({"items":[{"metadata":{"name":x}}]})").empty());
  EXPECT_FALSE(Refused(R"({"items":[{"metadata" {"name":"x"}}]})").empty());
  EXPECT_FALSE(Refused(R"({"items":[{"metadata":{"name":"x"}},,{}]})").empty());
  EXPECT_FALSE(Refused(std::string("{\"items\":[{\"metadata\":{\"name\":\"\xff\"}}]}")).empty());

  PodPage page = DecodePods(R"({"items":[]})");
  EXPECT_THAT(page.items, IsEmpty());
  page = DecodePods(R"( {"items":null} )");
  EXPECT_THAT(page.items, IsEmpty());
}

TEST_F(ListDecoderErrorsTest, FailureClearsThePageAndTheDecoderRecovers) {
  PodPage page = DecodePods(PodList(SimplePod("a") + "," + SimplePod("b")));
  ASSERT_EQ(page.items.size(), 2u);
  std::string broken = PodList(SimplePod("a") + "," + SimplePod("b"));
  broken.resize(broken.size() - 3);
  EXPECT_FALSE(decoder_.DecodePodList(broken, &page, &error_));
  EXPECT_THAT(page.items, IsEmpty());
  EXPECT_THAT(page.issues, IsEmpty());
  EXPECT_EQ(page.meta.resource_version, "");

  ClusterObjects objects;
  std::string good = PodList(SimplePod("a"));
  ASSERT_TRUE(decoder_.DecodeObjects(good, &objects, &error_)) << error_;
  EXPECT_FALSE(decoder_.DecodeObjects(broken, &objects, &error_));
  EXPECT_THAT(Names(objects.pods),
              ElementsAre("a"));  // unchanged by the failed call
  page = DecodePods(PodList(SimplePod("c")));
  EXPECT_THAT(Names(page.items), ElementsAre("c"));
}

TEST_F(ListDecoderErrorsTest, TruncationInsideAnItemNamesIt) {
  std::string items;
  for (int i = 0; i < 40; ++i) {
    if (i > 0) items += ",";
    items += SimplePod("p" + std::to_string(i));
  }
  std::string json = PodList(items);
  // Cut just after an inner closing brace, so the document still ends in '}'.
  const std::string cut_after = R"("name":"p37","namespace":"ns"})";
  json.resize(json.find(cut_after) + cut_after.size());
  PodPage page;
  EXPECT_FALSE(decoder_.DecodePodList(json, &page, &error_));
  EXPECT_THAT(error_, HasSubstr("items[37]"));
  EXPECT_THAT(error_, HasSubstr("PodList"));
}

TEST_F(ListDecoderErrorsTest, EveryTruncationOfARecordedPageFails) {
  std::ifstream in(std::string(KCE_TEST_DATA_DIR) + "/api/pods.json", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string full = buffer.str();
  const std::size_t end = full.find_last_not_of(" \n") + 1;
  ASSERT_GT(end, 1000u);
  int tried = 0;
  for (std::size_t cut = 0; cut < end; ++cut) {
    const char last = cut > 0 ? full[cut - 1] : ' ';
    // Every cut after a closing bracket or comma (where a document can look complete), and a sample
    // of the others.
    if (last != '}' && last != ']' && last != ',' && cut % 61 != 0) continue;
    std::string json = full.substr(0, cut);
    PodPage page;
    std::string error;
    ++tried;
    ASSERT_FALSE(decoder_.DecodePodList(json, &page, &error)) << "cut at " << cut;
    ASSERT_FALSE(error.empty()) << "cut at " << cut;
  }
  EXPECT_GT(tried, 1000);
}

TEST_F(ListDecoderErrorsTest, NegativeQuantitiesSkipTheirObject) {
  PodPage pods = DecodePods(
      PodList(R"({"metadata":{"name":"neg","namespace":"ns"},"spec":{"containers":[{"name":"c",)"
              R"("resources":{"requests":{"cpu":"-1","memory":"1Gi"}}}]}},)" +
              SimplePod("ok")));
  EXPECT_THAT(Names(pods.items), ElementsAre("ok"));
  ASSERT_EQ(pods.issues.size(), 1u);
  EXPECT_EQ(pods.issues[0].reason, "bad_quantity");
  EXPECT_EQ(pods.issues[0].message,
            "pod ns/neg: spec.containers[c].resources.requests.cpu: quantity \"-1\" is "
            "negative, which Kubernetes never accepts");

  NodePage nodes = DecodeNodes(NodeList(
      R"({"metadata":{"name":"n1"},"status":{"capacity":{"cpu":"4","memory":-1073741824}}},)"
      R"({"metadata":{"name":"n2"},"status":{"allocatable":{"cpu":"-0.5"}}},)"
      R"({"metadata":{"name":"n3"},"status":{"capacity":{"cpu":"-0"}}})"));
  ASSERT_EQ(nodes.items.size(), 1u);
  EXPECT_EQ(nodes.items[0].name, "n3");  // -0 is zero
  ASSERT_EQ(nodes.issues.size(), 2u);
  EXPECT_THAT(nodes.issues[0].message,
              HasSubstr("node n1: status.capacity.memory: quantity \"-1073741824\" is negative"));
  EXPECT_THAT(nodes.issues[1].message,
              HasSubstr("node n2: status.allocatable.cpu: quantity \"-0.5\" is negative"));
}

TEST_F(ListDecoderErrorsTest, ObjectsIgnoreOtherKindsAndReportItemsWithoutOne) {
  std::string json = R"({"apiVersion":"v1","items":[
      {"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"ports":[]}},
      {"metadata":{"name":"no-kind"}},
      "text",
      {"kind":7,"metadata":{"name":"odd"}},
      {"kind":null,"metadata":{"name":"null-kind"}},
      {"metadata":{"name":"n1"},"kind":"Node","status":{"capacity":{"cpu":"2"}}},
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"ns"}}
    ],"kind":"List","metadata":{"resourceVersion":""}})";
  ClusterObjects objects;
  ASSERT_TRUE(decoder_.DecodeObjects(json, &objects, &error_)) << error_;
  // The Service is another kind and passes unremarked; the four items that cannot say what
  // they are would otherwise vanish without a trace.
  ASSERT_EQ(objects.issues.size(), 4u);
  for (const ObjectIssue& issue : objects.issues) {
    EXPECT_EQ(issue.kind, "item");
    EXPECT_EQ(issue.reason, "bad_field");
    EXPECT_TRUE(issue.skipped);
  }
  EXPECT_EQ(objects.issues[0].message,
            "item 1: kind: missing, so the item is neither a Node nor a Pod");
  EXPECT_EQ(objects.issues[1].object, "2");
  EXPECT_EQ(objects.issues[1].message.rfind("item 2: expected object, got string", 0), 0u)
      << objects.issues[1].message;
  EXPECT_THAT(objects.issues[1].message, HasSubstr("expected object, got string \"text\""));
  EXPECT_EQ(objects.issues[2].message, "item 3: kind: expected string, got number 7");
  EXPECT_EQ(objects.issues[3].message,
            "item 4: kind: missing, so the item is neither a Node nor a Pod");
  ASSERT_EQ(objects.nodes.size(), 1u);
  EXPECT_EQ(objects.nodes[0].name, "n1");
  EXPECT_TRUE(objects.nodes[0].capacity.Has("cpu"));
  EXPECT_THAT(Names(objects.pods), ElementsAre("p1"));

  // kubectl puts the list kind last; a cut file is still reported at the item that breaks.
  std::string cut = R"({"apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"a"}},)"
                    R"({"kind":"Pod","metadata":{"name":"b"}})";
  EXPECT_FALSE(decoder_.DecodeObjects(cut, &objects, &error_));
  EXPECT_THAT(error_, HasSubstr("after items[1]"));
  EXPECT_THAT(error_, HasSubstr("truncated"));
  EXPECT_THAT(Names(objects.pods), ElementsAre("p1"));

  std::string not_list = R"({"kind":"Pod","metadata":{"name":"p"}})";
  EXPECT_FALSE(decoder_.DecodeObjects(not_list, &objects, &error_));
  EXPECT_THAT(error_, HasSubstr("items"));
}

}  // namespace
}  // namespace kce
