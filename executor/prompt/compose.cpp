#include "executor/prompt/compose.hpp"

#include <algorithm>
#include <sstream>

namespace redraft::executor {

namespace {

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) {
    s.pop_back();
  }
  return s;
}

// One non-empty part, bounded, followed by a blank line.
void add_part(std::string& out, const std::string& heading, const std::string& text,
              const PromptLimits& limits) {
  std::string body = trim_trailing(truncate_with_marker(text, limits.max_part_bytes));
  if (body.empty()) return;
  if (!heading.empty()) out += heading + "\n\n";
  out += body + "\n\n";
}

std::string one_line(std::string s) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return trim_trailing(s);
}

// Continuation lines of a multi-line field are indented under their finding, so text written by
// a reviewer can never start a heading of its own ("## ...") in the coder's prompt.
std::string indent_continuations(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\r') continue;
    out.push_back(c);
    if (c == '\n') out += "   ";
  }
  return out;
}

}  // namespace

std::string truncate_with_marker(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += kTruncatedMarker;
  return text;
}

std::string render_requested_changes(const std::vector<api::Finding>& findings,
                                     const PromptLimits& limits) {
  if (findings.empty()) return {};
  std::string out =
      "## Requested changes\n\n"
      "Reviewers asked for changes to your previous attempt, which is already checked out in "
      "this workspace. Apply the requested changes to it; keep what is already right instead "
      "of starting over.\n\n";
  // Whole findings only: stop at the count or byte budget and say how many were left out, so
  // the coder knows the list is incomplete.
  const std::size_t budget = limits.max_part_bytes * 4;
  const std::size_t field_cap = limits.max_part_bytes / 4;
  std::size_t shown = 0;
  for (const api::Finding& f : findings) {
    if (shown >= limits.max_findings) break;
    std::ostringstream entry;
    std::string where = f.file;
    if (!where.empty() && f.line) where += ":" + std::to_string(*f.line);
    entry << shown + 1 << ".";
    if (!f.severity.empty()) entry << " [" << one_line(f.severity) << "]";
    if (!where.empty()) entry << " " << one_line(where);
    entry << (f.severity.empty() && where.empty() ? " " : " — ")
          << indent_continuations(trim_trailing(truncate_with_marker(f.message, field_cap))) << "\n";
    if (!f.suggestion.empty()) {
      entry << "   Suggestion: "
            << indent_continuations(trim_trailing(truncate_with_marker(f.suggestion, field_cap)))
            << "\n";
    }
    if (!f.reviewer.empty()) entry << "   (requested by " << one_line(f.reviewer) << ")\n";
    std::string text = entry.str();
    if (shown > 0 && out.size() + text.size() > budget) break;
    out += text;
    ++shown;
  }
  if (shown < findings.size()) {
    out += "(" + std::to_string(findings.size() - shown) + " more findings omitted)\n";
  }
  return out;
}

std::string compose_prompt(const api::AgenticTask& task, const api::Agent& agent,
                           const PromptInputs& inputs, const PromptLimits& limits) {
  const auto& spec = task.spec;
  const bool review = spec.kind == api::task_kind::kReview;
  std::string out;
  add_part(out, "", agent.spec.instructions, limits);
  if (inputs.repo_instructions) {
    add_part(out, "## Repository instructions (" + agent.spec.instructionsPath + ")",
             *inputs.repo_instructions, limits);
  }
  add_part(out, "## Intent", spec.intent, limits);
  add_part(out, "", spec.promptPrefix, limits);
  if (!review && !spec.feedback.empty()) {
    out += trim_trailing(render_requested_changes(spec.feedback, limits)) + "\n\n";
  }
  if (spec.issue) {
    std::string issue = one_line(spec.issue->title);
    if (!spec.issue->body.empty()) issue += (issue.empty() ? "" : "\n\n") + spec.issue->body;
    std::string heading = "## Original issue (#" + std::to_string(spec.issue->number) + ")";
    if (trim_trailing(issue).empty()) {
      out += heading + "\n\n";
    } else {
      add_part(out, heading, issue, limits);
    }
  }
  add_part(out, "## Task", spec.prompt, limits);
  if (review) {
    std::ostringstream r;
    r << "## Review\n\n"
      << "Review the changes on branch " << one_line(spec.branch) << " against "
      << one_line(spec.baseBranch.empty() ? "main" : spec.baseBranch)
      << ". The workspace holds the branch; the diff to review is in the file named by "
         "REDRAFT_DIFF_FILE";
    if (!inputs.diff_file.empty()) r << " (" << inputs.diff_file << ")";
    r << ". Do not modify the workspace.\n\n"
      << "## Result\n\n"
      << "Write your decision as JSON to the file named by REDRAFT_RESULT_FILE";
    if (!inputs.result_file.empty()) r << " (" << inputs.result_file << ")";
    r << ":\n"
      << R"({"verdict": "GO" or "NO-GO" or "ERROR", "summary": "...", )"
      << R"("findings": [{"severity": "...", "file": "...", "line": 1, "message": "...", "suggestion": "..."}]})"
      << "\n\nSay GO when the change is ready to merge, NO-GO with findings naming what must "
         "change, ERROR when you could not review. Without this file the review counts as "
         "incomplete.\n";
    out += r.str();
  } else {
    std::ostringstream r;
    r << "## Result\n\n"
      << "Make your changes in the workspace; do not commit or push (the executor does). "
         "Optionally write JSON to the file named by REDRAFT_RESULT_FILE";
    if (!inputs.result_file.empty()) r << " (" << inputs.result_file << ")";
    r << R"( with {"summary": "one line describing the change"}; it becomes the commit message.)"
      << "\n";
    out += r.str();
  }
  return truncate_with_marker(std::move(out), limits.max_total_bytes);
}

}  // namespace redraft::executor
