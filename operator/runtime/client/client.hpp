// A synchronous, thread-safe Kubernetes API client.
//
// - Requests are built by request.hpp (pure) and sent over Boost.Beast (plain HTTP or TLS with CA
//   verification + host name check, client certificates), reusing keep-alive connections.
// - Non-2xx answers throw ApiError (decoded metav1.Status); I/O problems (and credential plugins
//   that fail) throw TransportError; a plugin's unusable certificate throws ConfigError.
// - Credentials: bearer token, token file (re-read every minute and on 401), basic auth, client
//   certificates, exec credential plugins (cached until expiry, re-run on 401). A 401 is retried
//   once after refreshing credentials. Credentials never appear in errors or logs.
// - Every request is reported to the optional RequestObserver (watches when their response
//   header arrives): code 0 means a transport failure.
//
// Watches run on a dedicated connection and stream the chunked body incrementally.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/client/request.hpp"
#include "operator/runtime/client/resource.hpp"

namespace redraft::runtime {

struct WatchEvent {
  std::string type;  // ADDED MODIFIED DELETED BOOKMARK (ERROR events are not delivered, see below)
  nlohmann::json object;
};

struct WatchResult {
  enum class End {
    Closed,       // the server ended the stream (e.g. its timeoutSeconds elapsed): re-watch
    Stopped,      // *stop became true
    HandlerDone,  // the handler returned false
    IdleTimeout,  // no bytes for idle_timeout: the connection was dropped; re-watch
    Gone,         // 410 / Expired: the resourceVersion is too old; relist
  };
  End end = End::Closed;
  // metadata.resourceVersion of the last event received (BOOKMARKs included); empty if none.
  std::string resource_version;
  std::size_t events = 0;  // events delivered to the handler
};

const char* to_string(WatchResult::End end);

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// (method, host, code, seconds); code 0 for transport failures.
using RequestObserver =
    std::function<void(std::string_view method, std::string_view host, int code, double seconds)>;

class Client {
 public:
  explicit Client(RestConfig config);  // throws ConfigError for an unusable config
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The server's host[:port] as reported to the observer.
  const std::string& host() const;
  const std::string& default_namespace() const;

  nlohmann::json get(const ResourceType& type, std::string_view ns, std::string_view name);
  // One page (options.limit / continue_token).
  nlohmann::json list(const ResourceType& type, std::string_view ns,
                      const ListOptions& options = {});
  // All pages, following metadata.continue; returns one list whose metadata.resourceVersion is
  // the last page's (a consistent snapshot, usable to start a watch).
  nlohmann::json list_all(const ResourceType& type, std::string_view ns,
                          ListOptions options = {});
  nlohmann::json create(const ResourceType& type, std::string_view ns,
                        const nlohmann::json& object, const WriteOptions& options = {});
  nlohmann::json update(const ResourceType& type, std::string_view ns,
                        const nlohmann::json& object, const WriteOptions& options = {});
  nlohmann::json update_status(const ResourceType& type, std::string_view ns,
                               const nlohmann::json& object, const WriteOptions& options = {});
  nlohmann::json patch(const ResourceType& type, std::string_view ns, std::string_view name,
                       PatchType patch_type, const nlohmann::json& patch, bool status = false,
                       const WriteOptions& options = {});
  // Returns the server's answer (the object while finalizers run, or a Status).
  nlohmann::json remove(const ResourceType& type, std::string_view ns, std::string_view name,
                        std::optional<std::string> propagation = {});
  nlohmann::json remove(const ResourceType& type, std::string_view ns, std::string_view name,
                        const DeleteOptions& options);
  nlohmann::json remove_collection(const ResourceType& type, std::string_view ns,
                                   const ListOptions& selection,
                                   const DeleteOptions& options = {});
  std::string pod_log(std::string_view ns, std::string_view pod,
                      const PodLogOptions& options = {});

  // Blocks, streaming events to `on_event` until the server ends the stream, the handler returns
  // false, *stop becomes true (polled every ~100 ms) or no bytes arrive for `idle_timeout`.
  // A 410 (HTTP status, or an ERROR event carrying a Status with code 410 / reason Expired)
  // is returned as End::Gone — not thrown. Other ERROR events and non-2xx answers throw ApiError;
  // connection failures and a stream cut without its final chunk throw TransportError.
  // The handler may call this client (the watch holds its own connection and no lock).
  // options.watch is forced on.
  WatchResult watch(const ResourceType& type, std::string_view ns, const ListOptions& options,
                    const std::function<bool(WatchEvent&&)>& on_event,
                    std::chrono::seconds idle_timeout, const std::atomic<bool>* stop = nullptr);

  // Sends any request (credentials, retries on 401 and observer included) without interpreting
  // the status code.
  HttpResponse send(const HttpRequest& request);
  // Sends and decodes: 2xx ⇒ the JSON body (null when empty); otherwise throws ApiError.
  nlohmann::json request(const HttpRequest& request);

  void set_request_observer(RequestObserver observer);

  // Typed helpers (T needs nlohmann to_json/from_json, e.g. api/codec.hpp).
  template <class T>
  T get_as(const ResourceType& type, std::string_view ns, std::string_view name) {
    return get(type, ns, name).template get<T>();
  }
  template <class T>
  std::vector<T> list_as(const ResourceType& type, std::string_view ns,
                         const ListOptions& options = {}) {
    nlohmann::json list = list_all(type, ns, options);
    std::vector<T> out;
    for (const auto& item : list.value("items", nlohmann::json::array())) {
      out.push_back(item.template get<T>());
    }
    return out;
  }
  template <class T>
  T create_as(const ResourceType& type, std::string_view ns, const T& object) {
    return create(type, ns, nlohmann::json(object)).template get<T>();
  }
  template <class T>
  T update_as(const ResourceType& type, std::string_view ns, const T& object) {
    return update(type, ns, nlohmann::json(object)).template get<T>();
  }
  template <class T>
  T update_status_as(const ResourceType& type, std::string_view ns, const T& object) {
    return update_status(type, ns, nlohmann::json(object)).template get<T>();
  }
  template <class T>
  T patch_as(const ResourceType& type, std::string_view ns, std::string_view name,
             PatchType patch_type, const nlohmann::json& body, bool status = false) {
    return patch(type, ns, name, patch_type, body, status).template get<T>();
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::runtime
