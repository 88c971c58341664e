#include "operator/app/logging.hpp"

#include <chrono>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace redraft::app {
namespace {

std::string utc_timestamp(spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[32];  // room for any long, so -Wformat-truncation has nothing to prove
  std::snprintf(fraction, sizeof fraction, ".%06ldZ", static_cast<long>(micros));
  return std::string(buffer, n) + fraction;
}

}  // namespace

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto level = spdlog::level::to_string_view(msg.level);
  nlohmann::json line = {
      {"ts", utc_timestamp(msg.time)},
      {"level", std::string(level.data(), level.size())},
      {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
      {"msg", std::string(msg.payload.data(), msg.payload.size())},
  };
  // replace: a message with invalid UTF-8 (e.g. a server's raw answer) must not throw here.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const {
  return std::make_unique<JsonFormatter>();
}

spdlog::level::level_enum level_for_verbosity(int verbosity) {
  if (verbosity <= 0) return spdlog::level::info;
  if (verbosity == 1) return spdlog::level::debug;
  return spdlog::level::trace;
}

void setup_logging(LogFormat format, int verbosity) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (format == LogFormat::Json) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%fZ %-5l %v", spdlog::pattern_time_type::utc));
  }
  auto logger = std::make_shared<spdlog::logger>("redraft-operator", std::move(sink));
  logger->set_level(level_for_verbosity(verbosity));
  // Errors reach the terminal (or the container log) at once; the rest is flushed by the sink.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace redraft::app
