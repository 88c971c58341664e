// ObjectMeta rules the apiserver enforces on every kind: label keys/values, annotation keys
// and total size, ownerReferences, finalizer names. Pure; used on create and update.
#pragma once

#include "api_errors.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace redraft::devserver {

// RFC 1123 subdomain (object names of most kinds, qualified-name prefixes), as the apiserver
// spells it in its messages.
inline constexpr const char* kDns1123SubdomainPattern =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

// nullopt when `key` is a valid qualified name ("[prefix/]name"); otherwise why not.
std::optional<std::string> check_qualified_name(const std::string& key);
// nullopt when `value` is a valid label value; otherwise why not.
std::optional<std::string> check_label_value(const std::string& value);

std::vector<FieldCause> validate_object_meta(const nlohmann::json& metadata);

}  // namespace redraft::devserver
