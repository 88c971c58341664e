// Fault injection for tests: cut watch streams, fail the next requests, forget history, add
// latency. Configured by flags at start-up and at run time through POST /admin/faults.
#pragma once

#include "api_errors.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace redraft::devserver {

struct FaultConfig {
  int close_watches_after_seconds = 0;  // 0: watches live until their timeout
  int latency_ms = 0;                   // added before every API request
  int fail_count = 0;                   // the next N matching requests fail...
  int fail_code = 500;                  // ...with this status (409, 429, 500, ...)
  std::string fail_method;              // only requests with this method ("" = any)
  std::string fail_path_contains;       // only paths containing this ("" = any)
};

// Reads the admin JSON ({"closeWatchesAfterSeconds", "latencyMs", "failNext": {"count",
// "code", "method", "pathContains"}}) on top of `base`; throws ApiError(400) naming the field.
FaultConfig merge_fault_config(FaultConfig base, const nlohmann::json& body);
nlohmann::json fault_config_to_json(const FaultConfig& c);
// The error a failing request gets for `code` (Conflict, TooManyRequests, InternalError, ...).
ApiError injected_error(int code);

class Faults {
 public:
  FaultConfig get() const;
  void set(FaultConfig c);
  // Consumes one injected failure if the request matches; nullopt lets it through.
  std::optional<ApiError> take_failure(const std::string& method, const std::string& path);

 private:
  mutable std::mutex mu_;
  FaultConfig config_;
};

}  // namespace redraft::devserver
