#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kce/quantity.h"

namespace kce {

/// A Kubernetes ResourceList: resource name to exact quantity. Small (a handful of keys),
/// so it is a flat vector kept in insertion order; lookups are linear.
class ResourceList {
 public:
  using Entry = std::pair<std::string, Quantity>;

  /// The quantity for `name`, or nullptr when the key is absent.
  const Quantity* Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

  /// Sets `name` to `value`, replacing any existing entry.
  void Set(std::string_view name, Quantity value);

  /// For each key of `other`: this[k] += other[k]; a missing key counts as zero.
  void Add(const ResourceList& other);

  /// For each key of `other`: this[k] = max(this[k], other[k]); a missing key is taken over.
  void MaxMerge(const ResourceList& other);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }
  void clear() { entries_.clear(); }

  friend bool operator==(const ResourceList&, const ResourceList&) = default;

 private:
  Quantity* FindMutable(std::string_view name);

  std::vector<Entry> entries_;
};

/// Well-known resource names.
inline constexpr std::string_view kCpu = "cpu";
inline constexpr std::string_view kMemory = "memory";
inline constexpr std::string_view kPods = "pods";

}  // namespace kce
