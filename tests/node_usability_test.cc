#include "kce/node_usability.h"

#include <gtest/gtest.h>

#include "support/pod_builder.h"

namespace kce {
namespace {

std::vector<std::string_view> Labels(const NodeUsability& u) {
  std::vector<std::string_view> out;
  for (auto reason : u.reasons) out.push_back(ReasonLabel(reason));
  return out;
}

TEST(NodeUsabilityTest, ReadySchedulableNodeIsUsable) {
  const NodeUsability u = EvaluateNode(testing::MakeNode("n", "1", "1Gi"), {});
  EXPECT_TRUE(u.usable);
  EXPECT_TRUE(u.reasons.empty());
}

TEST(NodeUsabilityTest, EveryReadyStatusButTrueIsNotReady) {
  for (ReadyStatus status : {ReadyStatus::kFalse, ReadyStatus::kUnknown, ReadyStatus::kMissing}) {
    Node node = testing::MakeNode("n", "1", "1Gi");
    node.ready = status;
    const NodeUsability u = EvaluateNode(node, {});
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(Labels(u), std::vector<std::string_view>{"not_ready"});
  }
}

TEST(NodeUsabilityTest, ReasonsAccumulate) {
  Node node = testing::MakeNode("n", "1", "1Gi");
  node.ready = ReadyStatus::kFalse;
  node.unschedulable = true;
  node.deleting = true;
  node.taints = {{"node.kubernetes.io/unschedulable", "", "NoSchedule"}};
  EXPECT_EQ(Labels(EvaluateNode(node, {})),
            (std::vector<std::string_view>{"not_ready", "cordoned", "deleting", "taint"}));
}

TEST(NodeUsabilityTest, TaintEffectsAndToleratedKeys) {
  Node node = testing::MakeNode("n", "1", "1Gi");
  node.taints = {{"example.com/spot", "", "PreferNoSchedule"}};
  EXPECT_TRUE(EvaluateNode(node, {}).usable);

  node.taints = {{"node-role.kubernetes.io/control-plane", "", "NoSchedule"}};
  EXPECT_FALSE(EvaluateNode(node, {}).usable);
  EXPECT_TRUE(EvaluateNode(node, {"node-role.kubernetes.io/control-plane"}).usable);

  node.taints = {{"ToBeDeletedByClusterAutoscaler", "1700000000", "NoSchedule"},
                 {"dedicated", "gpu", "NoExecute"}};
  EXPECT_FALSE(EvaluateNode(node, {"dedicated"}).usable);
  EXPECT_TRUE(EvaluateNode(node, {"dedicated", "ToBeDeletedByClusterAutoscaler"}).usable);
}

TEST(NodeUsabilityTest, LabelsNeverMatter) {
  Node node = testing::MakeNode("n", "1", "1Gi");
  node.labels = {{"node-role.kubernetes.io/control-plane", ""},
                 {"node.kubernetes.io/exclude-from-external-load-balancers", ""}};
  EXPECT_TRUE(EvaluateNode(node, {}).usable);
}

}  // namespace
}  // namespace kce
