#include "operator/runtime/client/client.hpp"

#include <mutex>
#include <stdexcept>
#include <utility>

#include "operator/runtime/client/credentials.hpp"
#include "operator/runtime/client/rate_limiter.hpp"
#include "operator/runtime/client/transport.hpp"
#include "operator/runtime/client/watch_decoder.hpp"

namespace redraft::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// How often a blocked watch looks at its stop flag and idle timer.
constexpr auto kWatchPollInterval = std::chrono::milliseconds(100);
constexpr int64_t kListPageSize = 500;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool is_success(int status) { return status >= 200 && status < 300; }

TlsSettings tls_settings(const RestConfig& config) {
  TlsSettings tls;
  tls.ca_pem = config.ca_pem;
  tls.insecure_skip_verify = config.insecure_skip_tls_verify;
  tls.server_name = config.tls_server_name;
  tls.client_cert_pem = config.client_cert_pem;
  tls.client_key_pem = config.client_key_pem;
  return tls;
}

}  // namespace

const char* to_string(WatchResult::End end) {
  switch (end) {
    case WatchResult::End::Closed: return "Closed";
    case WatchResult::End::Stopped: return "Stopped";
    case WatchResult::End::HandlerDone: return "HandlerDone";
    case WatchResult::End::IdleTimeout: return "IdleTimeout";
    case WatchResult::End::Gone: return "Gone";
  }
  return "Unknown";
}

struct Client::Impl {
  explicit Impl(RestConfig cfg)
      : config(std::move(cfg)),
        transport(parse_server_url(config.server), tls_settings(config), config.connect_timeout),
        credentials(config),
        limiter(config.qps, config.burst) {}

  RestConfig config;
  HttpTransport transport;
  Credentials credentials;
  RateLimiter limiter;
  std::mutex observer_mutex;
  RequestObserver observer;

  void observe(std::string_view method, int code, double seconds) {
    RequestObserver copy;
    {
      std::lock_guard lock(observer_mutex);
      copy = observer;
    }
    if (copy) copy(method, transport.endpoint().authority, code, seconds);
  }

  // The request as sent: credentials and user agent added to a copy (never logged).
  HttpRequest authorize(const HttpRequest& request) {
    AuthMaterial auth = credentials.current();
    if (!auth.client_cert_pem.empty()) {
      transport.set_client_certificate(auth.client_cert_pem, auth.client_key_pem);
    }
    HttpRequest out = request;
    if (!auth.authorization.empty()) out.headers["Authorization"] = auth.authorization;
    out.headers["User-Agent"] = config.user_agent;
    return out;
  }

  // Sends with the current credentials and records the request metric; a 401 means rotated
  // token files or expired plugin credentials, so they are refreshed and the request is tried
  // once more. `exchange` does the round trip, `status_of` reads the HTTP status of its result.
  template <typename Exchange, typename StatusOf>
  auto with_credentials(const HttpRequest& request, Exchange exchange, StatusOf status_of) {
    for (int attempt = 0;; ++attempt) {
      limiter.acquire();
      HttpRequest authorized = authorize(request);
      auto start = Clock::now();
      decltype(exchange(authorized)) result;
      try {
        result = exchange(authorized);
      } catch (const TransportError&) {
        observe(request.method, 0, seconds_since(start));
        throw;
      }
      const int status = status_of(result);
      observe(request.method, status, seconds_since(start));
      if (status == 401 && attempt == 0 && credentials.invalidate()) continue;
      return result;
    }
  }

  HttpResponse send(const HttpRequest& request) {
    return with_credentials(
        request, [&](const HttpRequest& r) { return transport.round_trip(r, config.request_timeout); },
        [](const HttpResponse& response) { return response.status; });
  }

  nlohmann::json request(const HttpRequest& request) {
    HttpResponse response = send(request);
    if (!is_success(response.status)) throw decode_api_error(response.status, response.body);
    if (response.body.empty()) return nullptr;
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      throw TransportError(request.method + " " + request.target.substr(0, request.target.find('?')) +
                           ": the answer is not JSON");
    }
    return body;
  }

  std::unique_ptr<HttpTransport::Stream> open_watch(const HttpRequest& request) {
    return with_credentials(
        request, [&](const HttpRequest& r) { return transport.open_stream(r, config.request_timeout); },
        [](const std::unique_ptr<HttpTransport::Stream>& stream) { return stream->status(); });
  }
};

