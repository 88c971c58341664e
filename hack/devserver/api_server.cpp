#include "api_server.hpp"

#include "discovery.hpp"
#include "node_proxy.hpp"
#include "openapi.hpp"
#include "protobuf_decode.hpp"
#include "selectors.hpp"
#include "table.hpp"

#include <spdlog/spdlog.h>

#include <openssl/crypto.h>

#include <thread>

namespace redraft::devserver {

using nlohmann::json;

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

HttpResponse json_response(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump(), {}};
}

HttpResponse error_response(const ApiError& e) {
  HttpResponse r = json_response(e.code(), e.to_status());
  if (e.code() == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

bool wants(const HttpRequest& r, const char* as) {
  return r.accept.find(std::string("as=") + as) != std::string::npos;
}

bool truthy(const std::string& v) { return v == "true" || v == "1"; }

long parse_long(const std::string& text, const char* field) {
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw bad_request(std::string("invalid ") + field + " \"" + text + "\": must be an integer");
}

json present(const ResourceInfo& info, json obj) {
  // Objects are stored once per resource; each served version reports its own apiVersion.
  obj["apiVersion"] = info.api_version();
  obj["kind"] = info.kind;
  return obj;
}

// True when `obj` already says the apiVersion and kind `info` serves (so present() would copy it
// for nothing).
bool served_as_stored(const ResourceInfo& info, const json& obj) {
  auto v = obj.find("apiVersion"), k = obj.find("kind");
  return v != obj.end() && k != obj.end() && v->is_string() && k->is_string() &&
         v->get_ref<const std::string&>() == info.api_version() && k->get_ref<const std::string&>() == info.kind;
}

json partial_metadata(const json& obj) {
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", obj.value("metadata", json::object())}};
}

json parse_body(const HttpRequest& r) {
  if (r.body.empty()) throw bad_request("the request body is empty");
  if (r.content_type.starts_with(kProtobufContentType)) return decode_kubernetes_protobuf(r.body);
  try {
    return json::parse(r.body);
  } catch (const json::parse_error& e) {
    // Only the position: the parser's message quotes body bytes, which may be secret data.
    throw bad_request("the request body is not valid JSON (error at byte " + std::to_string(e.byte) + ")");
  }
}

DeleteOptions delete_options(const HttpRequest& r) {
  DeleteOptions o;
  if (!r.body.empty()) {
    const json body = parse_body(r);
    if (body.is_object()) {
      o.propagation = body.value("propagationPolicy", o.propagation);
      if (body.value("orphanDependents", false)) o.propagation = "Orphan";
      if (auto pre = body.find("preconditions"); pre != body.end() && pre->is_object()) {
        o.precondition_uid = pre->value("uid", "");
        o.precondition_rv = pre->value("resourceVersion", "");
      }
      if (auto dr = body.find("dryRun"); dr != body.end() && dr->is_array() && !dr->empty())
        o.dry_run = true;
      if (auto g = body.find("gracePeriodSeconds"); g != body.end() && !g->is_null()) {
        if (!g->is_number_integer()) throw bad_request("gracePeriodSeconds: must be an integer");
        o.grace_period_seconds = g->get<long>();
      }
    }
  }
  if (auto g = r.param("gracePeriodSeconds"); !g.empty()) o.grace_period_seconds = parse_long(g, "gracePeriodSeconds");
  o.propagation = r.param("propagationPolicy", o.propagation);
  if (o.propagation != "Background" && o.propagation != "Foreground" && o.propagation != "Orphan")
    throw bad_request("propagationPolicy: Unsupported value: \"" + o.propagation +
                      "\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
  if (r.param("dryRun") == "All") o.dry_run = true;
  return o;
}

ListOptions list_options(const HttpRequest& r) {
  ListOptions o;
  o.label_selector = r.param("labelSelector");
  o.field_selector = r.param("fieldSelector");
  if (auto l = r.param("limit"); !l.empty()) o.limit = parse_long(l, "limit");
  o.continue_token = r.param("continue");
  return o;
}

}  // namespace

ApiServer::ApiServer(ApiServerOptions options)
    : options_(std::move(options)), store_(options_.history_size, options_.gc_delay) {}

ApiServer::~ApiServer() { shutdown(); }

void ApiServer::set_server_address(std::string address) { options_.server_address = std::move(address); }

void ApiServer::shutdown() {
  shutting_down_ = true;
  store_.close_watchers();
}

bool request_authenticated(const std::string& expected_token, bool client_certificate_auth,
                           const std::string& authorization, const ClientIdentity& peer) {
  if (expected_token.empty() && !client_certificate_auth) return true;
  if (client_certificate_auth && peer.authenticated()) return true;
  if (expected_token.empty()) return false;
  const std::string expected = "Bearer " + expected_token;
  // Constant-time comparison so the token cannot be guessed byte by byte from timings.
  return authorization.size() == expected.size() &&
         CRYPTO_memcmp(authorization.data(), expected.data(), expected.size()) == 0;
}

bool ApiServer::authorized(const HttpRequest& r) const {
  return request_authenticated(options_.token, options_.client_certificate_auth, r.authorization, r.peer);
}

std::optional<HttpResponse> ApiServer::handle(const HttpRequest& request, ChunkedWriter& writer) {
  std::optional<HttpResponse> resp;
  try {
    resp = route(request, writer);
  } catch (const ApiError& e) {
    resp = error_response(e);
  } catch (const json::exception& e) {
    resp = error_response(bad_request(std::string("malformed request: ") + e.what()));
  }
  if (options_.log_requests)
    spdlog::info("{} {} -> {}", request.method, request.path, resp ? resp->status : 200);
  return resp;
}

std::optional<HttpResponse> ApiServer::route(const HttpRequest& r, ChunkedWriter& writer) {
  const auto parts = split_path(r.path);
  if (parts.size() == 1 && (parts[0] == "healthz" || parts[0] == "livez" || parts[0] == "readyz"))
    return HttpResponse{200, "text/plain", "ok", {}};
  if (!authorized(r)) return error_response(ApiError(401, "Unauthorized", "Unauthorized"));
  if (!parts.empty() && parts[0] == "admin") return admin(r);

  const FaultConfig faults = faults_.get();
  if (faults.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms));
  if (auto failure = faults_.take_failure(r.method, r.path)) return error_response(*failure);

  if (parts.empty())
    return json_response(200, {{"paths", {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"}}});
  if (parts[0] == "version" && parts.size() == 1) return json_response(200, version_info());
  if (parts[0] == "openapi" && parts.size() >= 2 && parts[1] == "v3") {
    if (parts.size() == 2)
      return json_response(200, store_.with_registry([](const ResourceRegistry& reg) { return openapi_v3_root(reg); }));
    std::optional<json> doc;
    if (parts.size() == 4 && parts[2] == "api")
      doc = store_.with_registry([&](const ResourceRegistry& reg) { return openapi_v3_group_version(reg, "", parts[3]); });
    if (parts.size() == 5 && parts[2] == "apis")
      doc = store_.with_registry([&](const ResourceRegistry& reg) { return openapi_v3_group_version(reg, parts[3], parts[4]); });
    if (!doc) throw route_not_found();
    return json_response(200, *doc);
  }
  if (parts[0] == "api") {
    if (parts.size() == 1) return json_response(200, api_versions(options_.server_address));
    if (parts.size() == 2) {
      auto doc = store_.with_registry([&](const ResourceRegistry& reg) { return api_resource_list(reg, "", parts[1]); });
      if (!doc) throw route_not_found();
      return json_response(200, *doc);
    }
    return resource_request(r, writer, "", parts[1], {parts.begin() + 2, parts.end()});
  }
  if (parts[0] == "apis") {
    if (parts.size() == 1)
      return json_response(200, store_.with_registry([](const ResourceRegistry& reg) { return api_group_list(reg); }));
    if (parts.size() == 2) {
      auto doc = store_.with_registry([&](const ResourceRegistry& reg) { return api_group(reg, parts[1]); });
      if (!doc) throw route_not_found();
      return json_response(200, *doc);
    }
    if (parts.size() == 3) {
      auto doc = store_.with_registry([&](const ResourceRegistry& reg) { return api_resource_list(reg, parts[1], parts[2]); });
      if (!doc) throw route_not_found();
      return json_response(200, *doc);
    }
    return resource_request(r, writer, parts[1], parts[2], {parts.begin() + 3, parts.end()});
  }
  throw route_not_found();
}

std::optional<HttpResponse> ApiServer::admin(const HttpRequest& r) {
  const std::string path = r.path;
  if (path == "/admin/faults") {
    if (r.method == "GET") return json_response(200, fault_config_to_json(faults_.get()));
    if (r.method == "POST" || r.method == "PUT") {
      faults_.set(merge_fault_config(faults_.get(), parse_body(r)));
      return json_response(200, fault_config_to_json(faults_.get()));
    }
    if (r.method == "DELETE") {
      faults_.set({});
      return json_response(200, fault_config_to_json(faults_.get()));
    }
  }
  if (path == "/admin/stats" && r.method == "GET")
    return json_response(200, {{"openWatches", store_.open_watches()}, {"resourceVersion", store_.current_rv()}});
  if (path == "/admin/compact" && r.method == "POST") {
    store_.compact();
    return json_response(200, {{"compactedResourceVersion", store_.current_rv()}});
  }
  if (path == "/admin/close-watches" && r.method == "POST") {
    store_.close_watchers();
    return json_response(200, {{"closed", true}});
  }
  throw route_not_found();
}

std::optional<HttpResponse> ApiServer::resource_request(const HttpRequest& r, ChunkedWriter& writer,
                                                        const std::string& group,
                                                        const std::string& version,
                                                        const std::vector<std::string>& rest) {
  if (rest.empty()) throw route_not_found();
  std::size_t i = 0;
  std::string ns;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    auto inner = store_.resolve(group, version, rest[2]);
    if (inner && inner->namespaced) {
      ns = rest[1];
      i = 2;
    }
  }
  auto info = store_.resolve(group, version, rest[i]);
  if (!info) throw route_not_found();
  const std::string name = rest.size() > i + 1 ? rest[i + 1] : "";
  const std::string sub = rest.size() > i + 2 ? rest[i + 2] : "";
  if (rest.size() > i + 3) throw route_not_found();
  if (!info->namespaced && !ns.empty()) throw route_not_found();
  if (!sub.empty() && !(sub == "status" && info->status_subresource) &&
      !(sub == "log" && info->log_subresource) && !(sub == "binding" && info->binding_subresource))
    throw route_not_found();
  if (info->binding || sub == "binding") {
    if (r.method != "POST" || (info->binding && !name.empty()))
      throw method_not_allowed((info->binding ? info->plural : info->plural + "/binding") + " only support create");
    store_.bind(ns, name, parse_body(r));
    json status = success_status();
    status["code"] = 201;
    return json_response(201, status);
  }
  if (info->review_only) {
    if (r.method != "POST" || !name.empty())
      throw method_not_allowed(info->plural + " only support create");
    // kubectl sends reviews as protobuf; the answer does not depend on the question, so a
    // protobuf body is not decoded (only the JSON one is echoed back).
    json review = r.content_type.starts_with(kProtobufContentType) ? json::object() : parse_body(r);
    if (!review.is_object()) throw bad_request("the request body must be a JSON object");
    review["apiVersion"] = info->api_version();
    review["kind"] = info->kind;
    review["status"] = {{"allowed", true}, {"reason", "redraft-devserver does not enforce RBAC"}};
    return json_response(201, review);
  }
  std::vector<std::string> warnings;
  const WriteOptions wopts{r.param("dryRun") == "All", r.param("fieldValidation"), &warnings};
  auto with_warnings = [&](HttpResponse resp) {
    for (const auto& w : warnings) resp.headers.emplace_back("Warning", "299 - " + json(w).dump());
    return resp;
  };

  if (name.empty()) {
    if (r.method == "GET") {
      if (truthy(r.param("watch"))) {
        stream_watch(r, writer, *info, ns);
        return std::nullopt;
      }
      ListResult page = store_.list(*info, ns, list_options(r));
      if (wants(r, "Table")) {
        std::vector<json> objs;
        for (auto& o : page.items) objs.push_back(present(*info, std::move(o)));
        return json_response(200, render_table(*info, objs,
                                               {page.resource_version, page.continue_token,
                                                r.param("includeObject") == "Object"}));
      }
      json md = {{"resourceVersion", page.resource_version}};
      if (!page.continue_token.empty()) {
        md["continue"] = page.continue_token;
        md["remainingItemCount"] = page.remaining;
      }
      json items = json::array();
      const bool partial = wants(r, "PartialObjectMetadata");
      for (auto& o : page.items) items.push_back(partial ? partial_metadata(o) : present(*info, std::move(o)));
      return json_response(200, {{"kind", partial ? "PartialObjectMetadataList" : info->kind + "List"},
                                 {"apiVersion", partial ? "meta.k8s.io/v1" : info->api_version()},
                                 {"metadata", md},
                                 {"items", items}});
    }
    if (r.method == "POST")
      return with_warnings(json_response(201, present(*info, store_.create(*info, ns, parse_body(r), wopts))));
    if (r.method == "DELETE") {
      json items = json::array();
      for (auto& o : store_.remove_collection(*info, ns, list_options(r), delete_options(r)))
        items.push_back(present(*info, o));
      return json_response(200, {{"kind", info->kind + "List"},
                                 {"apiVersion", info->api_version()},
                                 {"metadata", {{"resourceVersion", store_.current_rv()}}},
                                 {"items", items}});
    }
    throw method_not_allowed("the server does not allow this method on the requested resource");
  }

  if (r.method == "GET") {
    json obj = store_.get(*info, ns, name);
    if (sub == "log") return pod_log(r, writer, ns, obj);
    if (wants(r, "Table"))
      return json_response(200, render_table(*info, {present(*info, obj)},
                                             {obj["metadata"].value("resourceVersion", ""), "",
                                              r.param("includeObject") == "Object"}));
    if (wants(r, "PartialObjectMetadata")) return json_response(200, partial_metadata(obj));
    return json_response(200, present(*info, std::move(obj)));
  }
  if (sub == "log") throw method_not_allowed("pods/log only supports GET");
  if (r.method == "PUT")
    return with_warnings(json_response(200, present(*info, store_.update(*info, ns, name, parse_body(r), sub, wopts))));
  if (r.method == "PATCH")
    return with_warnings(json_response(
        200, present(*info, store_.patch(*info, ns, name, patch_type_from_content_type(r.content_type),
                                         parse_body(r), sub, wopts))));
  if (r.method == "DELETE" && sub.empty())
    return json_response(200, present(*info, store_.remove(*info, ns, name, delete_options(r))));
  throw method_not_allowed("the server does not allow this method on the requested resource");
}

std::optional<HttpResponse> ApiServer::pod_log(const HttpRequest& r, ChunkedWriter& writer,
                                               const std::string& ns, const json& pod) {
  const std::string name = pod["metadata"].value("name", "");
  const std::string node_name = pod.value("spec", json::object()).value("nodeName", "");
  std::optional<KubeletEndpoint> endpoint;
  if (!node_name.empty())
    if (auto nodes = store_.resolve("", "v1", "nodes")) {
      try {
        endpoint = kubelet_endpoint(store_.get(*nodes, "", node_name));
      } catch (const ApiError&) {
        // No such Node: nothing to proxy to.
      }
    }
  if (!endpoint) {
    // No node serves this pod's logs: the log is whatever a test stored in this annotation.
    const std::string log = pod["metadata"].value("annotations", json::object()).value("devserver.redraft.dev/log", "");
    return HttpResponse{200, "text/plain", log, {}};
  }
  // Like kube-apiserver: proxy to the node's kubelet endpoint (no lock held while streaming).
  const std::string container = log_container(pod, r.param("container"));
  return proxy_get(*endpoint, container_logs_target(ns, name, container, r.query), name, writer, shutting_down_);
}

void ApiServer::stream_watch(const HttpRequest& r, ChunkedWriter& writer, const ResourceInfo& info,
                             const std::string& ns) {
  const LabelSelector labels = LabelSelector::parse(r.param("labelSelector"));
  const FieldSelector fields = FieldSelector::parse(r.param("fieldSelector"));
  const bool bookmarks = truthy(r.param("allowWatchBookmarks"));
  const bool table = wants(r, "Table");
  auto timeout = std::chrono::seconds(options_.default_watch_timeout);
  if (auto t = r.param("timeoutSeconds"); !t.empty()) {
    const long secs = parse_long(t, "timeoutSeconds");
    if (secs < 0) throw bad_request("invalid timeoutSeconds \"" + t + "\": must not be negative");
    if (secs > 0) timeout = std::chrono::seconds(secs);
  }
  const int close_after = faults_.get().close_watches_after_seconds;
  if (close_after > 0) timeout = std::min(timeout, std::chrono::seconds(close_after));

  WatchStart start;
  try {
    start = store_.watch(info, ns, r.param("resourceVersion"));
  } catch (const ApiError& e) {
    if (e.code() != 410) throw;
    // Like the real apiserver: the stream opens, then carries one ERROR event with 410.
    if (writer.begin(200, "application/json"))
      writer.chunk(json{{"type", "ERROR"}, {"object", e.to_status()}}.dump() + "\n");
    return;
  }
  if (!writer.begin(200, "application/json")) {
    start.watcher->close();
    return;
  }
  auto send = [&](const std::string& type, const json& obj) {
    if (!table && served_as_stored(info, obj))  // the common case: no copy of the object
      return writer.chunk("{\"type\":\"" + type + "\",\"object\":" + obj.dump() + "}\n");
    json payload = table ? render_table(info, {present(info, obj)},
                                        {obj["metadata"].value("resourceVersion", ""), "",
                                         r.param("includeObject") == "Object"})
                         : present(info, obj);
    return writer.chunk(json{{"type", type}, {"object", payload}}.dump() + "\n");
  };
  auto matches = [&](const json& o) { return !o.is_null() && labels.matches(o) && fields.matches(o); };
  // Selector-filtered watches see objects enter and leave the selection as ADDED/DELETED.
  auto emit = [&](const WatchEvent& e) {
    const bool now_in = matches(e.object);
    const bool was_in = matches(e.previous);
    if (e.type == "ADDED") return now_in ? send("ADDED", e.object) : true;
    if (e.type == "DELETED") return was_in || now_in ? send("DELETED", e.object) : true;
    if (now_in && was_in) return send("MODIFIED", e.object);
    if (now_in) return send("ADDED", e.object);
    if (was_in) return send("DELETED", e.object);
    return true;
  };

  bool alive = true;
  for (const auto& e : start.initial)
    if (!(alive = emit(e))) break;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
  while (alive && !shutting_down_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto wake = std::min(deadline, now + std::chrono::seconds(1));  // re-check the peer each second
    if (bookmarks) wake = std::min(wake, next_bookmark);
    if (auto e = start.watcher->pop(wake)) {
      alive = emit(*e);
      continue;
    }
    if (start.watcher->closed() || writer.peer_closed()) break;
    if (bookmarks && std::chrono::steady_clock::now() >= next_bookmark) {
      if (auto rv = store_.bookmark_rv(*start.watcher)) {
        alive = writer.chunk(json{{"type", "BOOKMARK"},
                                  {"object", {{"kind", info.kind},
                                              {"apiVersion", info.api_version()},
                                              {"metadata", {{"resourceVersion", *rv}}}}}}
                                 .dump() + "\n");
      }
      next_bookmark = std::chrono::steady_clock::now() + options_.bookmark_interval;
    }
  }
  start.watcher->close();
}

}  // namespace redraft::devserver
