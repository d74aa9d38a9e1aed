#include "kce/commitment.h"

#include <algorithm>
#include <limits>

#include "kce/accounting.h"

namespace kce {
namespace {

std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

void AddTotals(ResourceTotals& into, const ResourceTotals& add) {
  into.cpu_requests_milli = SaturatingAdd(into.cpu_requests_milli, add.cpu_requests_milli);
  into.cpu_limits_milli = SaturatingAdd(into.cpu_limits_milli, add.cpu_limits_milli);
  into.memory_requests_bytes = SaturatingAdd(into.memory_requests_bytes, add.memory_requests_bytes);
  into.memory_limits_bytes = SaturatingAdd(into.memory_limits_bytes, add.memory_limits_bytes);
}

std::int64_t Milli(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? 0 : MilliValue(*q);
}

std::int64_t Whole(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? 0 : Value(*q);
}

// Allocatable falls back to capacity key by key: a node that reports no allocatable for a
// resource offers what it has.
const ResourceList& Offered(const Node& node, std::string_view name) {
  return node.allocatable.Has(name) ? node.allocatable : node.capacity;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

double CommitmentRatio(std::int64_t committed, std::int64_t allocatable) {
  if (committed == 0) return 0;
  if (allocatable <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(committed) / static_cast<double>(allocatable);
}

CommitmentBuilder::CommitmentBuilder(AccountingOptions options) : options_(std::move(options)) {}

bool CommitmentBuilder::NamespaceWanted(const std::string& ns) const {
  if (!options_.include_namespaces.empty()) return Contains(options_.include_namespaces, ns);
  return !Contains(options_.exclude_namespaces, ns);
}

void CommitmentBuilder::AddNode(const Node& node) {
  NodeCommitment n;
  n.name = node.name;
  n.usability = EvaluateNode(node, options_.tolerated_taints);
  n.cpu_capacity_milli = Milli(node.capacity, kCpu);
  n.memory_capacity_bytes = Whole(node.capacity, kMemory);
  n.cpu_allocatable_milli = Milli(Offered(node, kCpu), kCpu);
  n.memory_allocatable_bytes = Whole(Offered(node, kMemory), kMemory);
  n.pods_allocatable = Whole(Offered(node, kPods), kPods);
  nodes_.push_back(std::move(n));
}

void CommitmentBuilder::AddPod(const Pod& pod) {
  if (!PodIsActive(pod)) return;
  ++pods_seen_;

  const PodResources effective = EffectiveResources(pod, options_.use_status);
  ResourceTotals totals;
  totals.cpu_requests_milli = Milli(effective.requests, kCpu);
  totals.cpu_limits_milli = Milli(effective.limits, kCpu);
  totals.memory_requests_bytes = Whole(effective.requests, kMemory);
  totals.memory_limits_bytes = Whole(effective.limits, kMemory);

  PodTotals& place = pod.node_name.empty() ? pending_ : by_node_[pod.node_name];
  AddTotals(place.committed, totals);
  ++place.pods;

  if (!NamespaceWanted(pod.ns)) return;
  NamespaceCommitment& ns = by_namespace_[pod.ns];
  AddTotals(ns.committed, totals);
  ++ns.pods;
  auto count_unbounded = [&](const Container& c) {
    if (ContainerLacksLimit(pod, c, kCpu)) ++ns.containers_without_cpu_limit;
    if (ContainerLacksLimit(pod, c, kMemory)) ++ns.containers_without_memory_limit;
  };
  for (const auto& c : pod.containers) count_unbounded(c);
  for (const auto& c : pod.init_containers) {
    if (c.sidecar) count_unbounded(c);
  }
}

void CommitmentBuilder::AddIssue(const ObjectIssue& issue) {
  if (issue_samples_.size() < kMaxIssueSamples) issue_samples_.push_back(issue);
  if (issue.skipped) {
    ++skipped_[{issue.kind, issue.reason}];
  } else {
    ++saturated_[issue.kind];
  }
}

void CommitmentBuilder::ResetPods() {
  by_node_.clear();
  by_namespace_.clear();
  pending_ = PodTotals{};
  pods_seen_ = 0;
  std::erase_if(skipped_, [](const auto& entry) { return entry.first.first == "pod"; });
  saturated_.erase("pod");
  std::erase_if(issue_samples_, [](const ObjectIssue& issue) { return issue.kind == "pod"; });
}

void CommitmentBuilder::ResetNodes() {
  nodes_.clear();
  std::erase_if(skipped_, [](const auto& entry) { return entry.first.first == "node"; });
  saturated_.erase("node");
  std::erase_if(issue_samples_, [](const ObjectIssue& issue) { return issue.kind == "node"; });
}

CommitmentSnapshot CommitmentBuilder::Build() const {
  CommitmentSnapshot snap;
  snap.nodes = nodes_;
  std::sort(snap.nodes.begin(), snap.nodes.end(),
            [](const NodeCommitment& a, const NodeCommitment& b) { return a.name < b.name; });
  // A node listed twice (it cannot happen in one consistent list) keeps its first entry.
  snap.nodes.erase(std::unique(snap.nodes.begin(), snap.nodes.end(),
                               [](const auto& a, const auto& b) { return a.name == b.name; }),
                   snap.nodes.end());

  ClusterCommitment& cluster = snap.cluster;
  std::int64_t placed_pods = 0;
  for (NodeCommitment& node : snap.nodes) {
    if (auto it = by_node_.find(node.name); it != by_node_.end()) {
      node.committed = it->second.committed;
      node.pods = it->second.pods;
      placed_pods += it->second.pods;
    }
    if (!node.usability.usable) continue;
    cluster.cpu_allocatable_milli =
        SaturatingAdd(cluster.cpu_allocatable_milli, node.cpu_allocatable_milli);
    cluster.memory_allocatable_bytes =
        SaturatingAdd(cluster.memory_allocatable_bytes, node.memory_allocatable_bytes);
    AddTotals(cluster.committed, node.committed);
  }

  std::int64_t bound_pods = 0;
  for (const auto& [name, totals] : by_node_) bound_pods += totals.pods;
  if (!options_.nodes_filtered) cluster.orphaned_pods = bound_pods - placed_pods;

  cluster.pending_pods = pending_.pods;
  cluster.pending_cpu_requests_milli = pending_.committed.cpu_requests_milli;
  cluster.pending_memory_requests_bytes = pending_.committed.memory_requests_bytes;
  cluster.cpu_commitment_ratio = CommitmentRatio(
      SaturatingAdd(cluster.committed.cpu_requests_milli, cluster.pending_cpu_requests_milli),
      cluster.cpu_allocatable_milli);
  cluster.memory_commitment_ratio =
      CommitmentRatio(SaturatingAdd(cluster.committed.memory_requests_bytes,
                                    cluster.pending_memory_requests_bytes),
                      cluster.memory_allocatable_bytes);

  snap.namespaces.reserve(by_namespace_.size());
  for (const auto& [name, ns] : by_namespace_) {
    snap.namespaces.push_back(ns);
    snap.namespaces.back().name = name;
  }
  std::sort(snap.namespaces.begin(), snap.namespaces.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  snap.skipped = skipped_;
  snap.saturated = saturated_;
  snap.issue_samples = issue_samples_;
  return snap;
}

}  // namespace kce
