#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kce/model.h"
#include "kce/node_usability.h"
#include "kce/object_issue.h"

namespace kce {

/// Committed CPU (milli-cores) and memory (bytes), summed per pod after rounding each pod up the
/// way the scheduler does (MilliValue for CPU, Value for memory). Sums saturate at int64.
struct ResourceTotals {
  std::int64_t cpu_requests_milli = 0;
  std::int64_t cpu_limits_milli = 0;
  std::int64_t memory_requests_bytes = 0;
  std::int64_t memory_limits_bytes = 0;
};

/// One node: what it offers and what the pods bound to it have committed.
struct NodeCommitment {
  std::string name;
  NodeUsability usability;
  std::int64_t cpu_capacity_milli = 0;
  std::int64_t cpu_allocatable_milli = 0;
  std::int64_t memory_capacity_bytes = 0;
  std::int64_t memory_allocatable_bytes = 0;
  std::int64_t pods_allocatable = 0;
  ResourceTotals committed;
  std::int64_t pods = 0;
};

/// One namespace: every active pod in it, scheduled or not.
struct NamespaceCommitment {
  std::string name;
  ResourceTotals committed;
  std::int64_t pods = 0;
  std::int64_t containers_without_cpu_limit = 0;
  std::int64_t containers_without_memory_limit = 0;
};

/// Cluster-wide figures over usable nodes, plus pending and orphaned demand.
struct ClusterCommitment {
  std::int64_t cpu_allocatable_milli = 0;
  std::int64_t memory_allocatable_bytes = 0;
  ResourceTotals committed;  // pods on usable nodes
  std::int64_t pending_pods = 0;
  std::int64_t pending_cpu_requests_milli = 0;
  std::int64_t pending_memory_requests_bytes = 0;
  std::int64_t orphaned_pods = 0;
  double cpu_commitment_ratio = 0;
  double memory_commitment_ratio = 0;
};

/// The result of one poll: immutable once built; safe to share between threads.
struct CommitmentSnapshot {
  std::vector<NodeCommitment> nodes;            // sorted by name
  std::vector<NamespaceCommitment> namespaces;  // sorted by name
  ClusterCommitment cluster;
  /// Objects with bad data in this poll, by (kind, reason); skipped ones are not counted above.
  std::map<std::pair<std::string, std::string>, std::int64_t> skipped;
  /// Objects with a quantity or a sum clamped at the int64 bound in this poll, by kind; they
  /// still count (at the bound). Each object counts once.
  std::map<std::string, std::int64_t> saturated;
  /// The first few issues of the poll in full, for logs (at most kMaxIssueSamples).
  std::vector<ObjectIssue> issue_samples;
};

/// How many issues a snapshot keeps in full for logging.
inline constexpr std::size_t kMaxIssueSamples = 20;

/// What to count and how.
struct AccountingOptions {
  std::vector<std::string> tolerated_taints;
  /// Namespaces that get per-namespace series; empty means all. Node and cluster totals always
  /// count every pod, because the scheduler does.
  std::vector<std::string> include_namespaces;
  std::vector<std::string> exclude_namespaces;
  /// When nodes were listed with a label selector, a pod bound to an unlisted node is on a node
  /// outside the selection, not orphaned: it is left out instead.
  bool nodes_filtered = false;
  /// Read in-place resize status (InPlacePodVerticalScaling, on by default since 1.33).
  bool use_status = true;
};

/// The ratio (committed + pending) / allocatable: +Inf when something is committed and nothing
/// is allocatable, 0 when nothing is committed.
double CommitmentRatio(std::int64_t committed, std::int64_t allocatable);

/// Folds nodes and pods, one at a time, into a CommitmentSnapshot. Memory grows with the number
/// of nodes and namespaces, not pods: each pod is reduced to totals as it is added. Pure; not
/// thread-safe.
class CommitmentBuilder {
 public:
  explicit CommitmentBuilder(AccountingOptions options);

  /// Adds a node; a second node of the same name is reported (reason "duplicate") and left out.
  void AddNode(const Node& node);
  void AddPod(const Pod& pod);
  /// Records a problem object reported by the decoder. Pods bound to a node skipped for bad
  /// data are not counted as orphaned.
  void AddIssue(const ObjectIssue& issue);
  /// Forgets every pod added so far (a list restarted after its continue token expired).
  void ResetPods();
  /// Forgets every node added so far.
  void ResetNodes();

  std::size_t node_count() const { return nodes_.size(); }
  std::size_t pod_count() const { return pods_seen_; }

  CommitmentSnapshot Build() const;

 private:
  struct PodTotals {
    ResourceTotals committed;
    std::int64_t pods = 0;
  };
  bool NamespaceWanted(const std::string& ns) const;

  AccountingOptions options_;
  std::vector<NodeCommitment> nodes_;
  std::unordered_set<std::string> node_names_;  // of nodes_, to refuse a second entry
  std::unordered_map<std::string, PodTotals> by_node_;
  std::unordered_map<std::string, NamespaceCommitment> by_namespace_;
  PodTotals pending_;
  std::size_t pods_seen_ = 0;
  std::map<std::pair<std::string, std::string>, std::int64_t> skipped_;
  std::map<std::string, std::int64_t> saturated_;
  std::set<std::string> saturated_objects_;  // "kind object", each counted once
  std::set<std::string> skipped_nodes_;      // names of nodes skipped for bad data
  std::vector<ObjectIssue> issue_samples_;
};

}  // namespace kce
