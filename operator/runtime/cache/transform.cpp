#include "operator/runtime/cache/transform.hpp"

#include <nlohmann/json.hpp>

namespace redraft::runtime::cache {

void strip_bookkeeping(nlohmann::json& object) {
  if (!object.is_object()) return;
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("managedFields");
  if (auto annotations = meta->find("annotations");
      annotations != meta->end() && annotations->is_object()) {
    annotations->erase(kLastAppliedAnnotation);
    if (annotations->empty()) meta->erase(annotations);
  }
}

}  // namespace redraft::runtime::cache
