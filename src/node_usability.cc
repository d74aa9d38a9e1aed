#include "kce/node_usability.h"

#include <algorithm>

namespace kce {

std::string_view ReasonLabel(UnusableReason reason) {
  switch (reason) {
    case UnusableReason::kNotReady:
      return "not_ready";
    case UnusableReason::kCordoned:
      return "cordoned";
    case UnusableReason::kDeleting:
      return "deleting";
    case UnusableReason::kTaint:
      return "taint";
  }
  return "unknown";
}

NodeUsability EvaluateNode(const Node& node, const std::vector<std::string>& tolerated_taint_keys) {
  NodeUsability result;
  auto add = [&result](UnusableReason reason) {
    result.usable = false;
    result.reasons.push_back(reason);
  };
  if (node.ready != ReadyStatus::kTrue) add(UnusableReason::kNotReady);
  if (node.unschedulable) add(UnusableReason::kCordoned);
  if (node.deleting) add(UnusableReason::kDeleting);

  const bool blocking_taint = std::any_of(
      node.taints.begin(), node.taints.end(), [&tolerated_taint_keys](const Taint& taint) {
        // PreferNoSchedule only steers the scheduler; the capacity stays usable.
        if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") return false;
        return std::find(tolerated_taint_keys.begin(), tolerated_taint_keys.end(), taint.key) ==
               tolerated_taint_keys.end();
      });
  if (blocking_taint) add(UnusableReason::kTaint);
  return result;
}

}  // namespace kce
