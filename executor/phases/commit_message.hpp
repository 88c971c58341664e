// The commit message publish writes: a title and body from the agent's summary (or the issue),
// then the provenance trailers. Pure.
#pragma once

#include <string>

#include "api/types.hpp"

namespace redraft::executor {

// Title: the summary's first line (≤ 72 chars), else "redraft: <issue title | task name>".
// Body: the rest of the summary, control characters removed, and any line that looks like one
// of our trailers dropped (an agent must not forge provenance). Trailers: Redraft-Task,
// Redraft-Workload (when labelled), Redraft-Iteration (label, default 0), Redraft-Agent.
std::string compose_commit_message(const api::AgenticTask& task, const std::string& summary);

}  // namespace redraft::executor
