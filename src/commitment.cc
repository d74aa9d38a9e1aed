#include "kce/commitment.h"

#include <algorithm>
#include <limits>
#include <set>

#include "kce/accounting.h"

namespace kce {
namespace {

// Every helper below clamps at the int64 bounds and then sets *clamped, so that the object
// responsible can be reported instead of a figure silently stuck at the bound. A sum already at
// the bound was reported when it got there.
std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b, bool* clamped) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    if (a != kMax && a != kMin) *clamped = true;
    return b > 0 ? kMax : kMin;
  }
  return sum;
}

void AddTotals(ResourceTotals& into, const ResourceTotals& add, bool* clamped) {
  into.cpu_requests_milli = SaturatingAdd(into.cpu_requests_milli, add.cpu_requests_milli, clamped);
  into.cpu_limits_milli = SaturatingAdd(into.cpu_limits_milli, add.cpu_limits_milli, clamped);
  into.memory_requests_bytes =
      SaturatingAdd(into.memory_requests_bytes, add.memory_requests_bytes, clamped);
  into.memory_limits_bytes =
      SaturatingAdd(into.memory_limits_bytes, add.memory_limits_bytes, clamped);
}

std::int64_t Milli(const ResourceList& list, std::string_view name, bool* clamped) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? 0 : MilliValue(*q, clamped);
}

std::int64_t Whole(const ResourceList& list, std::string_view name, bool* clamped) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? 0 : Value(*q, clamped);
}

// As the API server defaults a node's status: capacity stands in for allocatable only when
// allocatable is absent or empty, never key by key (a missing key offers nothing).
const ResourceList& Offered(const Node& node) {
  return node.allocatable.empty() ? node.capacity : node.allocatable;
}

ObjectIssue Clamped(std::string kind, std::string object, const std::string& what) {
  std::string message = kind + " " + object + ": " + what + " is beyond the int64 range; clamped";
  return ObjectIssue{std::move(kind), std::move(object), "saturated", std::move(message), false};
}

// The label the decoder gives the same pod, so both reports name one object.
std::string PodLabel(const Pod& pod) { return pod.ns.empty() ? pod.name : pod.ns + "/" + pod.name; }

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
  // One consistent list never names a node twice; a hand-edited snapshot can.
  if (!node_names_.insert(node.name).second) {
    AddIssue(ObjectIssue{"node", node.name, "duplicate",
                         "node " + node.name + ": listed again; its first entry counts"});
    return;
  }
  NodeCommitment n;
  n.name = node.name;
  n.usability = EvaluateNode(node, options_.tolerated_taints);
  bool clamped = false;
  n.cpu_capacity_milli = Milli(node.capacity, kCpu, &clamped);
  n.memory_capacity_bytes = Whole(node.capacity, kMemory, &clamped);
  const ResourceList& offered = Offered(node);
  n.cpu_allocatable_milli = Milli(offered, kCpu, &clamped);
  n.memory_allocatable_bytes = Whole(offered, kMemory, &clamped);
  n.pods_allocatable = Whole(offered, kPods, &clamped);
  if (clamped) AddIssue(Clamped("node", node.name, "capacity or allocatable in milli-cores"));
  nodes_.push_back(std::move(n));
}

