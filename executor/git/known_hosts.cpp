#include "executor/git/known_hosts.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace redraft::executor::git {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

namespace {

bool host_listed(const std::string& hosts, const std::string& host) {
  std::size_t start = 0;
  while (start <= hosts.size()) {
    auto comma = hosts.find(',', start);
    std::string one = hosts.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (one == host || one.rfind("[" + host + "]:", 0) == 0) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::string base64(const unsigned char* data, std::size_t len) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < len; i += 3) {
    unsigned v = static_cast<unsigned>(data[i]) << 16;
    if (i + 1 < len) v |= static_cast<unsigned>(data[i + 1]) << 8;
    if (i + 2 < len) v |= data[i + 2];
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < len ? tbl[(v >> 6) & 63] : '=';
    out += i + 2 < len ? tbl[v & 63] : '=';
  }
  return out;
}

bool known_hosts_accepts(std::string_view known_hosts, std::string_view host, std::string_view key_base64) {
  if (host.empty() || key_base64.empty()) return false;
  const std::string want = lower(host);
  std::istringstream in{std::string(known_hosts)};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string hosts, type, key;
    if (!(fields >> hosts >> type >> key)) continue;
    if (hosts[0] == '@') continue;  // @revoked / @cert-authority markers: not supported, never accept
    if (host_listed(lower(hosts), want) && key == key_base64) return true;
  }
  return false;
}

}  // namespace redraft::executor::git
