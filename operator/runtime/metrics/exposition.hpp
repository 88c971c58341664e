#pragma once
// Prometheus text exposition format 0.0.4 (pure functions).

#include <string>
#include <string_view>
#include <vector>

#include "operator/runtime/metrics/registry.hpp"

namespace redraft::runtime::metrics {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// HELP text: backslash and newline are escaped.
std::string escape_help(std::string_view text);
// Label values: backslash, double quote and newline are escaped.
std::string escape_label_value(std::string_view text);
// Sample values: shortest round-trip decimal, or +Inf / -Inf / NaN.
std::string format_value(double value);

// Renders families (in the given order) as exposition text, each with its HELP and TYPE line.
std::string render_text(const std::vector<FamilySnapshot>& families);
inline std::string render_text(const Registry& registry) { return render_text(registry.collect()); }

}  // namespace redraft::runtime::metrics
