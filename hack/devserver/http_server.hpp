// HTTP/1.1 (optionally TLS) server on 127.0.0.1: one thread per connection, which keeps
// long-lived watch streams from blocking anything else. Beast stays inside the .cpp.
#pragma once

#include "http_types.hpp"

#include <memory>
#include <string>
#include <vector>

namespace redraft::devserver {

struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
};

class HttpServer {
 public:
  // Binds 127.0.0.1:port (0 = ephemeral) immediately; throws std::runtime_error on failure.
  // A non-empty `client_ca_pem` (needs `tls`) makes the server request a client certificate
  // and verify it against that CA, like the apiserver's --client-ca-file: a connection without
  // one, or with one that does not verify, is still accepted (other credentials may apply) and
  // its requests carry an unauthenticated HttpRequest::peer. Throws std::invalid_argument when
  // `client_ca_pem` is set without `tls` or is not a PEM certificate.
  HttpServer(RequestHandler& handler, unsigned short port, const TlsMaterial* tls,
             const std::string& client_ca_pem = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;
  void start();  // accepts in a background thread
  void stop();   // stops accepting and shuts down open connections

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace redraft::devserver
