// Structural-schema admission for custom resources, in the apiserver's order: drop nulls and
// prune unknown fields, apply defaults, then validate. Messages follow the apiserver's wording
// so `kubectl apply` users see what they would see on a real cluster.
#pragma once

#include "api_errors.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace redraft::devserver {

// Prunes fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields),
// keeping apiVersion/kind/metadata at the root and in embedded resources.
// `pruned` (optional) receives the dotted path of every field removed.
void prune_unknown_fields(const nlohmann::json& schema, nlohmann::json& object,
                          std::vector<std::string>* pruned = nullptr);
// Fills in `default` values for missing properties, recursively.
void apply_defaults(const nlohmann::json& schema, nlohmann::json& object);
// Validates types, required, enum, pattern, min/max, lengths and item counts.
std::vector<FieldCause> validate_against_schema(const nlohmann::json& schema,
                                                const nlohmann::json& object);

// All three steps. A null/absent schema admits anything unchanged.
std::vector<FieldCause> admit_custom_resource(const nlohmann::json& schema, nlohmann::json& object,
                                              std::vector<std::string>* pruned = nullptr);

}  // namespace redraft::devserver
