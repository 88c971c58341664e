// A spdlog sink decorator that redacts each message (through a Redactor) before handing it to
// the wrapped sink, so formatters, files and consoles only ever see redacted text.
#pragma once

#include <memory>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "executor/support/redact.hpp"

namespace redraft::executor {

class RedactingSink final : public spdlog::sinks::sink {
 public:
  RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner, const Redactor& redactor);
  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  const Redactor& redactor_;
};

// A logger named `name` writing through redacting wrappers of `sinks`.
std::shared_ptr<spdlog::logger> make_redacting_logger(
    const std::string& name, std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks,
    const Redactor& redactor = global_redactor());

}  // namespace redraft::executor