Client::Client(RestConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Client::~Client() = default;

const std::string& Client::host() const { return impl_->transport.endpoint().authority; }
const std::string& Client::default_namespace() const { return impl_->config.default_namespace; }

void Client::set_request_observer(RequestObserver observer) {
  std::lock_guard lock(impl_->observer_mutex);
  impl_->observer = std::move(observer);
}

HttpResponse Client::send(const HttpRequest& request) { return impl_->send(request); }
nlohmann::json Client::request(const HttpRequest& request) { return impl_->request(request); }

nlohmann::json Client::get(const ResourceType& type, std::string_view ns, std::string_view name) {
  return impl_->request(build_get(type, ns, name));
}

nlohmann::json Client::list(const ResourceType& type, std::string_view ns,
                            const ListOptions& options) {
  return impl_->request(build_list(type, ns, options));
}

nlohmann::json Client::list_all(const ResourceType& type, std::string_view ns,
                                ListOptions options) {
  options.watch = false;
  if (!options.limit) options.limit = kListPageSize;
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json last;
  for (;;) {
    last = list(type, ns, options);
    if (auto page = last.find("items"); page != last.end() && page->is_array()) {
      for (auto& item : *page) items.push_back(std::move(item));
    }
    std::string next;
    if (last.contains("metadata") && last["metadata"].is_object()) {
      next = last["metadata"].value("continue", "");
    }
    if (next.empty()) break;
    // Continuation pages are served from the first page's snapshot; a resourceVersion must
    // not be combined with continue.
    options.continue_token = next;
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
  last["items"] = std::move(items);
  if (last.contains("metadata") && last["metadata"].is_object()) last["metadata"].erase("continue");
  return last;
}

nlohmann::json Client::create(const ResourceType& type, std::string_view ns,
                              const nlohmann::json& object, const WriteOptions& options) {
  return impl_->request(build_create(type, ns, object, options));
}

nlohmann::json Client::update(const ResourceType& type, std::string_view ns,
                              const nlohmann::json& object, const WriteOptions& options) {
  return impl_->request(build_update(type, ns, object, options));
}

nlohmann::json Client::update_status(const ResourceType& type, std::string_view ns,
                                     const nlohmann::json& object, const WriteOptions& options) {
  return impl_->request(build_update_status(type, ns, object, options));
}

nlohmann::json Client::patch(const ResourceType& type, std::string_view ns, std::string_view name,
                             PatchType patch_type, const nlohmann::json& patch, bool status,
                             const WriteOptions& options) {
  return impl_->request(build_patch(type, ns, name, patch_type, patch, status, options));
}

nlohmann::json Client::remove(const ResourceType& type, std::string_view ns, std::string_view name,
                              std::optional<std::string> propagation) {
  DeleteOptions options;
  options.propagation_policy = std::move(propagation);
  return remove(type, ns, name, options);
}

nlohmann::json Client::remove(const ResourceType& type, std::string_view ns, std::string_view name,
                              const DeleteOptions& options) {
  return impl_->request(build_delete(type, ns, name, options));
}

nlohmann::json Client::remove_collection(const ResourceType& type, std::string_view ns,
                                         const ListOptions& selection,
                                         const DeleteOptions& options) {
  return impl_->request(build_delete_collection(type, ns, selection, options));
}

std::string Client::pod_log(std::string_view ns, std::string_view pod,
                            const PodLogOptions& options) {
  HttpResponse response = impl_->send(build_pod_log(ns, pod, options));
  if (!is_success(response.status)) throw decode_api_error(response.status, response.body);
  return std::move(response.body);
}

WatchResult Client::watch(const ResourceType& type, std::string_view ns,
                          const ListOptions& options,
                          const std::function<bool(WatchEvent&&)>& on_event,
                          std::chrono::seconds idle_timeout, const std::atomic<bool>* stop) {
  if (idle_timeout <= std::chrono::seconds::zero()) {
    throw std::invalid_argument("idle_timeout: must be positive");
  }
  WatchResult result;
  auto stopped = [stop] { return stop != nullptr && stop->load(std::memory_order_acquire); };
  if (stopped()) {
    result.end = WatchResult::End::Stopped;
    return result;
  }
  std::unique_ptr<HttpTransport::Stream> stream = impl_->open_watch(build_watch(type, ns, options));
  if (stream->status() != 200) {
    ApiError error = decode_api_error(stream->status(), stream->read_all(impl_->config.request_timeout));
    if (is_gone(error)) {
      result.end = WatchResult::End::Gone;
      return result;
    }
    throw error;
  }

  WatchDecoder decoder;
  std::string bytes;
  auto last_byte = Clock::now();
  for (;;) {
    if (stopped()) {
      result.end = WatchResult::End::Stopped;
      return result;
    }
    bytes.clear();
    HttpTransport::Stream::Read read = stream->read_some(bytes, kWatchPollInterval);
    if (!bytes.empty()) {
      last_byte = Clock::now();
      for (WatchEvent& event : decoder.feed(bytes)) {
        if (event.type == "ERROR") {
          // The server reports problems in-stream as a metav1.Status (410 ⇒ relist).
          ApiError error = decode_api_error(500, event.object.dump());
          if (is_gone(error)) {
            result.end = WatchResult::End::Gone;
            return result;
          }
          throw error;
        }
        if (event.object.is_object() && event.object.contains("metadata") &&
            event.object["metadata"].is_object()) {
          std::string rv = event.object["metadata"].value("resourceVersion", "");
          if (!rv.empty()) result.resource_version = std::move(rv);
        }
        ++result.events;
        if (!on_event(std::move(event))) {
          result.end = WatchResult::End::HandlerDone;
          return result;
        }
        if (stopped()) {
          result.end = WatchResult::End::Stopped;
          return result;
        }
      }
    }
    if (read == HttpTransport::Stream::Read::End) {
      result.end = WatchResult::End::Closed;
      return result;
    }
    if (read == HttpTransport::Stream::Read::Waiting && Clock::now() - last_byte >= idle_timeout) {
      result.end = WatchResult::End::IdleTimeout;
      return result;
    }
  }
}

}  // namespace redraft::runtime
