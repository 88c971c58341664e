// The redraft-executor program behind main(): parse the command line, load the task, run the
// requested phase(s), and write the result (result file + last log line "REDRAFT-RESULT {json}").
#pragma once

#include <string>
#include <vector>

#include "api/types.hpp"

namespace redraft::executor {

// Exit codes: 0 whenever a result was written (whatever it says); 1 when the result file could
// not be written; 2 for a command line so broken that there is nowhere to write a result.
inline constexpr int kExitResultWritten = 0;
inline constexpr int kExitNoResult = 1;
inline constexpr int kExitUsage = 2;

// `redraft-executor --version` prints this: "redraft-executor <CMake project version>".
inline constexpr const char* kExecutorName = "redraft-executor";
std::string version_line();

int run_executor(const std::vector<std::string>& args);

// Compact JSON of the result (invalid UTF-8 replaced, never throws).
std::string result_json(const api::AgenticTaskStatus& status);

}  // namespace redraft::executor
