#include "openapi.hpp"

#include <functional>
#include <set>

namespace redraft::devserver {

using nlohmann::json;

namespace {

std::string gv_path(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

json gvk(const ResourceInfo& r) {
  return {{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
}

json query_param(const char* name) {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}};
}

json operation(const ResourceInfo& r, const char* action, const std::string& schema_ref, bool with_body) {
  json op = {{"x-kubernetes-group-version-kind", gvk(r)},
             {"x-kubernetes-action", action},
             {"parameters", {query_param("dryRun"), query_param("fieldManager"), query_param("fieldValidation")}},
             {"responses", {{"200", {{"description", "OK"},
                                     {"content", {{"application/json", {{"schema", {{"$ref", schema_ref}}}}}}}}}}}};
  if (with_body) {
    // Strategic merge patch is deliberately not advertised, so kubectl computes apply patches
    // from its compiled-in types instead of from these (schema-less) built-in documents.
    json content = json::object();
    if (std::string(action) == "patch") {
      content["application/merge-patch+json"] = {{"schema", {{"type", "object"}}}};
      content["application/json-patch+json"] = {{"schema", {{"type", "object"}}}};
    } else {
      content["application/json"] = {{"schema", {{"$ref", schema_ref}}}};
    }
    op["requestBody"] = {{"content", content}};
  }
  return op;
}

}  // namespace

json openapi_v3_root(const ResourceRegistry& reg) {
  // Every resource, the create-only access reviews included, is described in its group/version
  // document (as kube-apiserver does), so every served group/version has one to list.
  json paths = json::object();
  for (const auto* r : reg.all()) {
    const std::string p = gv_path(r->group, r->version);
    paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p}};
  }
  return {{"paths", paths}};
}

std::optional<json> openapi_v3_group_version(const ResourceRegistry& reg, const std::string& group,
                                             const std::string& version) {
  json paths = json::object();
  json schemas = json::object();
  bool any = false;
  for (const auto* r : reg.all()) {
    if (r->group != group || r->version != version) continue;
    any = true;
    const std::string schema_name =
        (r->group.empty() ? "io.k8s.api.core" : r->group) + "." + r->version + "." + r->kind;
    const std::string ref = "#/components/schemas/" + schema_name;
    json schema = r->custom && r->schema->is_object() ? *r->schema
                                                     : json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    schema["x-kubernetes-group-version-kind"] = json::array({gvk(*r)});
    schemas[schema_name] = schema;
    const std::string base = "/" + gv_path(r->group, r->version) +
                             (r->namespaced ? "/namespaces/{namespace}/" : "/") + r->plural;
    if (r->review_only) {
      // Access reviews are create-only and have no item path, like on a real server.
      paths[base] = {{"post", operation(*r, "post", ref, true)}};
      continue;
    }
    paths[base] = {{"get", operation(*r, "list", ref, false)}, {"post", operation(*r, "post", ref, true)}};
    paths[base + "/{name}"] = {{"get", operation(*r, "get", ref, false)},
                               {"put", operation(*r, "put", ref, true)},
                               {"patch", operation(*r, "patch", ref, true)},
                               {"delete", operation(*r, "delete", ref, false)}};
    if (r->status_subresource)
      paths[base + "/{name}/status"] = {{"get", operation(*r, "get", ref, false)},
                                        {"put", operation(*r, "put", ref, true)},
                                        {"patch", operation(*r, "patch", ref, true)}};
  }
  if (!any) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "redraft-devserver"}, {"version", "v1.32.0"}}},
              {"paths", paths},
              {"components", {{"schemas", schemas}}}};
}

}  // namespace redraft::devserver
