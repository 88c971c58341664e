// api::Text (the API's shared immutable string) and the Interner that lets cached objects share
// equal values.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "api/text.hpp"
#include "api/types.hpp"

using redraft::api::AgenticTask;
using redraft::api::Interner;
using redraft::api::InternScope;
using redraft::api::make_text;
using redraft::api::StringMap;
using redraft::api::Text;

TEST(Text, IsOnePointerAndEmptyMeansNoBuffer) {
  static_assert(sizeof(Text) == sizeof(void*));
  Text empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_STREQ(empty.c_str(), "");
  EXPECT_TRUE(Text("").empty());
  EXPECT_TRUE(Text(static_cast<const char*>(nullptr)).empty());
  EXPECT_TRUE(empty.shares_buffer_with(Text("")));
}

TEST(Text, HoldsAnyBytesIncludingNulAndKeepsThemAfterTheSourceIsGone) {
  Text t;
  {
    std::string source("a\0b", 3);
    t = source;
    source[0] = 'x';
  }
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.view(), std::string_view("a\0b", 3));
  EXPECT_EQ(t.c_str()[3], '\0');  // NUL-terminated for C APIs
}

TEST(Text, CopiesShareTheBufferAndOutliveTheOriginal) {
  auto original = std::make_unique<Text>("redraft/demo/1042");
  Text copy = *original;
  EXPECT_TRUE(copy.shares_buffer_with(*original));
  original.reset();
  EXPECT_EQ(copy, "redraft/demo/1042");
  Text moved = std::move(copy);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
  EXPECT_EQ(moved, "redraft/demo/1042");
  moved = moved;  // self-assignment keeps the value
  EXPECT_EQ(moved, "redraft/demo/1042");
  moved.clear();
  EXPECT_TRUE(moved.empty());
}

TEST(Text, ComparesAndConcatenatesLikeAString) {
  const Text main("main");
  const std::string main_string = "main";
  EXPECT_TRUE(main == "main");
  EXPECT_TRUE("main" == main);
  EXPECT_TRUE(main == main_string);
  EXPECT_TRUE(main_string == main);
  EXPECT_TRUE(main == std::string_view("main"));
  EXPECT_TRUE(main != "mai");
  EXPECT_TRUE(main != Text("mainline"));
  EXPECT_LT(Text("a"), Text("b"));
  EXPECT_LT(Text("a"), "ab");
  EXPECT_GT(Text("b"), std::string("a"));
  EXPECT_EQ(main + "/x", "main/x");
  EXPECT_EQ("refs/heads/" + main, "refs/heads/main");
  EXPECT_EQ(main_string + main, "mainmain");
  EXPECT_EQ(main + '!', "main!");
  const std::string converted = main;
  EXPECT_EQ(converted, "main");
  EXPECT_TRUE(main.starts_with("ma"));
  EXPECT_EQ(main.find('i'), 2u);
  EXPECT_EQ(main.substr(1, 2), "ai");
  std::ostringstream out;
  out << main;
  EXPECT_EQ(out.str(), "main");
  EXPECT_EQ(fmt::format("[{}]", main), "[main]");
  EXPECT_EQ(nlohmann::json(main), nlohmann::json("main"));
  EXPECT_EQ(nlohmann::json("main").get<Text>(), main);
  EXPECT_THROW(nlohmann::json(5).get<Text>(), redraft::api::DecodeError);
}

TEST(Text, StringMapFindsByAnyStringLikeKey) {
  StringMap labels{{"redraft.dev/item", "1042"}};
  EXPECT_NE(labels.find("redraft.dev/item"), labels.end());
  EXPECT_NE(labels.find(std::string("redraft.dev/item")), labels.end());
  EXPECT_NE(labels.find(std::string_view("redraft.dev/item")), labels.end());
  EXPECT_EQ(labels.find("redraft.dev/other"), labels.end());
  labels["redraft.dev/iteration"] = "2";
  EXPECT_EQ(labels.at("redraft.dev/iteration"), "2");
}

TEST(Interner, EqualValuesShareOneBuffer) {
  Interner interner;
  const Text a = interner.intern("https://git.example.com/acme/widgets.git");
  const Text b = interner.intern(std::string("https://git.example.com/acme/widgets.git"));
  const Text c = interner.intern("https://git.example.com/acme/gadgets.git");
  EXPECT_TRUE(a.shares_buffer_with(b));
  EXPECT_FALSE(a.shares_buffer_with(c));
  EXPECT_EQ(interner.size(), 2u);
  EXPECT_TRUE(interner.intern("").empty());
  EXPECT_EQ(interner.size(), 2u);
}

