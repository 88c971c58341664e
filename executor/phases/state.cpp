#include "executor/phases/state.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

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

std::string encode_prepare_state(const PrepareState& s) {
  nlohmann::json j{{"version", 1},         {"kind", s.kind},        {"workingRef", s.working_ref},
                   {"tipSha", s.tip_sha},  {"baseSha", s.base_sha}, {"lease", nullptr}};
  if (s.lease) j["lease"] = *s.lease;  // null = "absent"
  return j.dump();
}

PrepareState decode_prepare_state(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("prepare state: not a JSON object");
  auto str = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string()) {
      throw std::runtime_error(std::string("prepare state: ") + key + ": expected string");
    }
    return j[key].get<std::string>();
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

void write_prepare_state(const std::filesystem::path& state_dir, const PrepareState& state) {
  write_file_atomically(state_dir / kPrepareStateFileName, encode_prepare_state(state));
}

std::optional<PrepareState> read_prepare_state(const std::filesystem::path& state_dir) {
  auto text = read_text(state_dir / kPrepareStateFileName);
  if (!text) return std::nullopt;
  return decode_prepare_state(*text);
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
