#include "api_errors.hpp"
#include "selectors.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

namespace {
json with_labels(json labels) { return {{"metadata", {{"name", "x"}, {"labels", labels}}}}; }
}  // namespace

TEST(LabelSelector, EqualityAndInequality) {
  const auto sel = LabelSelector::parse("app=web,tier!=db");
  EXPECT_TRUE(sel.matches(with_labels({{"app", "web"}, {"tier", "fe"}})));
  EXPECT_TRUE(sel.matches(with_labels({{"app", "web"}})));  // != matches a missing label
  EXPECT_FALSE(sel.matches(with_labels({{"app", "web"}, {"tier", "db"}})));
  EXPECT_FALSE(sel.matches(with_labels({{"app", "api"}})));
  EXPECT_TRUE(LabelSelector::parse("app==web").matches(with_labels({{"app", "web"}})));
}

TEST(LabelSelector, SetBasedAndExistence) {
  const auto sel = LabelSelector::parse("env in (prod, staging),!legacy,owner");
  EXPECT_TRUE(sel.matches(with_labels({{"env", "prod"}, {"owner", "me"}})));
  EXPECT_FALSE(sel.matches(with_labels({{"env", "dev"}, {"owner", "me"}})));
  EXPECT_FALSE(sel.matches(with_labels({{"env", "prod"}, {"owner", "me"}, {"legacy", "1"}})));
  EXPECT_FALSE(sel.matches(with_labels({{"env", "prod"}})));
  const auto notin = LabelSelector::parse("env notin (prod)");
  EXPECT_TRUE(notin.matches(with_labels(json::object())));
  EXPECT_FALSE(notin.matches(with_labels({{"env", "prod"}})));
}

TEST(LabelSelector, EmptySelectsEverything) {
  const auto sel = LabelSelector::parse("");
  EXPECT_TRUE(sel.empty());
  EXPECT_TRUE(sel.matches(json{{"metadata", {{"name", "x"}}}}));
}

TEST(LabelSelector, BadInputNamesTheTerm) {
  try {
    LabelSelector::parse("app=web,bad key=1");
    FAIL() << "expected an error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_NE(std::string(e.what()).find("bad key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LabelSelector::parse("env in prod"), ApiError);
}

TEST(FieldSelector, MatchesDottedPathsAndEventAliases) {
  const json ev = {{"metadata", {{"name", "e1"}, {"namespace", "ns1"}}},
                   {"involvedObject", {{"kind", "Workload"}, {"name", "wl"}, {"uid", "u-1"}}},
                   {"source", {{"component", "redraft"}}}};
  EXPECT_TRUE(FieldSelector::parse("involvedObject.name=wl,involvedObject.uid=u-1").matches(ev));
  EXPECT_FALSE(FieldSelector::parse("involvedObject.name=other").matches(ev));
  EXPECT_TRUE(FieldSelector::parse("metadata.namespace==ns1,metadata.name!=e2").matches(ev));
  EXPECT_TRUE(FieldSelector::parse("source=redraft").matches(ev));
  EXPECT_TRUE(FieldSelector::parse("involvedObject.fieldPath=").matches(ev));  // absent == ""
  EXPECT_THROW(FieldSelector::parse("justaname"), ApiError);
}
