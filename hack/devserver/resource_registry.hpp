// Which resources the server serves: the built-in kinds plus whatever the stored CRDs declare.
// Pure data: no locking here (the API layer serialises access).
#pragma once

#include "api_errors.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace redraft::devserver {

struct PrinterColumn {
  std::string name;
  std::string type;  // string | integer | number | boolean | date
  std::string json_path;
  std::string description;
  std::string format;
  int priority = 0;
  std::string computed = {};  // built-in kinds: a printer from builtin_printers.hpp, not json_path
};

// One served group/version/resource.
struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool status_subresource = false;
  bool log_subresource = false;  // pods/log
  bool binding_subresource = false;  // pods/binding
  bool binding = false;          // core/v1 bindings: create-only, binds the pod it names
  bool custom = false;           // defined by a CRD
  bool storage_version = true;   // the preferred version of its group in discovery
  bool review_only = false;      // create-only, never stored (access reviews, bindings)
  // CRD-only: openAPIV3Schema (null when none) and additionalPrinterColumns. Shared and
  // immutable: every request copies its ResourceInfo, and a CRD schema is tens of kilobytes.
  std::shared_ptr<const nlohmann::json> schema = std::make_shared<const nlohmann::json>();
  std::vector<PrinterColumn> columns;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // Storage identity shared by all versions of the resource: "deployments.apps", "pods".
  std::string group_resource() const { return group.empty() ? plural : plural + "." + group; }
};

class ResourceRegistry {
 public:
  ResourceRegistry();  // registers the built-in kinds

  const ResourceInfo* find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  // Any served version of group/plural (used when a CRD changes or for cascades).
  const ResourceInfo* find_any_version(const std::string& group, const std::string& plural) const;
  const ResourceInfo* find_by_kind(const std::string& api_version, const std::string& kind) const;
  std::vector<const ResourceInfo*> all() const;

  // Replaces every resource defined by this CRD (keyed by metadata.name) with what `crd`
  // declares now. Throws ApiError(422) naming the field when the CRD itself is malformed.
  void apply_crd(const nlohmann::json& crd);
  void remove_crd(const std::string& crd_name);

 private:
  void add(ResourceInfo info);
  std::map<std::string, ResourceInfo> resources_;  // key: group/version/plural
  std::map<std::string, std::vector<std::string>> crd_keys_;  // crd name -> keys
};

// Validates the parts of a CRD the server relies on; returns the causes (empty = fine).
std::vector<FieldCause> validate_crd(const nlohmann::json& crd);

}  // namespace redraft::devserver
