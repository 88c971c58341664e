// Issue 9 §6 replaced the 4.7 KB CRD branch pattern (which the API server quotes in every
// rejection) with a short formulation. These tests pin that the set of accepted names did not
// change: the new pattern, the previous one (kept verbatim in testdata/) and branch_name_problem()
// (the authoritative rule the operator and the executor run) agree on every name up to a length
// over alphabets that hit every rule, on random names and on a table of tricky ones.
//
// Patterns run the way the devserver runs `pattern`: std::regex, ECMAScript grammar,
// regex_search. The pattern only uses constructs that mean the same in Go's RE2, which the real
// API server uses (checked below).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "api/codec.hpp"
#include "api/schema.hpp"
#include "api/validation.hpp"

namespace redraft::api {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& old_pattern() {
  static const std::string pattern = [] {
    std::string text =
        read_file(std::string(REDRAFT_SOURCE_DIR) + "/tests/api/testdata/branch_pattern_before_issue9.txt");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }();
  return pattern;
}

struct Verdicts {
  bool new_pattern;
  bool old_pattern;
  bool validation;
};

class Judge {
 public:
  Judge()
      : new_(schema::branch_name_pattern(), std::regex::ECMAScript),
        old_(old_pattern(), std::regex::ECMAScript) {}

  Verdicts operator()(const std::string& name) const {
    return {std::regex_search(name, new_), std::regex_search(name, old_),
            !branch_name_problem(name).has_value()};
  }

  // Fails the test (once per call site's loop, by returning false) on the first disagreement.
  bool agree(const std::string& name, int& accepted) const {
    const Verdicts v = (*this)(name);
    accepted += v.validation ? 1 : 0;
    if (v.new_pattern == v.validation && v.old_pattern == v.validation) return true;
    ADD_FAILURE() << ::testing::PrintToString(name) << ": new pattern " << v.new_pattern
                  << ", old pattern " << v.old_pattern << ", branch_name_problem "
                  << branch_name_problem(name).value_or("(accepts)");
    return false;
  }

 private:
  std::regex new_;
  std::regex old_;
};

// Every sequence of up to `max_tokens` tokens; stops at the first disagreement.
void expect_agreement_on_all(const std::vector<std::string>& tokens, std::size_t max_tokens,
                             int minimum_accepted) {
  const Judge judge;
  int accepted = 0;
  std::size_t checked = 0;
  std::vector<std::size_t> index;  // the current sequence, as token indices
  while (true) {
    std::string name;
    for (std::size_t i : index) name += tokens[i];
    ++checked;
    if (!judge.agree(name, accepted)) return;
    // Next sequence: odometer increment, growing by one token when all positions wrap.
    std::size_t pos = 0;
    while (pos < index.size() && ++index[pos] == tokens.size()) index[pos++] = 0;
    if (pos == index.size()) {
      if (index.size() == max_tokens) break;
      index.push_back(0);
    }
  }
  EXPECT_GT(accepted, minimum_accepted) << "of " << checked << ": the alphabet must exercise both sides";
}

TEST(BranchPattern, IsShortAndUsesOnlyRe2CompatibleSyntax) {
  const std::string pattern = schema::branch_name_pattern();
  std::cout << "branch pattern: " << old_pattern().size() << " bytes before, " << pattern.size()
            << " bytes now\n";
  EXPECT_EQ(old_pattern().size(), 4747u) << "testdata/branch_pattern_before_issue9.txt changed";
  EXPECT_LE(pattern.size(), 800u);
  // Anchored at both ends (an OpenAPI pattern is a search, not a full match).
  EXPECT_EQ(pattern.front(), '^');
  EXPECT_EQ(pattern.back(), '$');
  // Groups are only non-capturing "(?:": no lookahead/lookbehind "(?=", "(?!", "(?<", no named
  // groups or flags; no backreferences; no RE2-unknown escapes. Escapes used: \x.., \{, \[, \\,
  // \., and the assertion \b (all RE2).
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ASSERT_LT(i + 1, pattern.size());
      const char next = pattern[i + 1];
      EXPECT_NE(std::string("x{[\\.b").find(next), std::string::npos)
          << "unexpected escape \\" << next << " at " << i;
      ++i;  // the escaped character is not syntax
      continue;
    }
    if (pattern[i] == '(') {
      EXPECT_EQ(pattern.substr(i, 3), "(?:") << "only non-capturing groups, at " << i;
    }
  }
  EXPECT_NO_THROW(std::regex(pattern, std::regex::ECMAScript));
}

TEST(BranchPattern, CrdFilesCarryTheNewPattern) {
  for (const std::string dir : {"/config/crd/", "/charts/redraft/crds/"}) {
    const json crd = parse_document(
        read_file(std::string(REDRAFT_SOURCE_DIR) + dir + "redraft.dev_agentictasks.yaml"));
    const json& spec = schema::open_api_schema(crd)["properties"]["spec"]["properties"];
    for (const char* field : {"branch", "baseBranch", "reviseFromBranch"}) {
      EXPECT_EQ(spec[field]["pattern"], schema::branch_name_pattern()) << dir << field;
    }
  }
}

