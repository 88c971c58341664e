// Throwaway certificates generated at startup.
//  - --tls: a self-signed server certificate, valid for 127.0.0.1 and localhost. It is its own
//    CA, so the kubeconfig can pin it as certificate-authority-data.
//  - --client-cert-auth: a separate client CA (what a real API server is given with
//    --client-ca-file) and a client certificate it signs, the way kubeadm/kind mint the admin
//    kubeconfig: CN = user name, O = groups, extendedKeyUsage clientAuth.
#pragma once

#include "http_server.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace redraft::devserver {

// Throws std::runtime_error when OpenSSL fails.
TlsMaterial generate_self_signed_certificate();

// A CA that signs client certificates; cert_pem is what the server trusts, key_pem signs.
TlsMaterial generate_client_ca(const std::string& common_name);

struct ClientCertificateRequest {
  std::string user;                 // subject CN: the authenticated user name
  std::vector<std::string> groups;  // subject O entries: the user's groups
  // Validity relative to now; tests use a window in the past for an expired certificate.
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds not_after{std::chrono::hours(24 * 365)};
};

// A client certificate/key signed by `ca` (as returned by generate_client_ca). Throws
// std::runtime_error when OpenSSL fails or the CA material does not parse or match.
TlsMaterial issue_client_certificate(const TlsMaterial& ca, const ClientCertificateRequest& request);

}  // namespace redraft::devserver
