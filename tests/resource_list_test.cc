#include "kce/resource_list.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "kce/quantity.h"

namespace kce {
namespace {

Quantity Q(std::string_view text) {
  const QuantityParse parsed = ParseQuantity(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  return parsed.value;
}

ResourceList List(std::initializer_list<std::pair<std::string_view, std::string_view>> items) {
  ResourceList list;
  for (const auto& [name, text] : items) list.Set(name, Q(text));
  return list;
}

// gtest cannot print __int128; show the quantity as decimal text instead ("absent" if missing).
std::string Show(const ResourceList& list, std::string_view name) {
  const Quantity* q = list.Find(name);
  return q == nullptr ? "absent" : FormatQuantity(*q);
}

TEST(ResourceListTest, FindMissingKeyIsNull) {
  const ResourceList list = List({{"cpu", "1"}});
  EXPECT_EQ(list.Find("memory"), nullptr);
  EXPECT_FALSE(list.Has("memory"));
  EXPECT_EQ(list.Find("cp"), nullptr);
  EXPECT_TRUE(ResourceList().empty());
  EXPECT_EQ(ResourceList().Find(kCpu), nullptr);
}

TEST(ResourceListTest, SetThenFind) {
  ResourceList list;
  list.Set(kCpu, Q("250m"));
  list.Set(kMemory, Q("1Gi"));
  ASSERT_TRUE(list.Has(kCpu));
  EXPECT_EQ(MilliValue(*list.Find(kCpu)), 250);
  EXPECT_EQ(Value(*list.Find(kMemory)), 1073741824);
  EXPECT_EQ(list.size(), 2u);
}

TEST(ResourceListTest, SetReplacesInPlace) {
  ResourceList list = List({{"cpu", "1"}, {"memory", "1Gi"}});
  list.Set(kCpu, Q("3"));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(Show(list, kCpu), "3");
  EXPECT_EQ(list.entries()[0].first, "cpu");
  EXPECT_EQ(list.entries()[1].first, "memory");
}

TEST(ResourceListTest, AddCountsMissingKeyAsZero) {
  ResourceList total = List({{"cpu", "1"}});
  total.Add(List({{"cpu", "500m"}, {"memory", "128Mi"}}));
  EXPECT_EQ(Show(total, kCpu), "1.5");
  EXPECT_EQ(Show(total, kMemory), "134217728");
  EXPECT_EQ(total.size(), 2u);
}

TEST(ResourceListTest, AddKeepsKeysOnlyInThis) {
  ResourceList total = List({{"cpu", "1"}, {"pods", "3"}});
  total.Add(List({{"cpu", "2"}}));
  EXPECT_EQ(Show(total, kCpu), "3");
  EXPECT_EQ(Show(total, kPods), "3");
  EXPECT_EQ(Show(total, kMemory), "absent");
}

TEST(ResourceListTest, AddEmptyChangesNothing) {
  ResourceList total = List({{"cpu", "1"}});
  const ResourceList before = total;
  total.Add(ResourceList());
  EXPECT_TRUE(total == before);
  ResourceList empty;
  empty.Add(ResourceList());
  EXPECT_TRUE(empty.empty());
}

TEST(ResourceListTest, AddToItselfDoubles) {
  ResourceList list = List({{"cpu", "1.5"}, {"memory", "1Ki"}});
  list.Add(list);
  EXPECT_EQ(Show(list, kCpu), "3");
  EXPECT_EQ(Show(list, kMemory), "2048");
}

TEST(ResourceListTest, AddIsExactBeyondInt64) {
  ResourceList total;
  const ResourceList big = List({{"memory", "8Ei"}});  // saturates at 2^63 - 1 units
  for (int i = 0; i < 4; ++i) total.Add(big);
  EXPECT_TRUE(total.Find(kMemory)->nanos == 4 * kMaxQuantityNanos);
}

TEST(ResourceListTest, AddNegativeValues) {
  ResourceList total = List({{"cpu", "1"}});
  total.Add(List({{"cpu", "-1.5"}}));
  EXPECT_EQ(Show(total, kCpu), "-0.5");
}

TEST(ResourceListTest, MaxMergeTakesOverMissingKeys) {
  ResourceList merged = List({{"cpu", "1"}});
  merged.MaxMerge(List({{"memory", "1Gi"}, {"ephemeral-storage", "-1"}}));
  EXPECT_EQ(Show(merged, kCpu), "1");
  EXPECT_EQ(Show(merged, kMemory), "1073741824");
  // A missing key is taken over even when the incoming value is below zero.
  EXPECT_EQ(Show(merged, "ephemeral-storage"), "-1");
}

TEST(ResourceListTest, MaxMergeKeepsTheLarger) {
  ResourceList merged = List({{"cpu", "2"}, {"memory", "1Gi"}});
  merged.MaxMerge(List({{"cpu", "1500m"}, {"memory", "2Gi"}}));
  EXPECT_EQ(Show(merged, kCpu), "2");
  EXPECT_EQ(Show(merged, kMemory), "2147483648");
  merged.MaxMerge(List({{"cpu", "2000000001n"}}));
  EXPECT_EQ(Show(merged, kCpu), "2.000000001");
}

TEST(ResourceListTest, MaxMergeComparesValuesNotText) {
  ResourceList merged = List({{"memory", "1Gi"}});
  merged.MaxMerge(List({{"memory", "1000M"}}));
  EXPECT_EQ(Show(merged, kMemory), "1073741824");
  merged.MaxMerge(List({{"memory", "1.1G"}}));
  EXPECT_EQ(Show(merged, kMemory), "1100000000");
}

// Worked example A of kubernetes-accounting.md §1.7, built from Add and MaxMerge as in the
// aggregation pseudo-code: the expected result is 8 CPUs.
TEST(ResourceListTest, WorkedExampleAggregation) {
  struct Init {
    std::string_view cpu;
    bool sidecar;
  };
  ResourceList requests = List({{"cpu", "1"}});
  ResourceList sidecars;
  ResourceList init_peak;
  for (const Init& init :
       {Init{"5", false}, Init{"1", true}, Init{"2", true}, Init{"5", false}, Init{"3", true}}) {
    const ResourceList own = List({{"cpu", init.cpu}});
    ResourceList candidate;
    if (init.sidecar) {
      requests.Add(own);
      sidecars.Add(own);
      candidate = sidecars;
    } else {
      candidate = own;
      candidate.Add(sidecars);
    }
    init_peak.MaxMerge(candidate);
  }
  EXPECT_EQ(Show(requests, kCpu), "7");
  EXPECT_EQ(Show(init_peak, kCpu), "8");
  requests.MaxMerge(init_peak);
  EXPECT_EQ(Show(requests, kCpu), "8");
}

TEST(ResourceListTest, ClearEmpties) {
  ResourceList list = List({{"cpu", "1"}});
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.Find(kCpu), nullptr);
}

}  // namespace
}  // namespace kce
