// GCC 12 reports false -Wmaybe-uninitialized inside libstdc++'s std::function when <regex> is
// built with -fsanitize=address; see the header.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "regex_cache.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <unordered_map>

namespace redraft::devserver {

namespace {

// Values whose answer is remembered per pattern. Admission checks the same CRD patterns against
// the same few values over and over (a base branch "main", one repository URL), and a
// branch-name pattern costs tens of microseconds per std::regex run; a hit is one
// hash lookup. The answer is a pure function of (pattern, value), so nothing is weakened.
constexpr std::size_t kRememberedValues = 4096;   // per pattern; cleared when full
constexpr std::size_t kRememberedValueBytes = 512;  // longer values are not worth keeping

struct Compiled {
  std::shared_ptr<const std::regex> re;  // nullptr when the pattern does not compile
  std::unordered_map<std::string, bool> full_match, search;
};

std::mutex mu;
std::map<std::string, std::shared_ptr<Compiled>, std::less<>> cache;

// Under `mu`.
std::shared_ptr<Compiled> compiled(const std::string& pattern) {
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();  // CRD patterns are few; this only bounds abuse
  auto entry = std::make_shared<Compiled>();
  try {
    entry->re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    entry->re = nullptr;  // remembered too, so it is not retried
  }
  cache.emplace(pattern, entry);
  return entry;
}

enum class Mode { kFullMatch, kSearch };

std::optional<bool> run(const std::string& pattern, const std::string& text, Mode mode) {
  std::shared_ptr<Compiled> entry;
  std::shared_ptr<const std::regex> re;
  {
    std::lock_guard lock(mu);
    entry = compiled(pattern);
    if (!entry->re) return std::nullopt;
    auto& memo = mode == Mode::kFullMatch ? entry->full_match : entry->search;
    if (auto hit = memo.find(text); hit != memo.end()) return hit->second;
    re = entry->re;
  }
  // The match itself runs unlocked: concurrent requests do not wait for each other.
  const bool result = mode == Mode::kFullMatch ? std::regex_match(text, *re) : std::regex_search(text, *re);
  if (text.size() <= kRememberedValueBytes) {
    std::lock_guard lock(mu);
    auto& memo = mode == Mode::kFullMatch ? entry->full_match : entry->search;
    if (memo.size() >= kRememberedValues) memo.clear();
    memo.emplace(text, result);
  }
  return result;
}

}  // namespace

std::optional<bool> regex_full_match(const std::string& pattern, const std::string& text) {
  return run(pattern, text, Mode::kFullMatch);
}

std::optional<bool> regex_search(const std::string& pattern, const std::string& text) {
  return run(pattern, text, Mode::kSearch);
}

}  // namespace redraft::devserver