TEST(Interner, SweepDropsValuesNobodyHoldsAndKeepsTheRest) {
  Interner interner;
  Text kept = interner.intern("kept");
  { Text dropped = interner.intern("dropped"); }
  EXPECT_EQ(interner.size(), 2u);
  interner.sweep();
  EXPECT_EQ(interner.size(), 1u);
  EXPECT_TRUE(interner.intern("kept").shares_buffer_with(kept));
  EXPECT_EQ(kept, "kept");
}

TEST(Interner, StaysProportionalToTheValuesInUseUnderChurn) {
  // A long-running cache sees every resourceVersion and SHA once; values nobody holds any more
  // must not pile up in the table.
  Interner interner;
  std::vector<Text> live;
  for (int i = 0; i < 100000; ++i) {
    Text t = interner.intern("value-" + std::to_string(i));
    if (i % 100 == 0) live.push_back(t);
  }
  EXPECT_LE(interner.size(), 1000u + 2 * live.size() + 1024u);
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i], "value-" + std::to_string(i * 100));
    EXPECT_TRUE(interner.intern(live[i].view()).shares_buffer_with(live[i]));
  }
}

TEST(Interner, IsSafeToUseFromManyThreads) {
  Interner interner;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Text> held;
      for (int i = 0; i < 20000; ++i) {
        const std::string value = "shared-" + std::to_string(i % 300) + (i % 7 == 0 ? "-" + std::to_string(t) : "");
        Text text = interner.intern(value);
        if (text != value) ++mismatches;
        if (i % 5 == 0) held.push_back(text);  // some survive, some are dropped at once
        if (held.size() > 500) held.erase(held.begin(), held.begin() + 250);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  interner.sweep();
  EXPECT_EQ(interner.size(), 0u) << "every value was released by its thread";
}

TEST(Interner, DecodingInsideAScopeSharesValuesAcrossObjectsButNotIdentities) {
  const nlohmann::json doc = {
      {"apiVersion", "redraft.dev/v1alpha1"},
      {"kind", "AgenticTask"},
      {"metadata",
       {{"name", "demo-1042-code-r1"},
        {"namespace", "team-a"},
        {"uid", "0b6f1f8e-0000-4000-8000-000000000001"},
        {"resourceVersion", "17"},
        {"labels", {{"redraft.dev/workload", "demo"}}}}},
      {"spec",
       {{"kind", "code"},
        {"branch", "redraft/demo/1042"},
        {"repo", {{"url", "https://git.example.com/acme/widgets.git"}}}}}};
  Interner interner;
  AgenticTask a, b, outside;
  {
    InternScope scope(interner);
    a = doc.get<AgenticTask>();
    b = doc.get<AgenticTask>();
  }
  outside = doc.get<AgenticTask>();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, outside);
  EXPECT_TRUE(a.spec.repo.url.shares_buffer_with(b.spec.repo.url));
  EXPECT_TRUE(a.spec.branch.shares_buffer_with(b.spec.branch));
  EXPECT_TRUE(a.metadata.namespace_.shares_buffer_with(b.metadata.namespace_));
  EXPECT_TRUE(a.metadata.labels.begin()->first.shares_buffer_with(b.metadata.labels.begin()->first));
  EXPECT_TRUE(a.metadata.labels.begin()->second.shares_buffer_with(b.metadata.labels.begin()->second));
  // Unique per object by definition: not put into the table.
  EXPECT_FALSE(a.metadata.uid.shares_buffer_with(b.metadata.uid));
  EXPECT_FALSE(a.metadata.resourceVersion.shares_buffer_with(b.metadata.resourceVersion));
  EXPECT_FALSE(a.metadata.name.shares_buffer_with(b.metadata.name));
  // Without a scope nothing is shared.
  EXPECT_FALSE(outside.spec.repo.url.shares_buffer_with(a.spec.repo.url));
  EXPECT_EQ(make_text("x").size(), 1u);
}

TEST(Interner, ScopesNestAndRestoreThePreviousOne) {
  Interner outer, inner;
  EXPECT_EQ(InternScope::active(), nullptr);
  {
    InternScope a(outer);
    EXPECT_EQ(InternScope::active(), &outer);
    {
      InternScope b(inner);
      EXPECT_EQ(InternScope::active(), &inner);
      make_text("in inner");
    }
    EXPECT_EQ(InternScope::active(), &outer);
  }
  EXPECT_EQ(InternScope::active(), nullptr);
  EXPECT_EQ(inner.size(), 1u);
  EXPECT_EQ(outer.size(), 0u);
  // Another thread has no scope.
  std::thread([&] { EXPECT_EQ(InternScope::active(), nullptr); }).join();
}
