#include "executor/git/ref_rules.hpp"

#include <string>

#include "executor/git/handles.hpp"

namespace redraft::executor::git {

std::optional<std::string> branch_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 200) return "must be at most 200 characters";
  if (name.front() == '-') return "must not start with '-'";
  if (name.find("..") != std::string_view::npos) return "must not contain '..'";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "must not contain control characters";
    if (c == ' ' || c == '\t') return "must not contain whitespace";
    switch (c) {
      case '~': case '^': case ':': case '?': case '*': case '[': case '\\':
        return std::string("must not contain '") + static_cast<char>(c) + "'";
      default:
        break;
    }
  }
  if (name.find("@{") != std::string_view::npos) return "must not contain '@{'";
  if (name == "@" || name == "HEAD") return "must not be '@' or 'HEAD'";
  if (name.front() == '/' || name.back() == '/') return "must not start or end with '/'";
  if (name.find("//") != std::string_view::npos) return "must not contain '//'";
  if (name.back() == '.') return "must not end with '.'";
  if (name.starts_with("refs/")) return "must be a branch name, not a full ref (drop 'refs/...')";
  // Per component: no leading '.', no ".lock" suffix.
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    auto part = name.substr(start, end - start);
    if (part.starts_with('.')) return "no path component may start with '.'";
    if (part.ends_with(".lock")) return "no path component may end with '.lock'";
    start = end + 1;
  }
  // Belt and braces: libgit2's own opinion (it knows rules we may have missed).
  LibGit2 lib;
  int valid = 0;
  std::string copy(name);
  if (git_branch_name_is_valid(&valid, copy.c_str()) < 0 || valid == 0) {
    return "is not a valid git branch name";
  }
  return std::nullopt;
}

std::string full_branch_ref(std::string_view name) { return "refs/heads/" + std::string(name); }

}  // namespace redraft::executor::git
