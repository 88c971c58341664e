// Pure request builders: everything about a Kubernetes API call that can be decided without a
// server (path, query string, headers, body). The transport only sends what these produce, so
// URL escaping, selectors and patch content types are unit-tested without any I/O.
//
// Bad input (empty name, "..", a JSON patch that is not an array, an object whose namespace
// disagrees with the request) throws std::invalid_argument naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/runtime/client/resource.hpp"

namespace redraft::runtime {

struct ListOptions {
  std::string label_selector;          // "app=x,tier!=db"
  std::string field_selector;          // "metadata.name=x"
  std::string resource_version;        // "" = most recent (quorum read); "0" = any cached
  std::string resource_version_match;  // "NotOlderThan" | "Exact"
  std::string continue_token;
  std::optional<int64_t> limit;
  std::optional<int64_t> timeout_seconds;  // server-side watch/list timeout
  bool allow_watch_bookmarks = false;
  bool watch = false;
};

enum class PatchType { Merge, JsonPatch, StrategicMerge };

// Content-Type for a patch body: application/merge-patch+json, application/json-patch+json,
// application/strategic-merge-patch+json.
std::string_view patch_content_type(PatchType type);

struct WriteOptions {
  std::string field_manager;  // fieldManager query parameter
  bool dry_run = false;       // dryRun=All
};

struct DeleteOptions {
  std::optional<std::string> propagation_policy;  // Foreground | Background | Orphan
  std::optional<int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  bool dry_run = false;
};

struct PodLogOptions {
  std::string container;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
  bool previous = false;
};

struct HttpRequest {
  std::string method;  // GET POST PUT PATCH DELETE
  std::string target;  // path + query, relative to the server URL's path
  std::map<std::string, std::string> headers;
  std::string body;
};

// Percent-encoding (RFC 3986 unreserved characters pass through).
std::string escape_path_segment(std::string_view segment);
std::string escape_query_value(std::string_view value);

// /api/v1/namespaces/{ns}/pods[/{name}[/{subresource}]] or /apis/{group}/{version}/...
// Empty `ns` for a namespaced type means "all namespaces" (valid for list/watch only; the
// single-object builders reject it). Cluster-scoped types ignore `ns`.
std::string resource_path(const ResourceType& type, std::string_view ns,
                          std::string_view name = {}, std::string_view subresource = {});

// "?labelSelector=...&limit=..." (empty when no option is set). Parameters in a fixed order.
std::string list_query(const ListOptions& options);

HttpRequest build_get(const ResourceType& type, std::string_view ns, std::string_view name);
HttpRequest build_list(const ResourceType& type, std::string_view ns,
                       const ListOptions& options = {});
// Same as build_list with watch=true forced.
HttpRequest build_watch(const ResourceType& type, std::string_view ns,
                        const ListOptions& options = {});
// Fills apiVersion/kind when the object lacks them; metadata.namespace must be absent or `ns`.
HttpRequest build_create(const ResourceType& type, std::string_view ns,
                         const nlohmann::json& object, const WriteOptions& options = {});
// PUT to metadata.name (required). The object's resourceVersion, when set, makes it a
// compare-and-swap (409 Conflict when stale).
HttpRequest build_update(const ResourceType& type, std::string_view ns,
                         const nlohmann::json& object, const WriteOptions& options = {});
HttpRequest build_update_status(const ResourceType& type, std::string_view ns,
                                const nlohmann::json& object, const WriteOptions& options = {});
// Merge/strategic patches must be JSON objects; a JSON patch must be an array of operations.
HttpRequest build_patch(const ResourceType& type, std::string_view ns, std::string_view name,
                        PatchType patch_type, const nlohmann::json& patch, bool status = false,
                        const WriteOptions& options = {});
HttpRequest build_delete(const ResourceType& type, std::string_view ns, std::string_view name,
                         const DeleteOptions& options = {});
HttpRequest build_delete_collection(const ResourceType& type, std::string_view ns,
                                    const ListOptions& selection,
                                    const DeleteOptions& options = {});
HttpRequest build_pod_log(std::string_view ns, std::string_view pod,
                          const PodLogOptions& options = {});

// A JSON merge patch that sets metadata.resourceVersion too, for conditional merge patches.
nlohmann::json with_resource_version(nlohmann::json merge_patch, std::string_view resource_version);

}  // namespace redraft::runtime
