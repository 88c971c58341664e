// HTTP/1.1 transport to one API server over Boost.Beast (plain TCP or TLS). Beast and Asio stay
// inside transport.cpp; this header only speaks in HttpRequest/HttpResponse.
//
// - round_trip(): one request on a pooled keep-alive connection (a stale pooled connection that
//   fails before any answer byte is replaced once by a fresh one).
// - open_stream(): a dedicated connection whose body is read incrementally (watches).
// Failures throw TransportError naming the method, the URL path and the cause — never headers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/request.hpp"

namespace redraft::runtime {

struct Endpoint {
  bool tls = true;
  std::string host;       // without brackets for IPv6
  std::string port;       // "443" by default for https, "80" for http
  std::string base_path;  // "" or "/prefix" (no trailing slash)
  std::string authority;  // host[:port] as written in the URL, for the Host header and metrics
};

// Parses RestConfig::server. Throws ConfigError naming "server" for anything unusable; the
// message quotes the URL only as shown_server_url() renders it.
Endpoint parse_server_url(std::string_view server);

// `server` for an error message: anything between "scheme://" (or the start) and the last '@'
// becomes "***" ("https://u:secret@bad host" → "https://***@bad host"). Pure.
std::string shown_server_url(std::string_view server);

struct TlsSettings {
  std::string ca_pem;  // empty ⇒ system trust store
  bool insecure_skip_verify = false;
  std::string server_name;  // overrides the host for SNI and the certificate check
  std::string client_cert_pem;
  std::string client_key_pem;
};

class HttpTransport {
 public:
  HttpTransport(Endpoint endpoint, TlsSettings tls, std::chrono::milliseconds connect_timeout);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  const Endpoint& endpoint() const;

  // Replaces the client certificate (exec plugins may rotate it); pooled connections are dropped.
  void set_client_certificate(const std::string& cert_pem, const std::string& key_pem);

  HttpResponse round_trip(const HttpRequest& request, std::chrono::milliseconds timeout);

  class Stream {
   public:
    virtual ~Stream() = default;
    virtual int status() const = 0;
    enum class Read { Data, End, Waiting };
    // Appends body bytes that arrived within `wait` to `out`. End: the body is complete.
    // Waiting: nothing arrived yet (call again). Throws TransportError when the stream is cut.
    virtual Read read_some(std::string& out, std::chrono::milliseconds wait) = 0;
    // Reads the rest of the body (for error answers) within `timeout`.
    virtual std::string read_all(std::chrono::milliseconds timeout) = 0;
  };
  // Sends the request and waits for the response header (within `header_timeout`).
  std::unique_ptr<Stream> open_stream(const HttpRequest& request,
                                      std::chrono::milliseconds header_timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::runtime
