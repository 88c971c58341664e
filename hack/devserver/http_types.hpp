// Transport-neutral request/response types, so the API logic never sees Beast or Asio.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redraft::devserver {

// What a TLS client certificate proved about the peer, read the way the apiserver's x509
// authenticator reads it: subject CN = user, O = groups. `user` is empty when no certificate
// was presented, it did not verify against the client CA, or the connection is not TLS.
struct ClientIdentity {
  std::string user;
  std::vector<std::string> groups;
  bool authenticated() const { return !user.empty(); }
};

struct HttpRequest {
  std::string method;
  std::string path;                          // percent-decoded, without the query
  std::map<std::string, std::string> query;  // decoded; last value wins
  std::string content_type;
  std::string accept;
  std::string authorization;
  std::string body;
  ClientIdentity peer;  // filled in by the server from the connection's client certificate

  std::string param(const std::string& key, const std::string& fallback = "") const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A streamed (chunked) response, used by watches. Each call returns false once the client is
// gone, so the stream can stop.
class ChunkedWriter {
 public:
  virtual ~ChunkedWriter() = default;
  virtual bool begin(int status, const std::string& content_type) = 0;
  virtual bool chunk(std::string_view data) = 0;
  // True once the client hung up (or sent anything: a watch client never does), so an idle
  // stream does not keep its thread until the timeout.
  virtual bool peer_closed() const { return false; }
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Returns the response, or nullopt when the handler streamed it through `writer`.
  virtual std::optional<HttpResponse> handle(const HttpRequest& request, ChunkedWriter& writer) = 0;
};

}  // namespace redraft::devserver
