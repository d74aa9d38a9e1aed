#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kce/model.h"

namespace kce {

/// Why a node's capacity is not usable for new pods. A node may have several.
enum class UnusableReason { kNotReady, kCordoned, kDeleting, kTaint };

/// The label value of a reason: not_ready, cordoned, deleting, taint.
std::string_view ReasonLabel(UnusableReason reason);

/// Whether new pods can land on a node (accounting doc §3).
struct NodeUsability {
  bool usable = true;
  std::vector<UnusableReason> reasons;  // empty when usable
};

/// Evaluates a node: Ready condition True, not cordoned, not being deleted, and no NoSchedule or
/// NoExecute taint whose key is not in `tolerated_taint_keys`. Labels never matter. Pure.
NodeUsability EvaluateNode(const Node& node, const std::vector<std::string>& tolerated_taint_keys);

}  // namespace kce
