// A throwaway self-signed certificate for --tls, valid for 127.0.0.1 and localhost. It is its
// own CA, so the kubeconfig can pin it as certificate-authority-data.
#pragma once

#include "http_server.hpp"

namespace redraft::devserver {

// Throws std::runtime_error when OpenSSL fails.
TlsMaterial generate_self_signed_certificate();

}  // namespace redraft::devserver
