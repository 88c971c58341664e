// An honest, minimal OpenAPI v3 surface: enough for kubectl 1.32 to discover that every
// resource supports server-side field validation (so it sends fieldValidation=Strict and does
// no client-side schema download), plus the CRD schemas as they were declared. Built-in kinds
// get open object schemas: the devserver does not validate built-in fields.
#pragma once

#include "resource_registry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace redraft::devserver {

// GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": ...}, "apis/<g>/<v>": ...}}
nlohmann::json openapi_v3_root(const ResourceRegistry& reg);
// GET /openapi/v3/api/v1 or /openapi/v3/apis/<g>/<v>; nullopt when nothing is served there.
std::optional<nlohmann::json> openapi_v3_group_version(const ResourceRegistry& reg,
                                                       const std::string& group,
                                                       const std::string& version);

}  // namespace redraft::devserver
