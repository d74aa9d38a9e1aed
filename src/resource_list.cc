#include "kce/resource_list.h"

#include <string>
#include <string_view>

namespace kce {
namespace {

// Sums stay far inside 128 bits in practice (2^127 nanos is 10^10 maximal quantities); clamping
// only keeps hostile inputs from overflowing, which would be undefined behaviour.
__int128 SaturatingAdd(__int128 a, __int128 b) {
  __int128 sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  constexpr __int128 kMax = static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1);
  return b > 0 ? kMax : -kMax - 1;
}

}  // namespace

const Quantity* ResourceList::Find(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

Quantity* ResourceList::FindMutable(std::string_view name) {
  for (Entry& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

void ResourceList::Set(std::string_view name, Quantity value) {
  if (Quantity* existing = FindMutable(name)) {
    *existing = value;
    return;
  }
  entries_.emplace_back(std::string(name), value);
}

void ResourceList::Add(const ResourceList& other) {
  // Adding a list to itself doubles it: every key is found, so nothing is appended while
  // iterating.
  for (const auto& [name, value] : other.entries_) {
    if (Quantity* existing = FindMutable(name)) {
      existing->nanos = SaturatingAdd(existing->nanos, value.nanos);
    } else {
      entries_.emplace_back(name, value);
    }
  }
}

void ResourceList::MaxMerge(const ResourceList& other) {
  for (const auto& [name, value] : other.entries_) {
    if (Quantity* existing = FindMutable(name)) {
      if (value > *existing) *existing = value;
    } else {
      entries_.emplace_back(name, value);
    }
  }
}

}  // namespace kce