TEST(BranchPattern, TrickyNames) {
  const Judge judge;
  const std::vector<std::pair<std::string, bool>> table = {
      {"a.lock", false},       {"a.lock/b", false},    {"a/b.lock", false},   {"a.lock.b", true},
      {"a.lock./b", true},     {"a.lock.lock", false}, {"lock", true},        {"lock/lock", true},
      {"a/.b", false},         {"a..b", false},        {"a./b", true},        {"a.", false},
      {".a", false},           {"/a", false},          {"a/", false},         {"a//b", false},
      {"@", false},            {"@@", true},           {"@/x", true},         {"@.x", true},
      {"@.lock", false},       {"a@{b", false},        {"a@b{", true},        {"{", true},
      {"@.{", true},           {"a{{", true},          {"{@{", false},        {"-a", false},
      {"a/-b", true},          {"a.-b", true},         {"HEAD", false},       {"HEAD/x", true},
      {"HEAD.x", true},        {"HEADS", true},        {"x/HEAD", true},      {"refs", true},
      {"refs/x", false},       {"refs.x", true},       {"refs./x", true},     {"refs.lock", false},
      {"refsx/y", true},       {"ref/x", true},        {"x/refs/y", true},    {"caf\xc3\xa9", true},
      {"\xc3\xa9.lock", false}, {"a b", false},        {"a\x7f", false},      {"a~b", false},
      {"a^b", false},          {"a:b", false},         {"a?b", false},        {"a*b", false},
      {"a[b", false},          {"a\\b", false},        {"", false},           {"_.x", true},
      {"1/2.3", true},         {"a.loc", true},        {"a.lockk", true},     {"a.llock", true},
  };
  for (const auto& [name, valid] : table) {
    const Verdicts v = judge(name);
    EXPECT_EQ(v.validation, valid) << ::testing::PrintToString(name);
    EXPECT_EQ(v.new_pattern, valid) << ::testing::PrintToString(name);
    EXPECT_EQ(v.old_pattern, valid) << ::testing::PrintToString(name);
  }
}

// Every string of up to 6 characters over an alphabet with each kind of separator and the
// characters the "@{", "..", "//" and '-' rules are about.
TEST(BranchPattern, AgreesOnEveryShortString) {
  expect_agreement_on_all({"a", ".", "/", "@", "{", "-", "~"}, 6, 1000);
}

// Every sequence of up to 5 tokens, where tokens include the words the rules name ("lock",
// "refs", "HEAD"), their prefixes and a non-ASCII character, so ".lock", "refs/", "HEAD" and "@"
// occur in every position and combination.
TEST(BranchPattern, AgreesOnEveryShortTokenSequence) {
  expect_agreement_on_all(
      {"a", ".", "/", "@", "{", "-", "lock", "loc", "refs", "HEAD", "k", "\xc3\xa9", " "}, 5, 10000);
}

TEST(BranchPattern, AgreesOnRandomNames) {
  const Judge judge;
  const std::vector<std::string> tokens = {"a",    "b",    ".",   "/",   "@",  "{",   "}",
                                           "-",    "lock", "l",   "o",   "c",  "k",   "refs",
                                           "HEAD", "H",    "r",   "\t",  "~",  ":",   "_",
                                           "\xc3\xa9", "..", "//", "@{", "x.lock", "refs/"};
  std::mt19937 rng(20261204);
  std::uniform_int_distribution<std::size_t> count(1, 12);
  std::uniform_int_distribution<std::size_t> pick(0, tokens.size() - 1);
  int accepted = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string name;
    for (std::size_t n = count(rng); n > 0; --n) name += tokens[pick(rng)];
    if (!judge.agree(name, accepted)) return;
  }
  EXPECT_GT(accepted, 1000);
}

// The longest names (maxLength 255) still match quickly with a backtracking engine.
TEST(BranchPattern, LongNamesMatchQuickly) {
  const std::regex re(schema::branch_name_pattern(), std::regex::ECMAScript);
  std::vector<std::string> names = {std::string(255, 'a'), std::string(255, '@'),
                                    std::string(255, '{')};
  std::string mixed;
  while (mixed.size() < 250) mixed += "a@.l{/";
  names.push_back(mixed + "x");
  std::string dots;
  while (dots.size() < 250) dots += "lock.";
  names.push_back(dots + "x");
  names.push_back(dots + "lock");
  const auto start = std::chrono::steady_clock::now();
  for (const auto& name : names) {
    EXPECT_EQ(std::regex_search(name, re), !branch_name_problem(name).has_value()) << name;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace redraft::api
