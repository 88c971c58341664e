#include "operator/runtime/client/request.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

namespace redraft::runtime {
namespace {

constexpr const char* kJson = "application/json";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// A path segment that would change the path's meaning once decoded ("", ".", "..") is refused:
// names come from user-controlled objects.
void check_segment(std::string_view field, std::string_view value) {
  if (value.empty()) throw std::invalid_argument(std::string(field) + ": must not be empty");
  if (value == "." || value == "..") {
    throw std::invalid_argument(std::string(field) + ": may not be '.' or '..'");
  }
}

void check_namespace(const ResourceType& type, std::string_view ns) {
  if (type.namespaced) check_segment("namespace", ns);
}

class Query {
 public:
  void add(std::string_view key, std::string_view value) {
    text_ += text_.empty() ? '?' : '&';
    text_ += key;
    text_ += '=';
    text_ += escape_query_value(value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

void add_write_options(Query& query, const WriteOptions& options) {
  if (options.dry_run) query.add("dryRun", "All");
  if (!options.field_manager.empty()) query.add("fieldManager", options.field_manager);
}

HttpRequest make(std::string method, std::string target) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers["Accept"] = kJson;
  return request;
}

std::string object_name(const nlohmann::json& object) {
  if (!object.is_object()) throw std::invalid_argument("object: must be a JSON object");
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) {
    throw std::invalid_argument("metadata.name: required");
  }
  auto name = meta->find("name");
  if (name == meta->end() || !name->is_string() || name->get<std::string>().empty()) {
    throw std::invalid_argument("metadata.name: required");
  }
  return name->get<std::string>();
}

// Completes apiVersion/kind and checks metadata.namespace against the request's namespace, so a
// typo'd namespace is a clear client-side error instead of a confusing server answer.
nlohmann::json prepare_body(const ResourceType& type, std::string_view ns,
                            const nlohmann::json& object) {
  if (!object.is_object()) throw std::invalid_argument("object: must be a JSON object");
  nlohmann::json body = object;
  if (!body.contains("apiVersion")) body["apiVersion"] = type.api_version();
  if (!body.contains("kind")) body["kind"] = type.kind;
  if (body["apiVersion"] != type.api_version()) {
    throw std::invalid_argument("apiVersion: \"" + body["apiVersion"].dump() +
                                "\" does not match resource " + type.resource + " (" +
                                type.api_version() + ")");
  }
  if (type.namespaced) {
    auto meta = body.find("metadata");
    if (meta != body.end() && meta->is_object()) {
      auto object_ns = meta->find("namespace");
      if (object_ns != meta->end() && object_ns->is_string() &&
          !object_ns->get<std::string>().empty() && object_ns->get<std::string>() != ns) {
        throw std::invalid_argument("metadata.namespace: \"" + object_ns->get<std::string>() +
                                    "\" does not match the request namespace \"" +
                                    std::string(ns) + "\"");
      }
    }
  }
  return body;
}

HttpRequest with_json_body(HttpRequest request, const nlohmann::json& body) {
  request.headers["Content-Type"] = kJson;
  request.body = body.dump();
  return request;
}

std::string delete_options_body(const DeleteOptions& options) {
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (options.propagation_policy) {
    const std::string& p = *options.propagation_policy;
    if (p != "Foreground" && p != "Background" && p != "Orphan") {
      throw std::invalid_argument("propagationPolicy: unsupported value \"" + p +
                                  "\" (Foreground, Background or Orphan)");
    }
    body["propagationPolicy"] = p;
  }
  if (options.grace_period_seconds) {
    if (*options.grace_period_seconds < 0) {
      throw std::invalid_argument("gracePeriodSeconds: must not be negative");
    }
    body["gracePeriodSeconds"] = *options.grace_period_seconds;
  }
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  }
  if (options.dry_run) body["dryRun"] = nlohmann::json::array({"All"});
  return body.dump();
}

}  // namespace

std::string_view patch_content_type(PatchType type) {
  switch (type) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::JsonPatch: return "application/json-patch+json";
    case PatchType::StrategicMerge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

std::string escape_path_segment(std::string_view segment) { return percent_encode(segment); }
std::string escape_query_value(std::string_view value) { return percent_encode(value); }

std::string resource_path(const ResourceType& type, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  if (type.version.empty()) throw std::invalid_argument("resource type: version is empty");
  check_segment("resource", type.resource);
  std::string path = type.group.empty() ? "/api/" + escape_path_segment(type.version)
                                        : "/apis/" + escape_path_segment(type.group) + "/" +
                                              escape_path_segment(type.version);
  if (type.namespaced && !ns.empty()) {
    check_segment("namespace", ns);
    path += "/namespaces/" + escape_path_segment(ns);
  }
  path += "/" + escape_path_segment(type.resource);
  if (!name.empty()) {
    check_segment("name", name);
    path += "/" + escape_path_segment(name);
  }
  if (!subresource.empty()) {
    if (name.empty()) throw std::invalid_argument("name: required for a subresource");
    check_segment("subresource", subresource);
    path += "/" + escape_path_segment(subresource);
  }
  return path;
}

std::string list_query(const ListOptions& options) {
  Query query;
  if (!options.label_selector.empty()) query.add("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) query.add("fieldSelector", options.field_selector);
  if (!options.resource_version.empty()) query.add("resourceVersion", options.resource_version);
  if (!options.resource_version_match.empty()) {
    if (options.resource_version_match != "NotOlderThan" &&
        options.resource_version_match != "Exact") {
      throw std::invalid_argument("resourceVersionMatch: unsupported value \"" +
                                  options.resource_version_match + "\" (NotOlderThan or Exact)");
    }
    if (options.resource_version.empty()) {
      throw std::invalid_argument("resourceVersionMatch: requires resourceVersion");
    }
    query.add("resourceVersionMatch", options.resource_version_match);
  }
  if (!options.continue_token.empty()) query.add("continue", options.continue_token);
  if (options.limit) {
    if (*options.limit <= 0) throw std::invalid_argument("limit: must be positive");
    query.add("limit", std::to_string(*options.limit));
  }
  if (options.timeout_seconds) {
    if (*options.timeout_seconds < 0) {
      throw std::invalid_argument("timeoutSeconds: must not be negative");
    }
    query.add("timeoutSeconds", std::to_string(*options.timeout_seconds));
  }
  if (options.allow_watch_bookmarks) query.add("allowWatchBookmarks", "true");
  if (options.watch) query.add("watch", "true");
  return query.take();
}

HttpRequest build_get(const ResourceType& type, std::string_view ns, std::string_view name) {
  check_namespace(type, ns);
  check_segment("name", name);
  return make("GET", resource_path(type, ns, name));
}

HttpRequest build_list(const ResourceType& type, std::string_view ns, const ListOptions& options) {
  return make("GET", resource_path(type, ns) + list_query(options));
}

HttpRequest build_watch(const ResourceType& type, std::string_view ns,
                        const ListOptions& options) {
  ListOptions watch_options = options;
  watch_options.watch = true;
  return build_list(type, ns, watch_options);
}

HttpRequest build_create(const ResourceType& type, std::string_view ns,
                         const nlohmann::json& object, const WriteOptions& options) {
  check_namespace(type, ns);
  nlohmann::json body = prepare_body(type, ns, object);
  Query query;
  add_write_options(query, options);
  return with_json_body(make("POST", resource_path(type, ns) + query.take()), body);
}

HttpRequest build_update(const ResourceType& type, std::string_view ns,
                         const nlohmann::json& object, const WriteOptions& options) {
  check_namespace(type, ns);
  nlohmann::json body = prepare_body(type, ns, object);
  Query query;
  add_write_options(query, options);
  return with_json_body(make("PUT", resource_path(type, ns, object_name(body)) + query.take()),
                        body);
}

HttpRequest build_update_status(const ResourceType& type, std::string_view ns,
                                const nlohmann::json& object, const WriteOptions& options) {
  check_namespace(type, ns);
  nlohmann::json body = prepare_body(type, ns, object);
  Query query;
  add_write_options(query, options);
  return with_json_body(
      make("PUT", resource_path(type, ns, object_name(body), "status") + query.take()), body);
}

HttpRequest build_patch(const ResourceType& type, std::string_view ns, std::string_view name,
                        PatchType patch_type, const nlohmann::json& patch, bool status,
                        const WriteOptions& options) {
  check_namespace(type, ns);
  check_segment("name", name);
  if (patch_type == PatchType::JsonPatch) {
    if (!patch.is_array()) throw std::invalid_argument("patch: a JSON patch must be an array");
    for (std::size_t i = 0; i < patch.size(); ++i) {
      const auto& op = patch[i];
      if (!op.is_object() || !op.contains("op") || !op["op"].is_string() ||
          !op.contains("path") || !op["path"].is_string()) {
        throw std::invalid_argument("patch[" + std::to_string(i) +
                                    "]: needs string fields \"op\" and \"path\"");
      }
    }
  } else if (!patch.is_object()) {
    throw std::invalid_argument("patch: a merge patch must be a JSON object");
  }
  Query query;
  add_write_options(query, options);
  HttpRequest request =
      make("PATCH", resource_path(type, ns, name, status ? "status" : "") + query.take());
  request.headers["Content-Type"] = std::string(patch_content_type(patch_type));
  request.body = patch.dump();
  return request;
}

HttpRequest build_delete(const ResourceType& type, std::string_view ns, std::string_view name,
                         const DeleteOptions& options) {
  check_namespace(type, ns);
  check_segment("name", name);
  HttpRequest request = make("DELETE", resource_path(type, ns, name));
  request.headers["Content-Type"] = kJson;
  request.body = delete_options_body(options);
  return request;
}

HttpRequest build_delete_collection(const ResourceType& type, std::string_view ns,
                                    const ListOptions& selection, const DeleteOptions& options) {
  check_namespace(type, ns);
  if (selection.watch) throw std::invalid_argument("watch: not allowed for deletecollection");
  HttpRequest request = make("DELETE", resource_path(type, ns) + list_query(selection));
  request.headers["Content-Type"] = kJson;
  request.body = delete_options_body(options);
  return request;
}

HttpRequest build_pod_log(std::string_view ns, std::string_view pod,
                          const PodLogOptions& options) {
  check_segment("namespace", ns);
  check_segment("name", pod);
  Query query;
  if (!options.container.empty()) query.add("container", options.container);
  if (options.tail_lines) {
    if (*options.tail_lines < 0) throw std::invalid_argument("tailLines: must not be negative");
    query.add("tailLines", std::to_string(*options.tail_lines));
  }
  if (options.limit_bytes) {
    if (*options.limit_bytes <= 0) throw std::invalid_argument("limitBytes: must be positive");
    query.add("limitBytes", std::to_string(*options.limit_bytes));
  }
  if (options.previous) query.add("previous", "true");
  HttpRequest request = make("GET", resource_path(resources::kPods, ns, pod, "log") + query.take());
  request.headers["Accept"] = "text/plain, */*";
  return request;
}

nlohmann::json with_resource_version(nlohmann::json merge_patch,
                                     std::string_view resource_version) {
  if (!merge_patch.is_object()) {
    throw std::invalid_argument("patch: a merge patch must be a JSON object");
  }
  merge_patch["metadata"]["resourceVersion"] = std::string(resource_version);
  return merge_patch;
}

}  // namespace redraft::runtime
