// Kubernetes-style API errors: every failure leaves the server as a `Status` object with
// code/reason/message/details, because kubectl, helm and client-go branch on `reason`.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace redraft::devserver {

// One field-level problem, as in metav1.StatusCause.
struct FieldCause {
  std::string reason;   // e.g. FieldValueRequired
  std::string message;  // e.g. Required value
  std::string field;    // e.g. spec.repo
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, const std::string& message,
           nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(message), code_(code), reason_(std::move(reason)),
        details_(std::move(details)) {}

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const nlohmann::json& details() const { return details_; }
  nlohmann::json to_status() const;

 private:
  int code_;
  std::string reason_;
  nlohmann::json details_;
};

// `resource` is the group-qualified plural used in messages ("deployments.apps", "configmaps").
ApiError not_found(const std::string& group, const std::string& plural, const std::string& name);
ApiError already_exists(const std::string& group, const std::string& plural, const std::string& name);
ApiError conflict(const std::string& group, const std::string& plural, const std::string& name,
                  const std::string& why = "the object has been modified; please apply your "
                                           "changes to the latest version and try again");
ApiError bad_request(const std::string& message);
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<FieldCause>& causes);
ApiError gone(const std::string& message);
ApiError method_not_allowed(const std::string& message);
ApiError unsupported_media_type(const std::string& message);
ApiError route_not_found();

// The Success status returned by deletecollection-style calls.
nlohmann::json success_status(const nlohmann::json& details = nlohmann::json::object());

}  // namespace redraft::devserver
