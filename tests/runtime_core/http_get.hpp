#pragma once
// A tiny blocking HTTP/1.1 client for the health server tests (loopback only).

#include <cstdint>
#include <map>
#include <string>

namespace redraft::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

// Sends `method target` to 127.0.0.1:port with "Connection: close" and reads the whole answer.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target);
// Sends raw bytes and returns whatever the server answers before closing.
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

}  // namespace redraft::testing
