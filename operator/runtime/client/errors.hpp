// Typed errors of the Kubernetes API client. HEADER-ONLY on purpose: the controller runtime core
// classifies errors (409 ⇒ quiet requeue, 404 ⇒ done) without linking the client library.
//
// ApiError   — the server answered with a non-2xx status (decoded from a metav1.Status body
//              when there is one; otherwise the reason is derived from the HTTP code).
// TransportError — no usable answer: connection refused, TLS failure, timeout, stream cut,
//              credential plugin failure. Messages never contain tokens or key material.
//
// Whatever the server sends is passed through redact_url_credentials() before it is kept:
// servers quote rejected values in their messages, and those values may be URLs with a token.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "operator/runtime/client/redact.hpp"

namespace redraft::runtime {

// metav1.StatusReason values the operator distinguishes (the server may send others; they are
// kept verbatim in ApiError::reason()).
namespace status_reason {
inline constexpr const char* kNotFound = "NotFound";
inline constexpr const char* kAlreadyExists = "AlreadyExists";
inline constexpr const char* kConflict = "Conflict";
inline constexpr const char* kInvalid = "Invalid";
inline constexpr const char* kGone = "Gone";
inline constexpr const char* kExpired = "Expired";
inline constexpr const char* kForbidden = "Forbidden";
inline constexpr const char* kUnauthorized = "Unauthorized";
inline constexpr const char* kTooManyRequests = "TooManyRequests";
inline constexpr const char* kInternalError = "InternalError";
inline constexpr const char* kTimeout = "Timeout";
inline constexpr const char* kServerTimeout = "ServerTimeout";
inline constexpr const char* kServiceUnavailable = "ServiceUnavailable";
inline constexpr const char* kBadRequest = "BadRequest";
inline constexpr const char* kMethodNotAllowed = "MethodNotAllowed";
inline constexpr const char* kNotAcceptable = "NotAcceptable";
inline constexpr const char* kUnsupportedMediaType = "UnsupportedMediaType";
inline constexpr const char* kRequestEntityTooLarge = "RequestEntityTooLarge";
inline constexpr const char* kUnknown = "Unknown";
}  // namespace status_reason

// The reason Kubernetes implies for an HTTP status code when the body carries none
// (same table as k8s.io/apimachinery's reasonForError fallbacks).
inline std::string reason_for_http_code(int code) {
  switch (code) {
    case 400: return status_reason::kBadRequest;
    case 401: return status_reason::kUnauthorized;
    case 403: return status_reason::kForbidden;
    case 404: return status_reason::kNotFound;
    case 405: return status_reason::kMethodNotAllowed;
    case 406: return status_reason::kNotAcceptable;
    case 409: return status_reason::kConflict;
    case 410: return status_reason::kGone;
    case 413: return status_reason::kRequestEntityTooLarge;
    case 415: return status_reason::kUnsupportedMediaType;
    case 422: return status_reason::kInvalid;
    case 429: return status_reason::kTooManyRequests;
    case 500: return status_reason::kInternalError;
    case 503: return status_reason::kServiceUnavailable;
    case 504: return status_reason::kServerTimeout;
    default: return status_reason::kUnknown;
  }
}

class ApiError : public std::runtime_error {
 public:
  // `reason` and `message` are redacted here, so no construction path can skip it; `status` is
  // the caller's (decode_api_error redacts it).
  ApiError(int code, std::string reason, std::string message, nlohmann::json status = nullptr)
      : ApiError(code, redact_url_credentials(reason), redact_url_credentials(message),
                 std::move(status), Redacted{}) {}

  // HTTP status code (404, 409, 410, 422, ...).
  int code() const noexcept { return code_; }
  // metav1.Status.reason: NotFound, AlreadyExists, Conflict, Invalid, Gone, Forbidden,
  // Unauthorized, TooManyRequests, InternalError, Timeout, ...
  const std::string& reason() const noexcept { return reason_; }
  // metav1.Status.message (the server's human-readable text).
  const std::string& message() const noexcept { return message_; }
  // The whole metav1.Status document (null when the server sent none).
  const nlohmann::json& status() const noexcept { return status_; }

