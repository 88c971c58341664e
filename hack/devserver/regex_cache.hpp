// Regular expressions, compiled once and cached. The only translation unit that includes
// <regex>: GCC 12's libstdc++ <regex> trips -Wmaybe-uninitialized under ASan, and keeping it
// here confines that suppression to one small file.
#pragma once

#include <optional>
#include <string>

namespace redraft::devserver {

// Whole-string match. nullopt when `pattern` does not compile (ECMAScript syntax).
std::optional<bool> regex_full_match(const std::string& pattern, const std::string& text);
// Match anywhere in `text`, as OpenAPI `pattern` is defined. nullopt when it does not compile.
std::optional<bool> regex_search(const std::string& pattern, const std::string& text);

}  // namespace redraft::devserver
