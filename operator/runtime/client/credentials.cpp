#include "operator/runtime/client/credentials.hpp"

#include <fstream>
#include <sstream>

#include "operator/runtime/client/errors.hpp"

namespace redraft::runtime {
namespace {

// client-go re-reads token files at this interval; kubelet rotates projected tokens well before.
constexpr auto kTokenFileMaxAge = std::chrono::minutes(1);
// Refresh exec credentials slightly before they expire so a request does not race the expiry.
constexpr auto kExpirySkew = std::chrono::seconds(5);

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("token file " + path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  const char* space = " \t\r\n";
  token.erase(0, token.find_first_not_of(space));
  token.erase(token.find_last_not_of(space) + 1);
  return token;
}

}  // namespace

Credentials::Credentials(const RestConfig& config, PluginRunner run_plugin)
    : static_token_(config.bearer_token),
      token_file_(config.token_file),
      username_(config.username),
      password_(config.password),
      exec_(config.exec),
      run_plugin_(std::move(run_plugin)) {
  if (!run_plugin_) {
    std::string server = config.server;
    std::string ca = config.ca_pem;
    run_plugin_ = [server, ca](const ExecConfig& exec) { return run_exec_plugin(exec, server, ca); };
  }
}

std::string Credentials::basic_auth(const std::string& username, const std::string& password) {
  return "Basic " + base64_encode(username + ":" + password);
}

AuthMaterial Credentials::current() {
  std::lock_guard lock(mutex_);
  AuthMaterial auth;
  if (exec_) {
    bool fresh = exec_cached_ && (!exec_cached_->expiry ||
                                  Clock::now() + kExpirySkew < *exec_cached_->expiry);
    if (!fresh) exec_cached_ = run_plugin_(*exec_);
    if (!exec_cached_->token.empty()) auth.authorization = "Bearer " + exec_cached_->token;
    auth.client_cert_pem = exec_cached_->client_cert_pem;
    auth.client_key_pem = exec_cached_->client_key_pem;
    if (!auth.authorization.empty() || !auth.client_cert_pem.empty()) return auth;
  }
  if (!token_file_.empty()) {
    auto now = std::chrono::steady_clock::now();
    if (!file_read_at_ || now - *file_read_at_ > kTokenFileMaxAge) {
      file_token_ = read_token_file(token_file_);
      file_read_at_ = now;
    }
    if (!file_token_.empty()) {
      auth.authorization = "Bearer " + file_token_;
      return auth;
    }
  }
  if (!static_token_.empty()) {
    auth.authorization = "Bearer " + static_token_;
  } else if (!username_.empty()) {
    auth.authorization = basic_auth(username_, password_);
  }
  return auth;
}

bool Credentials::invalidate() {
  std::lock_guard lock(mutex_);
  exec_cached_.reset();
  file_read_at_.reset();
  return exec_.has_value() || !token_file_.empty();
}

}  // namespace redraft::runtime
