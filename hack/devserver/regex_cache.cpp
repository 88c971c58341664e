// GCC 12 reports false -Wmaybe-uninitialized inside libstdc++'s std::function when <regex> is
// built with -fsanitize=address; see the header.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "regex_cache.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <regex>

namespace redraft::devserver {

namespace {

// nullptr when the pattern does not compile (remembered too, so it is not retried).
std::shared_ptr<const std::regex> compiled(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const std::regex>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();  // CRD patterns are few; this only bounds abuse
  std::shared_ptr<const std::regex> re;
  try {
    re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    re = nullptr;
  }
  cache.emplace(pattern, re);
  return re;
}

}  // namespace

std::optional<bool> regex_full_match(const std::string& pattern, const std::string& text) {
  auto re = compiled(pattern);
  if (!re) return std::nullopt;
  return std::regex_match(text, *re);
}

std::optional<bool> regex_search(const std::string& pattern, const std::string& text) {
  auto re = compiled(pattern);
  if (!re) return std::nullopt;
  return std::regex_search(text, *re);
}

}  // namespace redraft::devserver
