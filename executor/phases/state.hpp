// What one phase hands the next through --state-dir (DESIGN.md §6). Files:
//   prepare.json  the prepare facts publish needs: tip to build on, base, the observed lease
//   result.json   the result so far (an AgenticTaskStatus), merged by every phase
//   review.diff   (review tasks) base...branch for the reviewer, read by the agent phase
//   prompt.md, agent-result.json  (owned by the agent phase)
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "api/types.hpp"

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

std::string encode_prepare_state(const PrepareState& state);
// Throws std::runtime_error naming the field when the text is not a valid state document.
PrepareState decode_prepare_state(const std::string& text);

void write_prepare_state(const std::filesystem::path& state_dir, const PrepareState& state);
// nullopt when prepare never wrote one.
std::optional<PrepareState> read_prepare_state(const std::filesystem::path& state_dir);

// The result so far; an empty status when none was saved.
api::AgenticTaskStatus load_result(const std::filesystem::path& state_dir);
void save_result(const std::filesystem::path& state_dir, const api::AgenticTaskStatus& status);

// Writes `content` to `path` via a temporary file and rename (readers never see half a file).
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace redraft::executor
