#include "executor/phases/state.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "api/codec.hpp"

namespace redraft::executor {
namespace {

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_sha(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.string());
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
}

namespace {

std::string hex(const unsigned char* data, std::size_t len) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < len; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string hmac_hex(std::string_view key, const std::string& payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  return hex(mac, len);
}

// Constant-time comparison: the MAC check must not leak how much of a guess was right.
bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string state_key(const std::optional<git::Credentials>& credentials) {
  if (!credentials || credentials->empty()) return "";
  const std::string material = "redraft-prepare-state-v1\n" + credentials->password + "\n" +
                               credentials->ssh_private_key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string encode_prepare_state(const PrepareState& s, std::string_view key) {
  nlohmann::json j{{"version", 1},         {"kind", s.kind},        {"workingRef", s.working_ref},
                   {"tipSha", s.tip_sha},  {"baseSha", s.base_sha}, {"lease", nullptr}};
  if (s.lease) j["lease"] = *s.lease;  // null = "absent"
  // nlohmann sorts object keys, so the payload is canonical.
  if (!key.empty()) j["mac"] = hmac_hex(key, j.dump());
  return j.dump();
}

PrepareState decode_prepare_state(const std::string& text, std::string_view key) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("prepare state: not a JSON object");
  if (!key.empty()) {
    if (!j.contains("mac") || !j["mac"].is_string()) {
      throw std::runtime_error("prepare state: integrity check failed (no MAC; was it written by prepare?)");
    }
    std::string mac = j["mac"].get<std::string>();
    nlohmann::json payload = j;
    payload.erase("mac");
    if (!same(mac, hmac_hex(key, payload.dump()))) {
      throw std::runtime_error("prepare state: integrity check failed (modified after prepare)");
    }
  }
  auto str = [&](const char* field) {
    if (!j.contains(field) || !j[field].is_string()) {
      throw std::runtime_error(std::string("prepare state: ") + field + ": expected string");
    }
    return j[field].get<std::string>();
  };
  PrepareState s;
  s.kind = str("kind");
  s.working_ref = str("workingRef");
  s.tip_sha = str("tipSha");
  s.base_sha = str("baseSha");
  if (!is_sha(s.tip_sha)) throw std::runtime_error("prepare state: tipSha: not a SHA");
  if (!j.contains("lease")) throw std::runtime_error("prepare state: lease: missing");
  if (!j["lease"].is_null()) {
    if (!j["lease"].is_string() || !is_sha(j["lease"].get<std::string>())) {
      throw std::runtime_error("prepare state: lease: not a SHA or null");
    }
    s.lease = j["lease"].get<std::string>();
  }
  return s;
}

void write_prepare_state(const std::filesystem::path& state_dir, const PrepareState& state,
                         std::string_view key) {
  write_file_atomically(state_dir / kPrepareStateFileName, encode_prepare_state(state, key));
}

std::optional<PrepareState> read_prepare_state(const std::filesystem::path& state_dir,
                                               std::string_view key) {
  auto text = read_text(state_dir / kPrepareStateFileName);
  if (!text) return std::nullopt;
  return decode_prepare_state(*text, key);
}

api::AgenticTaskStatus load_result(const std::filesystem::path& state_dir) {
  api::AgenticTaskStatus status;
  auto text = read_text(state_dir / kResultStateFileName);
  if (!text) return status;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return status;
  try {
    api::from_json(j, status);
  } catch (const std::exception&) {
    status = {};
  }
  return status;
}

void save_result(const std::filesystem::path& state_dir, const api::AgenticTaskStatus& status) {
  nlohmann::json j;
  api::to_json(j, status);
  write_file_atomically(state_dir / kResultStateFileName,
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace redraft::executor
