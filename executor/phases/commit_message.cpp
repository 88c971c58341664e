#include "executor/phases/commit_message.hpp"

#include <sstream>
#include <vector>

namespace redraft::executor {
namespace {

std::string clean(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) out += static_cast<char>(c);
  }
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string label(const api::AgenticTask& task, const char* key) {
  auto it = task.metadata.labels.find(key);
  return it == task.metadata.labels.end() ? "" : it->second;
}

}  // namespace

std::string compose_commit_message(const api::AgenticTask& task, const std::string& summary) {
  std::vector<std::string> lines;
  std::istringstream in(clean(summary));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Redraft-", 0) == 0) continue;
    lines.push_back(line);
  }
  while (!lines.empty() && trim(lines.front()).empty()) lines.erase(lines.begin());
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();

  std::string title;
  if (!lines.empty()) {
    title = trim(lines.front());
    lines.erase(lines.begin());
  } else if (task.spec.issue && !task.spec.issue->title.empty()) {
    title = "redraft: " + trim(clean(task.spec.issue->title));
    auto nl = title.find('\n');
    if (nl != std::string::npos) title.resize(nl);
  } else {
    title = "redraft: " + (task.metadata.name.empty() ? std::string("agent changes") : task.metadata.name.str());
  }
  if (title.size() > 72) title = title.substr(0, 69) + "...";

  std::string msg = title + "\n";
  while (!lines.empty() && trim(lines.front()).empty()) lines.erase(lines.begin());
  if (!lines.empty()) {
    msg += "\n";
    for (const auto& l : lines) msg += l + "\n";
  }
  msg += "\n";
  msg += "Redraft-Task: " + task.metadata.name + "\n";
  if (auto wl = label(task, api::kLabelWorkload); !wl.empty()) msg += "Redraft-Workload: " + wl + "\n";
  auto iteration = label(task, api::kLabelIteration);
  msg += "Redraft-Iteration: " + (iteration.empty() ? std::string("0") : iteration) + "\n";
  msg += "Redraft-Agent: " + task.spec.agentRef.name + "\n";
  return msg;
}

}  // namespace redraft::executor
