// Operator logging: spdlog on stderr (stdout carries only the "redraft-operator ready" line), as
// human-readable text or one JSON object per line (--log-format), at the level -v selects.
#pragma once

#include <memory>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include "operator/app/options.hpp"

namespace redraft::app {

// One JSON object per line: {"ts":"2026-12-04T15:04:05.123456Z","level":"info",
// "logger":"redraft-operator","msg":"..."}; the message is JSON-escaped (quotes, control
// characters, invalid UTF-8 replaced), so every line parses.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// The spdlog level for -v N: 0 info, 1 debug, ≥2 trace. Pure.
spdlog::level::level_enum level_for_verbosity(int verbosity);

// Makes the default logger a stderr logger named "redraft-operator" with the format and level.
void setup_logging(LogFormat format, int verbosity);

}  // namespace redraft::app
