#include "kce/label_selector.h"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kce {
namespace {

using ::testing::HasSubstr;
using Labels = std::vector<std::pair<std::string, std::string>>;

bool Selects(const std::string& selector, const Labels& labels) {
  std::string error;
  const auto parsed = LabelSelector::Parse(selector, &error);
  EXPECT_TRUE(parsed.has_value()) << selector << ": " << error;
  return parsed.has_value() && parsed->Matches(labels);
}

const Labels kProdGpu = {{"env", "prod"}, {"node.kubernetes.io/pool", "gpu"}};
const Labels kDev = {{"env", "dev"}};
const Labels kNone = {};

TEST(LabelSelectorTest, EqualityTerms) {
  EXPECT_TRUE(Selects("", kNone));
  EXPECT_TRUE(Selects("env=prod", kProdGpu));
  EXPECT_TRUE(Selects("env == prod", kProdGpu));
  EXPECT_FALSE(Selects("env=prod", kDev));
  EXPECT_TRUE(Selects("env!=prod", kDev));
  EXPECT_TRUE(Selects("env!=prod", kNone));  // an absent label is not equal
  EXPECT_TRUE(Selects("node.kubernetes.io/pool", kProdGpu));
  EXPECT_FALSE(Selects("node.kubernetes.io/pool", kDev));
  EXPECT_TRUE(Selects("!node.kubernetes.io/pool", kDev));
  EXPECT_TRUE(Selects("env=prod, node.kubernetes.io/pool=gpu", kProdGpu));
  EXPECT_FALSE(Selects("env=prod,node.kubernetes.io/pool=cpu", kProdGpu));
}

TEST(LabelSelectorTest, SetTerms) {
  EXPECT_TRUE(Selects("env in (prod,dev)", kProdGpu));
  EXPECT_TRUE(Selects("env in (prod, dev)", kDev));
  EXPECT_FALSE(Selects("env in (prod,dev)", kNone));
  EXPECT_FALSE(Selects("env notin (prod,dev)", kDev));
  EXPECT_TRUE(Selects("env notin (prod)", kNone));  // an absent label is in no set
  EXPECT_TRUE(Selects("env notin (staging)", kDev));
  // As apimachinery reads sets: "()" holds the empty value, and so does a trailing comma.
  const Labels empty_env = {{"env", ""}};
  EXPECT_TRUE(Selects("env in ()", empty_env));
  EXPECT_FALSE(Selects("env in ()", kDev));
  EXPECT_TRUE(Selects("env in (dev,)", empty_env));
  EXPECT_TRUE(Selects("env in (dev,)", kDev));
  EXPECT_FALSE(Selects("env notin (prod,)", empty_env));
  // Commas inside a set do not end the term.
  EXPECT_TRUE(Selects("env in (dev,prod),node.kubernetes.io/pool in (gpu)", kProdGpu));
  EXPECT_FALSE(Selects("env in (dev,prod),node.kubernetes.io/pool in (gpu)", kDev));
}

TEST(LabelSelectorTest, MalformedTermsNameThemselves) {
  for (const char* bad : {"env in (a,b", "env in a,b)", "env within (a)", "in (a)", "in", "notin",
                          "!in", "=prod", "env=a b", "a,,b", "env>3"}) {
    std::string error;
    EXPECT_FALSE(LabelSelector::Parse(bad, &error).has_value()) << bad;
    EXPECT_THAT(error, HasSubstr("label selector")) << bad;
  }
  std::string error;
  LabelSelector::Parse("x=1,env within (a)", &error);
  EXPECT_THAT(error, HasSubstr("\"env within (a)\""));
}

}  // namespace
}  // namespace kce
