// client.authentication.k8s.io ExecCredential plugins (kubeconfig users[].user.exec): run the
// command, read the credential it prints, cache it until it expires.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "operator/runtime/client/config.hpp"

namespace redraft::runtime {

struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expiry;  // none ⇒ valid until a 401
};

// Parses a plugin's stdout. The apiVersion must match what the kubeconfig asked for and the kind
// must be ExecCredential; status needs a token or a certificate/key pair. Throws TransportError
// (a credential could not be obtained) naming the field; never quotes the credential.
ExecCredential parse_exec_credential(std::string_view output, std::string_view expected_api_version);

// RFC 3339 ("2026-11-21T11:30:00Z", fractional seconds and offsets accepted). Throws
// std::invalid_argument.
std::chrono::system_clock::time_point parse_rfc3339(std::string_view text);

// Runs the plugin (PATH lookup, the process environment plus config.env, KUBERNETES_EXEC_INFO,
// stdin from /dev/null, in its own process group, which is killed when the plugin has not exited
// by config.timeout). `server` is reported in the cluster info when provide_cluster_info is set.
// Throws TransportError naming the command and its exit status, never its stderr text.
ExecCredential run_exec_plugin(const ExecConfig& config, const std::string& server,
                               const std::string& ca_pem);

}  // namespace redraft::runtime
