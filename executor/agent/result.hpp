// The agent result contract (REDRAFT_RESULT_FILE) and the decision that turns an agent run into
// the phase outcome. Both pure except read_agent_result.
//
//   {"verdict": "GO|NO-GO|ERROR", "summary": "...",
//    "findings": [{"severity", "file", "line", "message", "suggestion"}]}
//
// Lenient (unknown fields ignored, line may be a number or a numeric string, missing strings are
// empty) but safe: size capped, wrong types make the result invalid with a message naming the
// field.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace redraft::executor {

inline constexpr std::size_t kMaxResultBytes = 1024 * 1024;
inline constexpr std::size_t kMaxFindings = 500;
inline constexpr std::size_t kMaxFieldBytes = 16 * 1024;

struct AgentResult {
  std::string verdict;  // "GO" | "NO-GO" | "ERROR" | "" (coders may omit it)
  std::string summary;
  std::vector<api::Finding> findings;
};

struct ParsedResult {
  enum class State { kMissing, kInvalid, kValid };
  State state = State::kMissing;
  AgentResult result;  // meaningful when kValid
  std::string error;   // for kMissing / kInvalid
};

ParsedResult parse_agent_result(std::string_view text);
// Missing file ⇒ kMissing; larger than max_bytes ⇒ kInvalid.
ParsedResult read_agent_result(const std::filesystem::path& path,
                               std::size_t max_bytes = kMaxResultBytes);

// What the agent phase reports (mapped into AgenticTaskStatus by the phases code).
struct AgentPhaseOutcome {
  bool success = false;   // the phase may continue to publish (code) / the review is complete
  std::string verdict;    // reviews: GO | NO-GO | INCOMPLETE; code tasks: "" (publish decides)
  std::string reason;     // api::reason::* when something went wrong, else ""
  std::string message;    // human readable, redacted
  std::string summary;
  std::vector<api::Finding> findings;
  std::optional<int> exit_code;
  double seconds = 0;
};

struct AgentRunFacts {
  std::string task_kind;  // api::task_kind
  bool started = true;
  std::string start_error;
  std::optional<int> exit_code;
  std::optional<int> term_signal;
  bool timed_out = false;
  double timeout_seconds = 0;
  double seconds = 0;
};

// Pure decision table:
// - timeout ⇒ AgentTimeout (review ⇒ INCOMPLETE), never success.
// - could not start / non-zero exit / killed ⇒ AgentFailed (review ⇒ INCOMPLETE).
// - review: valid GO/NO-GO ⇒ that verdict; ERROR ⇒ INCOMPLETE/AgentFailed; missing or invalid or
//   no verdict ⇒ INCOMPLETE/ResultMissing (never NO-GO).
// - code: success; a valid result contributes summary (and findings); an invalid one is ignored
//   with a note in message; verdict ERROR ⇒ AgentFailed.
AgentPhaseOutcome decide_agent_outcome(const AgentRunFacts& run, const ParsedResult& result);

}  // namespace redraft::executor
