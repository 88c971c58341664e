#include "faults.hpp"

namespace redraft::devserver {

using nlohmann::json;

namespace {

int int_field(const json& obj, const char* key, int current, int min, int max,
              const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end()) return current;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max)
    throw bad_request("invalid fault config: " + prefix + key + " must be an integer in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "], got " + it->dump());
  return it->get<int>();
}

std::string string_field(const json& obj, const char* key, const std::string& current,
                         const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end()) return current;
  if (!it->is_string())
    throw bad_request("invalid fault config: " + prefix + key + " must be a string");
  return it->get<std::string>();
}

}  // namespace

FaultConfig merge_fault_config(FaultConfig c, const json& body) {
  if (!body.is_object()) throw bad_request("invalid fault config: body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "closeWatchesAfterSeconds" && it.key() != "latencyMs" && it.key() != "failNext")
      throw bad_request("invalid fault config: unknown field \"" + it.key() + "\"");
  c.close_watches_after_seconds =
      int_field(body, "closeWatchesAfterSeconds", c.close_watches_after_seconds, 0, 86400, "");
  c.latency_ms = int_field(body, "latencyMs", c.latency_ms, 0, 60000, "");
  if (auto f = body.find("failNext"); f != body.end()) {
    if (!f->is_object()) throw bad_request("invalid fault config: failNext must be an object");
    c.fail_count = int_field(*f, "count", 0, 0, 1000000, "failNext.");
    c.fail_code = int_field(*f, "code", 500, 400, 599, "failNext.");
    c.fail_method = string_field(*f, "method", "", "failNext.");
    c.fail_path_contains = string_field(*f, "pathContains", "", "failNext.");
  }
  return c;
}

json fault_config_to_json(const FaultConfig& c) {
  return {{"closeWatchesAfterSeconds", c.close_watches_after_seconds},
          {"latencyMs", c.latency_ms},
          {"failNext",
           {{"count", c.fail_count},
            {"code", c.fail_code},
            {"method", c.fail_method},
            {"pathContains", c.fail_path_contains}}}};
}

ApiError injected_error(int code) {
  const std::string why = " (injected by redraft-devserver fault injection)";
  switch (code) {
    case 409:
      return ApiError(409, "Conflict",
                      "Operation cannot be fulfilled: the object has been modified; please apply "
                      "your changes to the latest version and try again" + why);
    case 429:
      return ApiError(429, "TooManyRequests", "too many requests, please try again later" + why,
                      {{"retryAfterSeconds", 1}});
    case 500: return ApiError(500, "InternalError", "an error on the server has prevented the request from succeeding" + why);
    case 503: return ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request" + why);
    case 504: return ApiError(504, "Timeout", "the server was unable to return a response in the time allotted" + why);
    default: return ApiError(code, "Unknown", "injected failure" + why);
  }
}

FaultConfig Faults::get() const {
  std::lock_guard lock(mu_);
  return config_;
}

void Faults::set(FaultConfig c) {
  std::lock_guard lock(mu_);
  config_ = std::move(c);
}

std::optional<ApiError> Faults::take_failure(const std::string& method, const std::string& path) {
  std::lock_guard lock(mu_);
  if (config_.fail_count <= 0) return std::nullopt;
  if (!config_.fail_method.empty() && config_.fail_method != method) return std::nullopt;
  if (!config_.fail_path_contains.empty() && path.find(config_.fail_path_contains) == std::string::npos)
    return std::nullopt;
  --config_.fail_count;
  return injected_error(config_.fail_code);
}

}  // namespace redraft::devserver
