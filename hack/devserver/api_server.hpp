// The Kubernetes REST surface: routing of /api, /apis, discovery, OpenAPI stubs, the resource
// verbs (incl. watch streams and Table output), bearer-token and client-certificate
// authentication, and the /admin endpoints for fault injection. Transport-neutral: it
// implements RequestHandler; the TLS client identity arrives as HttpRequest::peer.
#pragma once

#include "faults.hpp"
#include "http_types.hpp"
#include "resource_store.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace redraft::devserver {

struct ApiServerOptions {
  std::size_t history_size = 10000;                      // watch events kept for replay
  std::chrono::milliseconds gc_delay{100};               // orphan collection; negative: off
  std::chrono::milliseconds bookmark_interval{5000};     // BOOKMARK cadence on idle watches
  std::chrono::seconds default_watch_timeout{1800};      // when timeoutSeconds is not given
  std::string token;                                     // non-empty: require Bearer <token>
  bool client_certificate_auth = false;                  // a verified client certificate authenticates
  std::string server_address = "127.0.0.1:0";           // advertised in GET /api
  bool log_requests = false;
};

// The apiserver's authenticator union, as a pure decision: a request is authenticated by a
// valid bearer token (when a token is configured) OR a verified client certificate (when
// client-certificate auth is on); either one suffices, and a wrong token does not spoil a good
// certificate. With neither configured the server is open (the plain-HTTP default).
bool request_authenticated(const std::string& expected_token, bool client_certificate_auth,
                           const std::string& authorization_header, const ClientIdentity& peer);

class ApiServer : public RequestHandler {
 public:
  explicit ApiServer(ApiServerOptions options);
  ~ApiServer() override;

  std::optional<HttpResponse> handle(const HttpRequest& request, ChunkedWriter& writer) override;
  Faults& faults() { return faults_; }
  ResourceStore& store() { return store_; }
  void set_server_address(std::string address);
  // Ends every open watch stream (server shutdown).
  void shutdown();

 private:
  std::optional<HttpResponse> route(const HttpRequest& request, ChunkedWriter& writer);
  std::optional<HttpResponse> admin(const HttpRequest& request);
  std::optional<HttpResponse> resource_request(const HttpRequest& request, ChunkedWriter& writer,
                                               const std::string& group, const std::string& version,
                                               const std::vector<std::string>& rest);
  // pods/log: proxied to the pod's node when it reports a kubelet endpoint (node_proxy.hpp),
  // otherwise the devserver.redraft.dev/log annotation.
  std::optional<HttpResponse> pod_log(const HttpRequest& request, ChunkedWriter& writer,
                                      const std::string& ns, const nlohmann::json& pod);
  void stream_watch(const HttpRequest& request, ChunkedWriter& writer, const ResourceInfo& info,
                    const std::string& ns);
  bool authorized(const HttpRequest& request) const;

  ApiServerOptions options_;
  ResourceStore store_;
  Faults faults_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace redraft::devserver
