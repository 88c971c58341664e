#include "operator/controllers/common/labels.hpp"

#include <cstdint>
#include <cstdio>

namespace redraft::controllers {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_label_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

bool is_valid_label_value(std::string_view value) {
  if (value.empty()) return true;
  if (value.size() > kMaxLabelValue) return false;
  if (!is_alnum(value.front()) || !is_alnum(value.back())) return false;
  for (char c : value) {
    if (!is_label_char(c)) return false;
  }
  return true;
}

std::string name_hash(std::string_view value) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "%010llx",
                static_cast<unsigned long long>(fnv1a64(value) & 0xffffffffffULL));
  return hex;
}

std::string bounded_object_name(std::string_view name, std::size_t max_length) {
  if (name.size() <= max_length) return std::string(name);
  const std::string suffix = name_hash(name);
  std::string prefix(name.substr(0, max_length > suffix.size() + 1 ? max_length - suffix.size() - 1 : 0));
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix.empty() ? suffix : prefix + "-" + suffix;
}

std::string safe_label_value(std::string_view value) {
  if (is_valid_label_value(value)) return std::string(value);
  const std::string suffix = name_hash(value);
  // prefix + "-" + 10 hex digits ≤ 63
  constexpr std::size_t kPrefixMax = kMaxLabelValue - 11;
  std::string prefix;
  for (char c : value) {
    if (prefix.size() == kPrefixMax) break;
    prefix.push_back(is_label_char(c) ? c : '-');
  }
  // The prefix must start with an alphanumeric and, as it is followed by "-", end with one.
  std::size_t start = 0;
  while (start < prefix.size() && !is_alnum(prefix[start])) ++start;
  prefix.erase(0, start);
  while (!prefix.empty() && !is_alnum(prefix.back())) prefix.pop_back();
  return prefix.empty() ? std::string(suffix) : prefix + "-" + suffix;
}

}  // namespace redraft::controllers
