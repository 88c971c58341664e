// What one phase hands the next through --state-dir (DESIGN.md §6). Files:
//   prepare.json  the prepare facts publish needs: tip to build on, base, the observed lease
//   result.json   the result so far (an AgenticTaskStatus), merged by every phase
//   review.diff   (review tasks) base...branch for the reviewer, read by the agent phase
//   prompt.md, agent-result.json  (owned by the agent phase)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "api/types.hpp"
#include "executor/git/credentials.hpp"

namespace redraft::executor {

inline constexpr const char* kPrepareStateFileName = "prepare.json";
inline constexpr const char* kResultStateFileName = "result.json";

struct PrepareState {
  std::string kind;         // api::task_kind
  std::string working_ref;  // refs/heads/<branch>
  std::string tip_sha;      // what the agent started from (publish commits on top of it)
  std::string base_sha;
  // The remote value of working_ref observed at prepare; nullopt = the ref was absent.
  std::optional<std::string> lease;
  bool operator==(const PrepareState&) const = default;
};

// Integrity: the agent shares the state dir and must not be able to move the tip or the lease
// publish relies on. With a non-empty `key` (derived from the git credentials, which only
// prepare and publish hold) the document carries an HMAC-SHA256 that decode verifies. Without
// credentials there is nothing secret to key it with, and no MAC is written or checked.
std::string state_key(const std::optional<git::Credentials>& credentials);

std::string encode_prepare_state(const PrepareState& state, std::string_view key = {});
// Throws std::runtime_error naming the field when the text is not a valid state document, or
// when `key` is non-empty and the MAC is missing or wrong.
PrepareState decode_prepare_state(const std::string& text, std::string_view key = {});

void write_prepare_state(const std::filesystem::path& state_dir, const PrepareState& state,
                         std::string_view key = {});
// nullopt when prepare never wrote one.
std::optional<PrepareState> read_prepare_state(const std::filesystem::path& state_dir,
                                               std::string_view key = {});

// The result so far; an empty status when none was saved.
api::AgenticTaskStatus load_result(const std::filesystem::path& state_dir);
void save_result(const std::filesystem::path& state_dir, const api::AgenticTaskStatus& status);

// Writes `content` to `path` via a temporary file and rename (readers never see half a file).
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace redraft::executor
