// Cache transforms: applied to each object's JSON before it is decoded and cached, to drop
// what the operator never reads (like controller-runtime's cache TransformFunc).
#pragma once

#include <functional>

#include <nlohmann/json_fwd.hpp>

namespace redraft::runtime::cache {

using Transform = std::function<void(nlohmann::json& object)>;

inline constexpr const char* kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";

// Removes metadata.managedFields and the kubectl last-applied annotation (a full copy of the
// object as applied — typically the largest single field of an applied object).
void strip_bookkeeping(nlohmann::json& object);

}  // namespace redraft::runtime::cache
