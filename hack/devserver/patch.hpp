// The PATCH flavours the API accepts, as pure functions (current object, patch) -> new object.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace redraft::devserver {

enum class PatchType { kMerge, kJson, kStrategic, kApply, kUnknown };

PatchType patch_type_from_content_type(const std::string& content_type);

// RFC 7386 JSON merge patch.
nlohmann::json apply_merge_patch(const nlohmann::json& current, const nlohmann::json& patch);
// RFC 6902 JSON patch; throws ApiError(422) naming the failing operation.
nlohmann::json apply_json_patch(const nlohmann::json& current, const nlohmann::json& patch);
// Strategic merge patch, approximated: a merge patch where lists of objects that all carry a
// "name" are merged by name (Kubernetes' merge key for containers, env, volumes, ports...),
// honouring the $patch: delete|replace and $setElementOrder/ directives kubectl sends, and
// dropping the other $-directives.
nlohmann::json apply_strategic_merge_patch(const nlohmann::json& current,
                                           const nlohmann::json& patch);

}  // namespace redraft::devserver
