#include "executor/prompt/repo_instructions.hpp"

#include <fstream>
#include <system_error>

namespace redraft::executor {

namespace fs = std::filesystem;

std::string validate_instructions_path(std::string_view relative) {
  if (relative.empty()) return {};
  const std::string field = "spec.instructionsPath";
  if (relative.find('\0') != std::string_view::npos) return field + ": must not contain NUL";
  fs::path p{std::string(relative)};
  if (p.is_absolute()) {
    return field + ": must be a path relative to the repository, got \"" + std::string(relative) + "\"";
  }
  for (const auto& part : p) {
    if (part == "..") {
      return field + ": must stay inside the repository (no \"..\"), got \"" +
             std::string(relative) + "\"";
    }
    if (part == ".git") return field + ": must not point into .git";
  }
  return {};
}

RepoInstructions read_repo_instructions(const fs::path& workspace, std::string_view relative,
                                        std::size_t max_bytes) {
  RepoInstructions out;
  if (relative.empty()) return out;
  out.error = validate_instructions_path(relative);
  if (!out.error.empty()) return out;

  // Walk component by component with lstat: a symlink anywhere on the way is refused, because
  // the repository (untrusted) controls the tree and could point it at a credentials file.
  fs::path current = workspace;
  for (const auto& part : fs::path{std::string(relative)}) {
    if (part.empty() || part == ".") continue;
    current /= part;
    std::error_code ec;
    auto status = fs::symlink_status(current, ec);
    if (ec || status.type() == fs::file_type::not_found) return out;  // no such file: fine
    if (status.type() == fs::file_type::symlink) {
      out.warning = "instructions file " + std::string(relative) +
                    " is (or is under) a symlink; ignored";
      return out;
    }
  }
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(current, ec))) {
    out.warning = "instructions path " + std::string(relative) + " is not a regular file; ignored";
    return out;
  }
  std::ifstream in(current, std::ios::binary);
  if (!in) {
    out.warning = "instructions file " + std::string(relative) + " cannot be read; ignored";
    return out;
  }
  std::string content(max_bytes, '\0');
  in.read(content.data(), static_cast<std::streamsize>(max_bytes));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (in.peek() != std::char_traits<char>::eof()) content += "\n[... truncated by redraft ...]\n";
  out.content = std::move(content);
  return out;
}

}  // namespace redraft::executor
