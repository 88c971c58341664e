#include <set>
#include <string>

#include <gtest/gtest.h>

#include "operator/controllers/common/labels.hpp"

namespace redraft::controllers {
namespace {

TEST(SafeLabelValue, ValidValuesAreKeptAsTheyAre) {
  for (const std::string& v : {std::string(), std::string("a"), std::string("issue-42"),
                                std::string("widgets_q3.v2"), std::string(63, 'x')}) {
    EXPECT_EQ(safe_label_value(v), v) << v;
    EXPECT_TRUE(is_valid_label_value(v)) << v;
  }
}

TEST(SafeLabelValue, LongValuesAreCutWithAHashOfTheWhole) {
  const std::string long_a = std::string(70, 'a');
  const std::string long_b = std::string(69, 'a') + "b";
  const std::string a = safe_label_value(long_a);
  const std::string b = safe_label_value(long_b);
  EXPECT_EQ(a.size(), 63u);
  EXPECT_TRUE(is_valid_label_value(a)) << a;
  EXPECT_TRUE(is_valid_label_value(b)) << b;
  EXPECT_NE(a, b) << "values sharing the first 52 characters must stay distinct";
  EXPECT_EQ(a.substr(0, 52), std::string(52, 'a'));
  EXPECT_EQ(a[52], '-');
  EXPECT_EQ(safe_label_value(long_a), a) << "deterministic";
}

TEST(SafeLabelValue, InvalidCharactersAndEdgesAreRepaired) {
  struct Case {
    std::string in;
    std::string prefix;  // what the sanitised part must be
  };
  for (const Case& c : {Case{"redraft/wl/issue-1", "redraft-wl-issue-1"},
                        Case{"-leading", "leading"},
                        Case{"trailing.", "trailing"},
                        Case{"über", "ber"},
                        Case{"a b", "a-b"}}) {
    const std::string out = safe_label_value(c.in);
    EXPECT_TRUE(is_valid_label_value(out)) << c.in << " -> " << out;
    EXPECT_EQ(out.substr(0, c.prefix.size()), c.prefix) << c.in << " -> " << out;
    EXPECT_EQ(out.size(), c.prefix.size() + 11) << c.in << " -> " << out;
  }
}

TEST(SafeLabelValue, ValuesWithoutAnyUsableCharacterBecomeTheHashAlone) {
  const std::string out = safe_label_value("///");
  EXPECT_EQ(out.size(), 10u);
  EXPECT_TRUE(is_valid_label_value(out)) << out;
}

TEST(SafeLabelValue, ManyDistinctLongNamesGiveDistinctValues) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    seen.insert(safe_label_value(std::string(60, 'w') + "-item-" + std::to_string(i)));
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(IsValidLabelValue, RejectsWhatKubernetesRejects) {
  for (std::string v : {std::string(64, 'x'), std::string("-a"), std::string("a-"),
                        std::string("a/b"), std::string("a b")}) {
    EXPECT_FALSE(is_valid_label_value(v)) << v;
  }
}

TEST(NameHash, IsTenHexDigitsAndDeterministic) {
  const std::string h = name_hash("wl-issue-1-code");
  EXPECT_EQ(h.size(), 10u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
  EXPECT_EQ(name_hash("wl-issue-1-code"), h);
  EXPECT_NE(name_hash("wl-issue-2-code"), h);
}

TEST(BoundedObjectName, ShortNamesAreKept) {
  EXPECT_EQ(bounded_object_name("wl-issue-1-code", 240), "wl-issue-1-code");
  EXPECT_EQ(bounded_object_name(std::string(240, 'a'), 240), std::string(240, 'a'));
}

TEST(BoundedObjectName, LongNamesAreCutWithTheHashOfTheWholeName) {
  const std::string name = std::string(100, 'a') + "." + std::string(200, 'b');
  const std::string out = bounded_object_name(name, 240);
  EXPECT_EQ(out.size(), 240u);
  EXPECT_EQ(out.substr(0, 229), name.substr(0, 229));
  EXPECT_EQ(out.substr(229), "-" + name_hash(name));
  EXPECT_NE(bounded_object_name(name + "x", 240), out);
}

TEST(BoundedObjectName, ThePrefixNeverEndsInADashOrDot) {
  const std::string name = std::string(228, 'a') + "-." + std::string(50, 'c');
  const std::string out = bounded_object_name(name, 240);
  EXPECT_EQ(out, std::string(228, 'a') + "-" + name_hash(name));
}

}  // namespace
}  // namespace redraft::controllers