 private:
  struct Redacted {};
  ApiError(int code, std::string reason, std::string message, nlohmann::json status, Redacted)
      : std::runtime_error(compose(code, reason, message)),
        code_(code),
        reason_(std::move(reason)),
        message_(std::move(message)),
        status_(std::move(status)) {}

  static std::string compose(int code, const std::string& reason, const std::string& message) {
    std::string text = "kubernetes API error " + std::to_string(code) + " " + reason;
    if (!message.empty()) text += ": " + message;
    return text;
  }

  int code_;
  std::string reason_;
  std::string message_;
  nlohmann::json status_;
};

class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// Every string in a Status document (message, details.causes[].message, ...) with URL
// credentials masked: callers log status() too.
inline void redact_strings(nlohmann::json& value) {
  if (value.is_string()) {
    value = redact_url_credentials(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& child : value) redact_strings(child);
  }
}
}  // namespace detail

// Decodes an error response. `body` may be a metav1.Status (kind: Status) or anything else
// (HTML from a proxy, empty); the result always has a code, a reason and a message. Pure.
inline ApiError decode_api_error(int http_code, std::string_view body) {
  nlohmann::json status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    int code = http_code;
    detail::redact_strings(status);
    if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
      code = it->get<int>();
    }
    std::string reason;
    if (auto it = status.find("reason"); it != status.end() && it->is_string()) {
      reason = it->get<std::string>();
    }
    if (reason.empty()) reason = reason_for_http_code(code);
    std::string message;
    if (auto it = status.find("message"); it != status.end() && it->is_string()) {
      message = it->get<std::string>();
    }
    return ApiError(code, std::move(reason), std::move(message), std::move(status));
  }
  // Not a Status: keep a short, printable excerpt so proxies' error pages are diagnosable.
  // Redacted before it is cut, so a URL cut short cannot keep half a password.
  const std::string redacted = redact_url_credentials(body);
  std::string excerpt;
  for (char c : std::string_view(redacted).substr(0, 200)) {
    excerpt += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? ' ' : c;
  }
  return ApiError(http_code, reason_for_http_code(http_code), std::move(excerpt));
}

namespace detail {
inline const ApiError* as_api_error(const std::exception& e) noexcept {
  return dynamic_cast<const ApiError*>(&e);
}
inline bool has_reason(const std::exception& e, std::string_view reason) noexcept {
  const ApiError* api = as_api_error(e);
  return api != nullptr && api->reason() == reason;
}
}  // namespace detail

inline bool is_not_found(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kNotFound);
}
inline bool is_already_exists(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kAlreadyExists);
}
// An optimistic-concurrency conflict (stale resourceVersion), not AlreadyExists.
inline bool is_conflict(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kConflict);
}
// The requested resourceVersion is too old (410 Gone / Expired): relist.
inline bool is_gone(const std::exception& e) noexcept {
  const ApiError* api = detail::as_api_error(e);
  return api != nullptr && (api->code() == 410 || api->reason() == status_reason::kGone ||
                            api->reason() == status_reason::kExpired);
}
inline bool is_invalid(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kInvalid);
}
inline bool is_forbidden(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kForbidden);
}
inline bool is_unauthorized(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kUnauthorized);
}
inline bool is_too_many_requests(const std::exception& e) noexcept {
  return detail::has_reason(e, status_reason::kTooManyRequests);
}
inline bool is_transport_error(const std::exception& e) noexcept {
  return dynamic_cast<const TransportError*>(&e) != nullptr;
}
// Worth retrying with backoff: transport failures, 429, 5xx, server timeouts.
inline bool is_retryable(const std::exception& e) noexcept {
  if (is_transport_error(e)) return true;
  const ApiError* api = detail::as_api_error(e);
  return api != nullptr && (api->code() == 429 || api->code() >= 500);
}

}  // namespace redraft::runtime
