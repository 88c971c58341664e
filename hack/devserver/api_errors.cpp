#include "api_errors.hpp"

#include "operator/runtime/client/redact.hpp"

namespace redraft::devserver {
namespace {

std::string qualified(const std::string& group, const std::string& plural) {
  return group.empty() ? plural : plural + "." + group;
}

nlohmann::json name_details(const std::string& group, const std::string& plural,
                            const std::string& name) {
  nlohmann::json d = {{"name", name}, {"kind", plural}};
  if (!group.empty()) d["group"] = group;
  return d;
}

}  // namespace

nlohmann::json ApiError::to_status() const {
  nlohmann::json s = {{"kind", "Status"},     {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"},  {"message", what()},  {"reason", reason_},
                      {"code", code_}};
  if (!details_.empty()) s["details"] = details_;
  return s;
}

ApiError not_found(const std::string& group, const std::string& plural, const std::string& name) {
  return ApiError(404, "NotFound", qualified(group, plural) + " \"" + name + "\" not found",
                  name_details(group, plural, name));
}

ApiError already_exists(const std::string& group, const std::string& plural,
                        const std::string& name) {
  return ApiError(409, "AlreadyExists",
                  qualified(group, plural) + " \"" + name + "\" already exists",
                  name_details(group, plural, name));
}

ApiError conflict(const std::string& group, const std::string& plural, const std::string& name,
                  const std::string& why) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + qualified(group, plural) + " \"" + name +
                      "\": " + why,
                  name_details(group, plural, name));
}

ApiError bad_request(const std::string& message) { return ApiError(400, "BadRequest", message); }

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::vector<FieldCause>& causes) {
  // Same shape as apierrors.NewInvalid: one cause inline, several in brackets.
  std::string list;
  nlohmann::json jcauses = nlohmann::json::array();
  for (const auto& c : causes) {
    // A real server quotes rejected values verbatim; we mask URL credentials in every cause
    // (metadata, schema or semantic), since clients log these messages.
    const std::string message = runtime::redact_url_credentials(c.message);
    if (!list.empty()) list += ", ";
    list += c.field.empty() ? message : c.field + ": " + message;
    jcauses.push_back({{"reason", c.reason}, {"message", message}, {"field", c.field}});
  }
  if (causes.size() > 1) list = "[" + list + "]";
  const std::string qkind = group.empty() ? kind : kind + "." + group;
  nlohmann::json d = {{"name", name}, {"kind", kind}, {"causes", jcauses}};
  if (!group.empty()) d["group"] = group;
  return ApiError(422, "Invalid", qkind + " \"" + name + "\" is invalid: " + list, d);
}

ApiError gone(const std::string& message) { return ApiError(410, "Expired", message); }

ApiError method_not_allowed(const std::string& message) {
  return ApiError(405, "MethodNotAllowed", message);
}

ApiError unsupported_media_type(const std::string& message) {
  return ApiError(415, "UnsupportedMediaType", message);
}

ApiError route_not_found() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

nlohmann::json success_status(const nlohmann::json& details) {
  nlohmann::json s = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", nlohmann::json::object()},
                      {"status", "Success"}};
  if (!details.empty()) s["details"] = details;
  return s;
}

}  // namespace redraft::devserver
