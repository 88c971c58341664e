#include "operator/controllers/agentictask/result.hpp"

#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/build_pod.hpp"

namespace redraft::controllers::agentictask {

std::optional<api::AgenticTaskStatus> parse_result(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  api::AgenticTaskStatus status;
  try {
    api::from_json(j, status);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (status.phase != api::phase::kSucceeded && status.phase != api::phase::kFailed) return std::nullopt;
  return status;
}

std::optional<api::AgenticTaskStatus> last_result_line(std::string_view log) {
  std::size_t end = log.size();
  while (end > 0) {
    std::size_t start = log.rfind('\n', end - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::string_view line = log.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kResultLinePrefix)) {
      if (auto status = parse_result(line.substr(kResultLinePrefix.size()))) return status;
    }
    if (start == 0) break;
    end = start - 1;
  }
  return std::nullopt;
}

const ContainerView* publish_status(const PodView& pod) {
  for (const auto& c : pod.containers) {
    if (c.name == kPublishContainer) return &c;
  }
  return nullptr;
}

ResultRead read_result(const PodView& pod, const LogFetcher& fetch_log) {
  ResultRead out;
  const ContainerView* publish = publish_status(pod);
  if (publish == nullptr || publish->state != "terminated") return out;
  const std::string exit = publish->exitCode ? std::to_string(*publish->exitCode) : "unknown";
  if (auto status = parse_result(publish->message.view())) {
    out.kind = ResultRead::Kind::Found;
    out.result = std::move(*status);
    out.source = "termination message";
    return out;
  }
  // FallbackToLogsOnError: after a failed exit the message is the log tail, which may still
  // end with the result line.
  if (auto status = last_result_line(publish->message.view())) {
    out.kind = ResultRead::Kind::Found;
    out.result = std::move(*status);
    out.source = "termination message";
    return out;
  }
  std::optional<std::string> log = fetch_log ? fetch_log() : std::nullopt;
  if (!log) {
    out.kind = ResultRead::Kind::LogUnavailable;
    out.problem = "the publish container's log could not be read";
    return out;
  }
  if (auto status = last_result_line(*log)) {
    out.kind = ResultRead::Kind::Found;
    out.result = std::move(*status);
    out.source = "log";
    return out;
  }
  out.kind = ResultRead::Kind::Missing;
  out.problem = "container publish terminated (exit code " + exit + (publish->reason.empty() ? "" : ", " + publish->reason.str()) +
                ") without a result";
  return out;
}

}  // namespace redraft::controllers::agentictask
