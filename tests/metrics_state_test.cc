#include "kce/metrics_state.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "kce/kube_api.h"
#include "kce/metric_catalog.h"
#include "support/http_get.h"
#include "support/pod_builder.h"

namespace kce {
namespace {

using testing::SampleValue;

CommitmentSnapshot OneNode(const char* cpu) {
  CommitmentBuilder builder({});
  builder.AddNode(testing::MakeNode("n1", cpu, "1Gi"));
  return builder.Build();
}

TEST(MetricsStateTest, EveryCatalogMetricHasHelpFromTheStart) {
  MetricsState state(std::chrono::seconds(30));
  state.PublishSuccess(OneNode("2"), std::chrono::milliseconds(5),
                       std::chrono::system_clock::now());
  const std::string text = state.Render();
  for (const MetricInfo& info : MetricCatalog()) {
    EXPECT_NE(text.find("# HELP " + std::string(info.name) + " " + std::string(info.help)),
              std::string::npos)
        << info.name;
  }
  EXPECT_EQ(SampleValue(text, "kube_commitment_poll_interval_seconds"), 30);
}

TEST(MetricsStateTest, EveryApiFailureReasonStartsAtZero) {
  const std::vector<std::string_view> api_reasons = {
      kReasonConnect,      kReasonTimeout,      kReasonTls,       kReasonTransport,
      kReasonBodyTooLarge, kReasonUnauthorized, kReasonForbidden, kReasonRateLimited,
      kReasonExpired,      kReasonHttp4xx,      kReasonHttp5xx,   kReasonHttpOther,
      kReasonDecode,       kReasonCancelled};
  MetricsState state(std::chrono::seconds(30));
  const std::string text = state.Render();
  for (std::string_view reason : api_reasons) {
    EXPECT_NE(std::find(std::begin(kPollErrorReasons), std::end(kPollErrorReasons), reason),
              std::end(kPollErrorReasons))
        << reason;
    EXPECT_EQ(SampleValue(text, "kube_commitment_poll_errors_total{reason=\"" +
                                    std::string(reason) + "\"}"),
              0)
        << reason;
  }
}

TEST(MetricsStateTest, FailureKeepsLastGoodSnapshot) {
  MetricsState state(std::chrono::seconds(30));
  EXPECT_FALSE(state.Ready());
  state.PublishSuccess(OneNode("2"), std::chrono::milliseconds(5),
                       std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  state.PublishFailure("timeout", std::chrono::milliseconds(7));
  const std::string text = state.Render();
  EXPECT_TRUE(state.Ready());
  EXPECT_EQ(SampleValue(text, "kube_commitment_node_cpu_allocatable_cores{node=\"n1\"}"), 2);
  EXPECT_EQ(SampleValue(text, "kube_commitment_last_poll_success"), 0);
  EXPECT_EQ(SampleValue(text, "kube_commitment_last_poll_success_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(SampleValue(text, "kube_commitment_last_poll_duration_seconds"), 0.007);
  EXPECT_EQ(SampleValue(text, "kube_commitment_poll_errors_total{reason=\"timeout\"}"), 1);
}

TEST(MetricsStateTest, NextSuccessReplacesSeriesOfVanishedNodes) {
  MetricsState state(std::chrono::seconds(30));
  CommitmentBuilder two({});
  two.AddNode(testing::MakeNode("n1", "1", "1Gi"));
  two.AddNode(testing::MakeNode("n2", "1", "1Gi"));
  state.PublishSuccess(two.Build(), {}, std::chrono::system_clock::now());
  EXPECT_EQ(SampleValue(state.Render(), "kube_commitment_node_pods_allocatable{node=\"n2\"}"), 110);
  state.PublishSuccess(OneNode("1"), {}, std::chrono::system_clock::now());
  EXPECT_TRUE(std::isnan(
      SampleValue(state.Render(), "kube_commitment_node_pods_allocatable{node=\"n2\"}")));
}

TEST(MetricsStateTest, SkippedObjectsAccumulateAcrossPolls) {
  MetricsState state(std::chrono::seconds(30));
  CommitmentBuilder builder({});
  builder.AddIssue({"pod", "a/b", "bad_quantity", "bad", true});
  builder.AddIssue({"pod", "a/c", "saturated", "big", false});
  const CommitmentSnapshot snap = builder.Build();
  state.PublishSuccess(snap, {}, std::chrono::system_clock::now());
  state.PublishSuccess(snap, {}, std::chrono::system_clock::now());
  const std::string text = state.Render();
  EXPECT_EQ(SampleValue(
                text, R"(kube_commitment_skipped_objects_total{kind="pod",reason="bad_quantity"})"),
            2);
  EXPECT_EQ(SampleValue(text, R"(kube_commitment_saturated_quantities_total{kind="pod"})"), 2);
}

}  // namespace
}  // namespace kce
