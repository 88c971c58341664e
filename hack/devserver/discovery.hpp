// Legacy (non-aggregated) discovery documents built from the registry. kubectl 1.32 asks for
// aggregated discovery first and falls back to these when the reply is plain application/json.
#pragma once

#include "resource_registry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace redraft::devserver {

nlohmann::json version_info();
nlohmann::json api_versions(const std::string& server_address);  // GET /api
nlohmann::json api_group_list(const ResourceRegistry& reg);       // GET /apis
std::optional<nlohmann::json> api_group(const ResourceRegistry& reg, const std::string& group);
// GET /api/v1 or /apis/<group>/<version>; nullopt when nothing is served there.
std::optional<nlohmann::json> api_resource_list(const ResourceRegistry& reg,
                                                const std::string& group,
                                                const std::string& version);

}  // namespace redraft::devserver
