#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kce/resource_list.h"

namespace kce {

/// A node taint: only key and effect matter for usability.
struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

/// Status of the node's Ready condition.
enum class ReadyStatus { kTrue, kFalse, kUnknown, kMissing };

/// The fields of a Node that accounting reads (accounting doc §5.4).
struct Node {
  std::string name;
  std::string uid;
  std::vector<std::pair<std::string, std::string>> labels;
  bool deleting = false;  // metadata.deletionTimestamp is set
  bool unschedulable = false;
  std::vector<Taint> taints;
  ResourceList capacity;
  ResourceList allocatable;
  ReadyStatus ready = ReadyStatus::kMissing;
};

/// One container's declared resources.
struct Container {
  std::string name;
  /// Init containers only: restartPolicy "Always" makes it a native sidecar.
  bool sidecar = false;
  ResourceList requests;
  ResourceList limits;
};

/// One entry of status.containerStatuses or status.initContainerStatuses.
struct ContainerStatus {
  std::string name;
  /// status.resources is present and not empty; when false, the spec is used.
  bool has_resources = false;
  ResourceList requests;   // status.resources.requests
  ResourceList limits;     // status.resources.limits
  ResourceList allocated;  // allocatedResources
};

/// The fields of a Pod that accounting reads (accounting doc §5.4).
struct Pod {
  std::string name;
  std::string ns;
  std::string uid;
  std::string node_name;  // empty when not bound
  std::string phase;      // Pending, Running, Succeeded, Failed, Unknown or empty
  bool deleting = false;  // metadata.deletionTimestamp is set
  std::vector<Container> containers;
  std::vector<Container> init_containers;
  ResourceList overhead;                  // spec.overhead
  ResourceList pod_requests;              // spec.resources.requests (pod-level resources)
  ResourceList pod_limits;                // spec.resources.limits
  std::vector<ContainerStatus> statuses;  // container and init container statuses together
  /// A PodResizePending condition with reason Infeasible, or legacy status.resize=Infeasible.
  bool resize_infeasible = false;
};

}  // namespace kce
