// Which credentials go on the next request, and refreshing them: a token file is re-read every
// minute (projected service-account tokens rotate), an exec plugin's credential is cached until
// its expiry, and both are refreshed after a 401.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/exec_credential.hpp"

namespace redraft::runtime {

struct AuthMaterial {
  std::string authorization;  // Authorization header value, or empty
  std::string client_cert_pem, client_key_pem;  // from an exec plugin, when it returned some
};

class Credentials {
 public:
  using Clock = std::chrono::system_clock;
  // `run_plugin` is injectable so the caching rules are testable without processes.
  using PluginRunner = std::function<ExecCredential(const ExecConfig&)>;

  explicit Credentials(const RestConfig& config, PluginRunner run_plugin = {});

  // Thread-safe. May run the exec plugin or read the token file; throws TransportError/ConfigError.
  AuthMaterial current();
  // Called after a 401: forgets cached material. True when fresh material might differ (a token
  // file or an exec plugin is configured), i.e. a retry is worthwhile.
  bool invalidate();

  static std::string basic_auth(const std::string& username, const std::string& password);

 private:
  std::mutex mutex_;
  std::string static_token_;
  std::filesystem::path token_file_;
  std::string username_, password_;
  std::optional<ExecConfig> exec_;
  PluginRunner run_plugin_;

  std::string file_token_;
  std::optional<std::chrono::steady_clock::time_point> file_read_at_;
  std::optional<ExecCredential> exec_cached_;
};

}  // namespace redraft::runtime
