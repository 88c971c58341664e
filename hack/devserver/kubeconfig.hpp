// The kubeconfig the devserver writes for itself (--write-kubeconfig), so kubectl, helm and the
// operator can point at it unchanged.
#pragma once

#include <string>

namespace redraft::devserver {

struct KubeconfigParams {
  std::string server_url;  // http://127.0.0.1:PORT or https://...
  std::string ca_pem;      // https only: pinned as certificate-authority-data
  std::string token;       // optional bearer token
  // Optional client certificate/key (--client-cert-auth), written as client-certificate-data
  // and client-key-data. Default-initialized so {url, ca, token} aggregates stay warning-free.
  std::string client_cert_pem = {};
  std::string client_key_pem = {};
};

std::string render_kubeconfig(const KubeconfigParams& params);
// Writes with mode 0600 (it may hold a token or a private key) via a temp file + rename, so a reader polling
// for the file never sees it half-written. Throws std::runtime_error on failure.
void write_kubeconfig(const std::string& path, const KubeconfigParams& params);

}  // namespace redraft::devserver
