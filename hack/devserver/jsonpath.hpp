// The JSONPath subset CRD additionalPrinterColumns use: .a.b, [n], [*], ['key'] and
// [?(@.k=="v")] / [?(@.k!="v")] filters. Printer column paths are validated by the apiserver
// to be simple, so this covers what CRDs in the wild declare.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace redraft::devserver {

// Every value `path` selects in `doc` (empty when nothing matches). Throws std::invalid_argument
// with the offending position when the path is not in the supported subset.
std::vector<nlohmann::json> jsonpath_select(const nlohmann::json& doc, std::string_view path);

}  // namespace redraft::devserver
