#include "executor/agent/result.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "api/types.hpp"

namespace redraft::executor {

namespace {

using nlohmann::json;

ParsedResult invalid(std::string message) {
  ParsedResult r;
  r.state = ParsedResult::State::kInvalid;
  r.error = std::move(message);
  return r;
}

// A string field: absent/null ⇒ "", string ⇒ capped copy, anything else ⇒ error.
bool string_field(const json& object, const char* name, const std::string& path, std::string& out,
                  std::string& error) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = path + name + ": expected string, got " + it->type_name();
    return false;
  }
  out = it->get<std::string>();
  if (out.size() > kMaxFieldBytes) {
    out.resize(kMaxFieldBytes);
    out += " [truncated]";
  }
  return true;
}

bool string_field(const json& object, const char* name, const std::string& path, api::Text& out,
                  std::string& error) {
  std::string value;
  if (!string_field(object, name, path, value, error)) return false;
  out = value;
  return true;
}

std::string upper_trim(std::string s) {
  auto first = s.find_first_not_of(" \t\r\n");
  auto last = s.find_last_not_of(" \t\r\n");
  s = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

ParsedResult parse_agent_result(std::string_view text) {
  if (text.size() > kMaxResultBytes) {
    return invalid("result is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                   std::to_string(kMaxResultBytes));
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid("result is not valid JSON");
  if (!doc.is_object()) return invalid(std::string("result: expected object, got ") + doc.type_name());

  ParsedResult parsed;
  parsed.state = ParsedResult::State::kValid;
  AgentResult& r = parsed.result;
  std::string error;
  if (!string_field(doc, "verdict", "", r.verdict, error)) return invalid(error);
  r.verdict = upper_trim(r.verdict);
  // Agents write "NO_GO" or "NOGO" too; all mean the same decision.
  if (r.verdict == "NO_GO" || r.verdict == "NOGO" || r.verdict == "NO GO") r.verdict = api::verdict::kNoGo;
  if (!r.verdict.empty() && r.verdict != api::verdict::kGo && r.verdict != api::verdict::kNoGo &&
      r.verdict != api::verdict::kError) {
    return invalid("verdict: unsupported value \"" + r.verdict.substr(0, 40) +
                   "\" (expected GO, NO-GO or ERROR)");
  }
  if (!string_field(doc, "summary", "", r.summary, error)) return invalid(error);

  auto findings = doc.find("findings");
  if (findings != doc.end() && !findings->is_null()) {
    if (!findings->is_array()) {
      return invalid(std::string("findings: expected array, got ") + findings->type_name());
    }
    std::size_t index = 0;
    for (const auto& item : *findings) {
      std::string path = "findings[" + std::to_string(index++) + "].";
      if (r.findings.size() >= kMaxFindings) break;  // extra findings are dropped, not fatal
      if (item.is_string()) {  // a bare string is a message
        api::Finding f;
        json wrapper = {{"message", item}};
        if (!string_field(wrapper, "message", path, f.message, error)) return invalid(error);
        r.findings.push_back(std::move(f));
        continue;
      }
      if (!item.is_object()) {
        return invalid(path.substr(0, path.size() - 1) + ": expected object, got " + item.type_name());
      }
      api::Finding f;
      if (!string_field(item, "severity", path, f.severity, error) ||
          !string_field(item, "file", path, f.file, error) ||
          !string_field(item, "message", path, f.message, error) ||
          !string_field(item, "suggestion", path, f.suggestion, error)) {
        return invalid(error);
      }
      auto line = item.find("line");
      if (line != item.end() && !line->is_null()) {
        if (line->is_number_integer()) {
          f.line = line->get<std::int64_t>();
        } else if (line->is_number_unsigned()) {
          f.line = static_cast<std::int64_t>(std::min<std::uint64_t>(line->get<std::uint64_t>(), INT64_MAX));
        } else if (line->is_string()) {
          const std::string s = line->get<std::string>();
          std::int64_t v = 0;
          auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
          if (ec != std::errc() || end != s.data() + s.size()) {
            return invalid(path + "line: expected integer, got \"" + s.substr(0, 20) + "\"");
          }
          f.line = v;
        } else {
          return invalid(path + "line: expected integer, got " + line->type_name());
        }
        if (f.line && *f.line < 0) f.line.reset();
      }
      r.findings.push_back(std::move(f));
    }
  }
  return parsed;
}

ParsedResult read_agent_result(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  auto status = std::filesystem::symlink_status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    ParsedResult r;
    r.error = "no result file was written";
    return r;
  }
  if (!std::filesystem::is_regular_file(status)) {
    return invalid("result file is not a regular file");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return invalid("result file cannot be read");
  if (size > max_bytes) {
    return invalid("result file is " + std::to_string(size) + " bytes, more than the limit of " +
                   std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid("result file cannot be read");
  std::ostringstream content;
  content << in.rdbuf();
  return parse_agent_result(content.str());
}

AgentPhaseOutcome decide_agent_outcome(const AgentRunFacts& run, const ParsedResult& result) {
  AgentPhaseOutcome out;
  out.exit_code = run.exit_code;
  out.seconds = run.seconds;
  const bool review = run.task_kind == api::task_kind::kReview;
  const bool valid = result.state == ParsedResult::State::kValid;
  if (valid) {
    out.summary = result.result.summary;
    out.findings = result.result.findings;
  }
  auto fail = [&](const char* reason, std::string message) {
    out.success = false;
    out.reason = reason;
    out.message = std::move(message);
    out.verdict = review ? api::verdict::kIncomplete : "";
    return out;
  };

  if (!run.started) return fail(api::reason::kAgentFailed, "agent could not be started: " + run.start_error);
  if (run.timed_out) {
    std::ostringstream m;
    m << "agent did not finish within " << run.timeout_seconds << "s and was stopped";
    return fail(api::reason::kAgentTimeout, m.str());
  }
  if (run.term_signal) {
    return fail(api::reason::kAgentFailed,
                "agent was killed by signal " + std::to_string(*run.term_signal));
  }
  if (!run.exit_code || *run.exit_code != 0) {
    return fail(api::reason::kAgentFailed,
                "agent exited with code " + std::to_string(run.exit_code.value_or(-1)));
  }
  if (valid && result.result.verdict == api::verdict::kError) {
    return fail(api::reason::kAgentFailed,
                "agent reported ERROR" +
                    (result.result.summary.empty() ? "" : ": " + result.result.summary));
  }
  if (review) {
    if (!valid) {
      return fail(api::reason::kResultMissing,
                  "reviewer wrote no valid result (" + result.error + "); a review without a "
                  "verdict is incomplete, never NO-GO");
    }
    if (result.result.verdict.empty()) {
      return fail(api::reason::kResultMissing, "reviewer result has no verdict");
    }
    out.success = true;
    out.verdict = result.result.verdict;
    out.message = "reviewer said " + out.verdict;
    return out;
  }
  out.success = true;
  if (result.state == ParsedResult::State::kInvalid) {
    out.message = "agent finished; its result file was ignored: " + result.error;
  } else {
    out.message = "agent finished";
  }
  return out;
}

}  // namespace redraft::executor
