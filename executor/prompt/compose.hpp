// Composing the agent's prompt from the task (DESIGN.md §6 "agent"). Pure and deterministic:
// same inputs, same bytes. Huge inputs are bounded (each part is cut with a visible marker).
//
// Order: agent instructions, repository instructions (the instructionsPath file), the intent,
// promptPrefix, for a revision the requested changes (feedback findings), then the issue
// ("## Original issue (#N)") or the free prompt ("## Task"), and for review tasks where the diff
// is and the result contract.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "api/types.hpp"

namespace redraft::executor {

struct PromptInputs {
  // Content of the repository's instructions file (read by the caller), when present.
  std::optional<std::string> repo_instructions;
  // Paths the agent sees in its environment; mentioned in the prompt for review tasks.
  std::string diff_file;    // REDRAFT_DIFF_FILE
  std::string result_file;  // REDRAFT_RESULT_FILE
};

struct PromptLimits {
  std::size_t max_part_bytes = 64 * 1024;     // any single part (instructions, body, ...)
  std::size_t max_findings = 200;             // findings rendered; the rest are counted
  std::size_t max_total_bytes = 512 * 1024;   // the whole prompt
};

inline constexpr const char* kTruncatedMarker = "\n[... truncated by redraft ...]\n";

std::string compose_prompt(const api::AgenticTask& task, const api::Agent& agent,
                           const PromptInputs& inputs, const PromptLimits& limits = {});

// The "## Requested changes" section for a revision (empty string for no findings).
std::string render_requested_changes(const std::vector<api::Finding>& findings,
                                     const PromptLimits& limits = {});

// Cuts `text` to at most `max_bytes` (on a UTF-8 character boundary) and appends
// kTruncatedMarker when it had to cut.
std::string truncate_with_marker(std::string text, std::size_t max_bytes);

}  // namespace redraft::executor
