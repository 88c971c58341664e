// SSH host-key verification against a mounted known_hosts file (pure).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace redraft::executor::git {

// ASCII lower case (host names compare case-insensitively).
std::string lower(std::string_view s);

// Standard base64 (with padding) of raw bytes.
std::string base64(const unsigned char* data, std::size_t len);

// True when a line of `known_hosts` lists `host` (plain "host", "[host]:port" or a comma-separated
// list; hashed "|1|" entries are not supported) with exactly the key `key_base64`.
bool known_hosts_accepts(std::string_view known_hosts, std::string_view host, std::string_view key_base64);

}  // namespace redraft::executor::git
