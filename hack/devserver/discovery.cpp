#include "discovery.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace redraft::devserver {

using nlohmann::json;

namespace {

json group_doc(const std::string& group, const std::vector<const ResourceInfo*>& infos) {
  std::vector<std::string> versions;
  std::string preferred;
  for (const auto* r : infos) {
    if (r->group != group) continue;
    if (std::find(versions.begin(), versions.end(), r->version) == versions.end())
      versions.push_back(r->version);
    if (r->storage_version && preferred.empty()) preferred = r->version;
  }
  if (preferred.empty() && !versions.empty()) preferred = versions.front();
  json g = {{"name", group}, {"versions", json::array()}};
  for (const auto& v : versions)
    g["versions"].push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  g["preferredVersion"] = {{"groupVersion", group + "/" + preferred}, {"version", preferred}};
  return g;
}

}  // namespace

json version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0-redraft-devserver"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "none"},
          {"compiler", "g++"},
          {"platform", "linux/amd64"}};
}

json api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json api_group_list(const ResourceRegistry& reg) {
  const auto infos = reg.all();
  std::set<std::string> groups;
  for (const auto* r : infos)
    if (!r->group.empty()) groups.insert(r->group);
  json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}};
  for (const auto& g : groups) list["groups"].push_back(group_doc(g, infos));
  return list;
}

std::optional<json> api_group(const ResourceRegistry& reg, const std::string& group) {
  const auto infos = reg.all();
  for (const auto* r : infos)
    if (r->group == group) {
      json g = group_doc(group, infos);
      g["kind"] = "APIGroup";
      g["apiVersion"] = "v1";
      return g;
    }
  return std::nullopt;
}

std::optional<json> api_resource_list(const ResourceRegistry& reg, const std::string& group,
                                      const std::string& version) {
  json resources = json::array();
  for (const auto* r : reg.all()) {
    if (r->group != group || r->version != version) continue;
    json res = {{"name", r->plural},
                {"singularName", r->singular},
                {"namespaced", r->namespaced},
                {"kind", r->kind},
                {"verbs", r->review_only ? json{"create"}
                                         : json{"create", "delete", "deletecollection", "get", "list", "patch",
                                                "update", "watch"}}};
    if (!r->short_names.empty()) res["shortNames"] = r->short_names;
    if (!r->categories.empty()) res["categories"] = r->categories;
    resources.push_back(res);
    if (r->status_subresource)
      resources.push_back({{"name", r->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", r->namespaced},
                           {"kind", r->kind},
                           {"verbs", {"get", "patch", "update"}}});
    if (r->binding_subresource)
      resources.push_back({{"name", r->plural + "/binding"},
                           {"singularName", ""},
                           {"namespaced", r->namespaced},
                           {"kind", "Binding"},
                           {"verbs", {"create"}}});
    if (r->log_subresource)
      resources.push_back({{"name", r->plural + "/log"},
                           {"singularName", ""},
                           {"namespaced", r->namespaced},
                           {"kind", r->kind},
                           {"verbs", {"get"}}});
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

}  // namespace redraft::devserver
