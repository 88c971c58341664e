// Reading the per-repository agent instructions file (Agent spec.instructionsPath) from the
// workspace. The repository is untrusted input: the path must be relative, must not climb out
// with "..", and no component may be a symlink (a repo could point it at a credentials file).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::executor {

// Pure check of the configured path; returns an error message naming the field, or "".
std::string validate_instructions_path(std::string_view relative);

struct RepoInstructions {
  std::optional<std::string> content;  // set when the file exists and was read
  std::string warning;                 // why it was skipped (symlink, not a regular file, ...)
  std::string error;                   // the configured path itself is invalid
};

// Reads <workspace>/<relative> when present. An empty `relative` ⇒ nothing, no warning. A missing
// file is not a warning (the repository simply has none). Content is capped at max_bytes.
RepoInstructions read_repo_instructions(const std::filesystem::path& workspace,
                                        std::string_view relative,
                                        std::size_t max_bytes = 256 * 1024);

}  // namespace redraft::executor