void CommitmentBuilder::AddPod(const Pod& pod) {
  if (!PodIsActive(pod)) return;
  ++pods_seen_;

  const PodResources effective = EffectiveResources(pod, options_.use_status);
  ResourceTotals totals;
  bool clamped = false;
  totals.cpu_requests_milli = Milli(effective.requests, kCpu, &clamped);
  totals.cpu_limits_milli = Milli(effective.limits, kCpu, &clamped);
  totals.memory_requests_bytes = Whole(effective.requests, kMemory, &clamped);
  totals.memory_limits_bytes = Whole(effective.limits, kMemory, &clamped);
  if (clamped) AddIssue(Clamped("pod", PodLabel(pod), "an effective request or limit"));

  bool sum_clamped = false;
  PodTotals& place = pod.node_name.empty() ? pending_ : by_node_[pod.node_name];
  AddTotals(place.committed, totals, &sum_clamped);
  ++place.pods;
  const bool wanted = NamespaceWanted(pod.ns);
  NamespaceCommitment* ns = wanted ? &by_namespace_[pod.ns] : nullptr;
  if (ns != nullptr) AddTotals(ns->committed, totals, &sum_clamped);
  if (sum_clamped) {
    AddIssue(Clamped("pod", PodLabel(pod), "adding it to its node or namespace totals"));
  }
  if (ns == nullptr) return;
  ++ns->pods;
  auto count_unbounded = [&](const Container& c) {
    if (ContainerLacksLimit(pod, c, kCpu)) ++ns->containers_without_cpu_limit;
    if (ContainerLacksLimit(pod, c, kMemory)) ++ns->containers_without_memory_limit;
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
    if (issue.kind == "node") skipped_nodes_.insert(issue.object);
  } else if (saturated_objects_.insert(issue.kind + " " + issue.object).second) {
    // Counted once per object, however many of its quantities were clamped.
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
  std::erase_if(saturated_objects_, [](const std::string& key) { return key.starts_with("pod "); });
  std::erase_if(issue_samples_, [](const ObjectIssue& issue) { return issue.kind == "pod"; });
}

void CommitmentBuilder::ResetNodes() {
  nodes_.clear();
  node_names_.clear();
  skipped_nodes_.clear();
  std::erase_if(skipped_, [](const auto& entry) { return entry.first.first == "node"; });
  saturated_.erase("node");
  std::erase_if(saturated_objects_,
                [](const std::string& key) { return key.starts_with("node "); });
  std::erase_if(issue_samples_, [](const ObjectIssue& issue) { return issue.kind == "node"; });
}

CommitmentSnapshot CommitmentBuilder::Build() const {
  CommitmentSnapshot snap;
  snap.nodes = nodes_;
  std::stable_sort(
      snap.nodes.begin(), snap.nodes.end(),
      [](const NodeCommitment& a, const NodeCommitment& b) { return a.name < b.name; });

  snap.skipped = skipped_;
  snap.saturated = saturated_;
  snap.issue_samples = issue_samples_;
  std::set<std::string> saturated_objects = saturated_objects_;
  auto report = [&](const ObjectIssue& issue) {
    if (snap.issue_samples.size() < kMaxIssueSamples) snap.issue_samples.push_back(issue);
    if (saturated_objects.insert(issue.kind + " " + issue.object).second) {
      ++snap.saturated[issue.kind];
    }
  };

  ClusterCommitment& cluster = snap.cluster;
  for (NodeCommitment& node : snap.nodes) {
    if (auto it = by_node_.find(node.name); it != by_node_.end()) {
      node.committed = it->second.committed;
      node.pods = it->second.pods;
    }
    if (!node.usability.usable) continue;
    bool clamped = false;
    cluster.cpu_allocatable_milli =
        SaturatingAdd(cluster.cpu_allocatable_milli, node.cpu_allocatable_milli, &clamped);
    cluster.memory_allocatable_bytes =
        SaturatingAdd(cluster.memory_allocatable_bytes, node.memory_allocatable_bytes, &clamped);
    AddTotals(cluster.committed, node.committed, &clamped);
    if (clamped) report(Clamped("node", node.name, "adding it to the cluster totals"));
  }

  // Pods on a node that was skipped for bad data are on a real node, not orphaned.
  if (!options_.nodes_filtered) {
    for (const auto& [name, totals] : by_node_) {
      if (!node_names_.contains(name) && !skipped_nodes_.contains(name)) {
        cluster.orphaned_pods += totals.pods;
      }
    }
  }

  cluster.pending_pods = pending_.pods;
  cluster.pending_cpu_requests_milli = pending_.committed.cpu_requests_milli;
  cluster.pending_memory_requests_bytes = pending_.committed.memory_requests_bytes;
  // A sum clamped here was already clamped in its parts, which are reported.
  bool ignored = false;
  cluster.cpu_commitment_ratio =
      CommitmentRatio(SaturatingAdd(cluster.committed.cpu_requests_milli,
                                    cluster.pending_cpu_requests_milli, &ignored),
                      cluster.cpu_allocatable_milli);
  cluster.memory_commitment_ratio =
      CommitmentRatio(SaturatingAdd(cluster.committed.memory_requests_bytes,
                                    cluster.pending_memory_requests_bytes, &ignored),
                      cluster.memory_allocatable_bytes);

  snap.namespaces.reserve(by_namespace_.size());
  for (const auto& [name, ns] : by_namespace_) {
    snap.namespaces.push_back(ns);
    snap.namespaces.back().name = name;
  }
  std::sort(snap.namespaces.begin(), snap.namespaces.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return snap;
}

}  // namespace kce
