// The compiled-pattern cache with remembered answers: a remembered answer is always the one
// std::regex gives, per mode (whole-string match vs search), and bad patterns stay "unknown".
#include "regex_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using namespace redraft::devserver;

TEST(RegexCache, RememberedAnswersKeepFullMatchAndSearchApart) {
  for (int round = 0; round < 3; ++round) {  // first computed, then remembered
    EXPECT_EQ(regex_search("b+", "abbc"), true) << round;
    EXPECT_EQ(regex_full_match("b+", "abbc"), false) << round;
    EXPECT_EQ(regex_full_match("b+", "bb"), true) << round;
    EXPECT_EQ(regex_search("^b+$", "abbc"), false) << round;
    EXPECT_EQ(regex_search("(", "x"), std::nullopt) << round;
  }
}

TEST(RegexCache, ManyDistinctValuesAndLongValuesStayCorrect) {
  const std::string pattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  // More values than are remembered per pattern: the memo is cleared and refilled, never wrong.
  for (int i = 0; i < 10000; ++i) {
    const std::string good = "name-" + std::to_string(i);
    ASSERT_EQ(regex_search(pattern, good), true) << good;
    ASSERT_EQ(regex_search(pattern, good + "-"), false) << good;
  }
  const std::string long_value(2000, 'a');
  EXPECT_EQ(regex_search(pattern, long_value), true);
  EXPECT_EQ(regex_search(pattern, long_value + "_"), false);
}

TEST(RegexCache, ConcurrentCallersGetTheSameAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string v = std::to_string((i * 7 + t) % 300);
        const bool even = (std::stoi(v) % 2) == 0;
        if (regex_full_match("[0-9]*[02468]", v) != even) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
}
