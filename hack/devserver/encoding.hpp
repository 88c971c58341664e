// Small encoding helpers shared by the server modules.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::devserver {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not valid (standard alphabet, padding optional).
std::optional<std::string> base64_decode(std::string_view text);
std::string rfc3339(std::chrono::system_clock::time_point t);
std::string now_rfc3339();
std::string random_uid();                  // RFC 4122 version 4
std::string random_suffix(std::size_t n);  // [a-z0-9]{n} minus vowels, like generateName

}  // namespace redraft::devserver
