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

// 10 hex digits of a 64-bit FNV-1a hash of `value`: the suffix that keeps cut names distinct.
std::string name_hash(std::string_view value);

// Object names (DNS subdomains) that must fit in `max_length` characters: a name that fits is
// returned unchanged; a longer one becomes "<prefix>-<name_hash(name)>" of at most `max_length`,
// with the prefix's trailing '-'/'.' dropped so every label still ends with an alphanumeric.
// Pure and deterministic: a crash and a retry compute the same name.
std::string bounded_object_name(std::string_view name, std::size_t max_length);

}  // namespace redraft::controllers
