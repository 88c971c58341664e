// Label values made safe (DESIGN.md §5): Kubernetes label values are at most 63 characters of
// [A-Za-z0-9._-], beginning and ending with an alphanumeric. Workload, item and task names are
// not bound by those rules (a task name may be 253 characters), so a value that does not fit is
// cut and given a hashed suffix of the original, keeping distinct names distinct.
#pragma once

#include <string>
#include <string_view>

namespace redraft::controllers {

inline constexpr std::size_t kMaxLabelValue = 63;

// Pure. A valid value is returned unchanged; anything else becomes
// "<sanitised prefix>-<10 hex digits of a 64-bit FNV-1a hash of the original>", ≤ 63 characters,
// and still a valid label value. The empty string stays empty (a valid label value).
std::string safe_label_value(std::string_view value);

bool is_valid_label_value(std::string_view value);

}  // namespace redraft::controllers
