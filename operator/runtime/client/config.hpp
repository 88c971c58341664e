// How to reach and authenticate to the API server: kubeconfig files, in-cluster service account.
// Everything is resolved at load time (relative paths against the kubeconfig's folder, *-data
// fields base64-decoded, files read) except the token file, which the client re-reads so that
// projected, rotating service-account tokens keep working.
//
// Errors throw ConfigError naming the file and the field ("kubeconfig /x: users[0].user.
// client-key-data: invalid base64"); no message ever contains a credential.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace redraft::runtime {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// users[].user.exec of a kubeconfig: a client.authentication.k8s.io ExecCredential plugin.
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // resolved against the kubeconfig folder when it contains a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
  std::string install_hint;
  bool provide_cluster_info = false;
  std::chrono::seconds timeout{60};
};

struct RestConfig {
  std::string server;  // "https://host:port[/prefix]" or "http://..."

  // Credentials (any that are set are used; precedence: exec plugin > token file > token).
  std::string bearer_token;
  std::filesystem::path token_file;
  std::string username, password;  // basic auth
  std::string client_cert_pem, client_key_pem;
  std::optional<ExecConfig> exec;

  // Server verification.
  std::string ca_pem;                    // empty ⇒ the system trust store
  bool insecure_skip_tls_verify = false;  // no certificate or host name check (tests only)
  std::string tls_server_name;           // SNI + host name check override

  std::string default_namespace;  // the context's namespace (or the pod's); may be empty

  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  double qps = 0;  // client-side rate limit (token bucket); 0 = unlimited
  int burst = 0;   // bucket size; <= 0 ⇒ max(1, qps)
  std::string user_agent = "redraft-operator";
};

// Loads a kubeconfig. `context` overrides current-context. Throws ConfigError.
RestConfig load_kubeconfig(const std::filesystem::path& path,
                           std::optional<std::string> context = {});

inline const std::filesystem::path kServiceAccountRoot =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// In-cluster configuration from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and
// `root`/{token,ca.crt,namespace}. The token is referenced as a token file (re-read on 401).
RestConfig in_cluster_config(const std::filesystem::path& root = kServiceAccountRoot);
// The same without reading the environment (tests, and hosts given explicitly).
RestConfig in_cluster_config(const std::filesystem::path& root, const std::string& host,
                             const std::string& port);

// $KUBECONFIG (the first existing file of the ':'-separated list; files are not merged),
// then ~/.kube/config, then in-cluster. Throws ConfigError when none applies.
RestConfig load_default_config(std::optional<std::string> context = {});

// Pure helper, exposed for tests: standard base64 (padding optional, whitespace ignored).
// Throws std::invalid_argument on bad input (the message never echoes the input).
std::string base64_decode(std::string_view text);

}  // namespace redraft::runtime
