// The branch pattern under RE2 itself: the Kubernetes API server evaluates `pattern` with Go's
// regexp, which implements RE2 syntax and semantics (leftmost-first search, UTF-8, no
// lookaround). The new pattern and the previous one (testdata/) must both compile there and
// agree with branch_name_problem() on every name the std::regex test enumerates, plus random
// ones. Built only when RE2's headers are installed (libre2-dev).
#include <re2/re2.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "api/schema.hpp"
#include "api/validation.hpp"

namespace redraft::api {
namespace {

std::string old_pattern() {
  std::ifstream in(std::string(REDRAFT_SOURCE_DIR) +
                   "/tests/api/testdata/branch_pattern_before_issue9.txt");
  std::ostringstream text;
  text << in.rdbuf();
  std::string pattern = text.str();
  while (!pattern.empty() && (pattern.back() == '\n' || pattern.back() == '\r')) pattern.pop_back();
  return pattern;
}

class Re2Judge {
 public:
  Re2Judge() : new_(schema::branch_name_pattern()), old_(old_pattern()) {}
  bool compiled() const { return new_.ok() && old_.ok(); }

  // PartialMatch is a search, as OpenAPI `pattern` is defined; the pattern anchors itself.
  bool agree(const std::string& name, long& accepted) const {
    const bool valid = !branch_name_problem(name).has_value();
    const bool now = RE2::PartialMatch(name, new_);
    const bool before = RE2::PartialMatch(name, old_);
    accepted += valid ? 1 : 0;
    if (now == valid && before == valid) return true;
    ADD_FAILURE() << ::testing::PrintToString(name) << ": RE2 new " << now << ", RE2 old "
                  << before << ", branch_name_problem "
                  << branch_name_problem(name).value_or("(accepts)");
    return false;
  }

 private:
  RE2 new_;
  RE2 old_;
};

TEST(BranchPatternRe2, CompilesAndAgreesWithValidation) {
  const Re2Judge judge;
  ASSERT_TRUE(judge.compiled());
  // RE2 really is stricter than ECMAScript: lookahead does not compile there.
  EXPECT_FALSE(RE2("(?=a)", RE2::Quiet).ok());

  long accepted = 0;
  // Token alphabets (valid UTF-8 only: RE2 works on UTF-8 text, as Kubernetes strings are).
  const std::vector<std::pair<std::vector<std::string>, std::size_t>> alphabets = {
      {{"a", ".", "/", "@", "{", "-", "~"}, 7},
      {{"a", ".", "/", "@", "{", "-", "lock", "loc", "refs", "HEAD", "k", "\xc3\xa9", " "}, 5},
      {{"r", "e", "f", "s", "H", "E", "A", "D", ".", "/", "@"}, 5},
  };
  for (const auto& [tokens, max_tokens] : alphabets) {
    std::vector<std::size_t> index;
    while (true) {
      std::string name;
      for (std::size_t i : index) name += tokens[i];
      if (!judge.agree(name, accepted)) return;
      std::size_t pos = 0;
      while (pos < index.size() && ++index[pos] == tokens.size()) index[pos++] = 0;
      if (pos == index.size()) {
        if (index.size() == max_tokens) break;
        index.push_back(0);
      }
    }
  }
  std::mt19937 rng(7);
  const std::vector<std::string> tokens = {
      "a", "b", ".", "/", "@", "{", "}", "-", "lock", "l", "o", "c", "k", "refs", "HEAD",
      "H", "r", "\t", "~", ":", "_", "\xc3\xa9", "..", "//", "@{", "x.lock", "refs/", "\xe2\x82\xac"};
  for (int i = 0; i < 100000; ++i) {
    std::string name;
    for (int n = 1 + static_cast<int>(rng() % 14); n > 0; --n) name += tokens[rng() % tokens.size()];
    if (!judge.agree(name, accepted)) return;
  }
  EXPECT_GT(accepted, 100000);
}

}  // namespace
}  // namespace redraft::api
