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

// What a TLS client certificate proved about the peer, read the way the apiserver's x509
// authenticator reads it: subject CN = user, O = groups. `user` is empty when no certificate
// was presented or it did not verify against the client CA.
struct ClientIdentity {
  std::string user;
  std::vector<std::string> groups;
  bool authenticated() const { return !user.empty(); }
};

// A handler that also authenticates by TLS client certificate. HttpServer calls this overload
// (instead of RequestHandler::handle) for handlers that implement it.
class ClientCertificateAwareHandler : public RequestHandler {
 public:
  virtual std::optional<HttpResponse> handle_as(const HttpRequest& request, const ClientIdentity& peer,
                                                ChunkedWriter& writer) = 0;
};

class HttpServer {
 public:
  // Binds 127.0.0.1:port (0 = ephemeral) immediately; throws std::runtime_error on failure.
  // A non-empty `client_ca_pem` (needs `tls`) makes the server request a client certificate
  // and verify it against that CA, like the apiserver's --client-ca-file: a connection without
  // one, or with one that does not verify, is still accepted (other credentials may apply) and
  // its requests carry an unauthenticated ClientIdentity. Throws std::invalid_argument when
  // `client_ca_pem` is set without `tls`, is not a PEM certificate, or `handler` does not
  // implement ClientCertificateAwareHandler (the certificate would be silently ignored).
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
