// Reading the executor's result from a finished task Pod (DESIGN.md §5): the publish
// container's termination message holds it as compact JSON; when the kubelet cut that message
// (4 KiB), the full result is the last "REDRAFT-RESULT {json}" line of the publish log.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/types.hpp"
#include "operator/controllers/agentictask/pod_view.hpp"

namespace redraft::controllers::agentictask {

inline constexpr std::string_view kResultLinePrefix = "REDRAFT-RESULT ";

// The publish container's log, or nullopt when it cannot be read right now.
using LogFetcher = std::function<std::optional<std::string>()>;

struct ResultRead {
  enum class Kind {
    NotFinished,     // publish has not terminated: nothing to read yet
    Found,           // `result` holds the executor's result
    Missing,         // publish terminated without a readable result (`problem` says why)
    LogUnavailable,  // the message was not a result and the log could not be fetched
  };
  Kind kind = Kind::NotFinished;
  api::AgenticTaskStatus result;
  std::string source;   // Found: "termination message" | "log"
  std::string problem;  // Missing / LogUnavailable
};

// A result document: a JSON object that decodes as AgenticTaskStatus with phase Succeeded or
// Failed. nullopt for anything else (cut JSON, log text, another phase). Never throws.
std::optional<api::AgenticTaskStatus> parse_result(std::string_view json_text);

// The last "REDRAFT-RESULT {json}" line of `log` that parses as a result. Never throws.
std::optional<api::AgenticTaskStatus> last_result_line(std::string_view log);

// The publish container's status in `pod`, or nullptr.
const ContainerView* publish_status(const PodView& pod);

// Pure apart from `fetch_log`, which is called only when the termination message is not a
// result (it was cut, or FallbackToLogsOnError put log text there without a result line).
ResultRead read_result(const PodView& pod, const LogFetcher& fetch_log);

}  // namespace redraft::controllers::agentictask
