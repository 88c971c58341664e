#include "resource_registry.hpp"

#include "api_errors.hpp"
#include "builtin_printers.hpp"

namespace redraft::devserver {
namespace {

using nlohmann::json;

std::string key_of(const std::string& g, const std::string& v, const std::string& p) {
  return g + "/" + v + "/" + p;
}

ResourceInfo builtin(std::string group, std::string version, std::string plural,
                     std::string singular, std::string kind, bool namespaced,
                     std::vector<std::string> short_names = {}, bool status = false) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.plural = std::move(plural);
  r.singular = std::move(singular);
  r.kind = std::move(kind);
  r.namespaced = namespaced;
  r.short_names = std::move(short_names);
  r.status_subresource = status;
  return r;
}

PrinterColumn col(std::string name, std::string type, std::string path) {
  return PrinterColumn{std::move(name), std::move(type), std::move(path), "", "", 0, ""};
}

// A column kube-apiserver computes (see builtin_printers.hpp); priority 1 shows with -o wide.
PrinterColumn computed(std::string name, std::string type, const char* printer, int priority = 0) {
  return PrinterColumn{std::move(name), std::move(type), "", "", "", priority, printer};
}

PrinterColumn wide(std::string name, std::string path) {
  return PrinterColumn{std::move(name), "string", std::move(path), "", "", 1, ""};
}

PrinterColumn age() { return col("Age", "date", ".metadata.creationTimestamp"); }

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

ResourceRegistry::ResourceRegistry() {
  auto ns = builtin("", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, true);
  ns.columns = {col("Status", "string", ".status.phase"), age()};
  add(ns);
  add(builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}));
  add(builtin("", "v1", "secrets", "secret", "Secret", true));
  add(builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}));
  auto pods = builtin("", "v1", "pods", "pod", "Pod", true, {"po"}, true);
  pods.log_subresource = true;
  pods.binding_subresource = true;
  pods.categories = {"all"};
  // What `kubectl get pods [-o wide]` shows on a real cluster.
  pods.columns = {computed("Ready", "string", kPodReady), computed("Status", "string", kPodStatus),
                  computed("Restarts", "integer", kPodRestarts), age(), wide("IP", ".status.podIP"),
                  wide("Node", ".spec.nodeName")};
  add(pods);
  // What a scheduler (or `redraft-localnode --bind-unscheduled`) posts to put a pod on a node.
  auto bindings = builtin("", "v1", "bindings", "binding", "Binding", true);
  bindings.review_only = true;
  bindings.binding = true;
  add(bindings);
  auto nodes = builtin("", "v1", "nodes", "node", "Node", false, {"no"}, true);
  nodes.columns = {computed("Status", "string", kNodeStatus), computed("Roles", "string", kNodeRoles), age(),
                   col("Version", "string", ".status.nodeInfo.kubeletVersion"),
                   computed("Internal-IP", "string", kNodeInternalIp, 1)};
  add(nodes);
  auto svc = builtin("", "v1", "services", "service", "Service", true, {"svc"}, true);
  svc.categories = {"all"};
  add(svc);
  add(builtin("", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}));
  // What `kubectl get events` shows on a real cluster (plus the name, which it hides).
  auto core_events = builtin("", "v1", "events", "event", "Event", true, {"ev"});
  core_events.columns = {col("Last Seen", "date", ".lastTimestamp"), col("Type", "string", ".type"),
                         col("Reason", "string", ".reason"), col("Object", "string", ".involvedObject.name"),
                         col("Message", "string", ".message")};
  add(core_events);
  add(builtin("", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
              "PersistentVolumeClaim", true, {"pvc"}, true));
  auto events = builtin("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"});
  events.columns = {col("Type", "string", ".type"), col("Reason", "string", ".reason"),
                    col("Object", "string", ".regarding.name"), col("Note", "string", ".note"), age()};
  add(events);
  auto leases = builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true);
  leases.columns = {col("Holder", "string", ".spec.holderIdentity"), age()};
  add(leases);
  for (auto [plural, singular, kind, shorts] :
       std::vector<std::tuple<std::string, std::string, std::string, std::vector<std::string>>>{
           {"deployments", "deployment", "Deployment", {"deploy"}},
           {"replicasets", "replicaset", "ReplicaSet", {"rs"}},
           {"statefulsets", "statefulset", "StatefulSet", {"sts"}},
           {"daemonsets", "daemonset", "DaemonSet", {"ds"}}}) {
    auto r = builtin("apps", "v1", plural, singular, kind, true, shorts, true);
    r.categories = {"all"};
    add(r);
  }
  add(builtin("batch", "v1", "jobs", "job", "Job", true, {}, true));
  add(builtin("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true));
  add(builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding",
              true));
  add(builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole",
              false));
  add(builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
              "ClusterRoleBinding", false));
  add(builtin("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy",
              true, {"netpol"}));
  add(builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
              "PodDisruptionBudget", true, {"pdb"}, true));
  // Access reviews answer "allowed": the devserver enforces no RBAC (see README).
  for (auto [plural, singular, kind, namespaced] :
       std::vector<std::tuple<std::string, std::string, std::string, bool>>{
           {"selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false},
           {"subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false},
           {"localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", true}}) {
    auto r = builtin("authorization.k8s.io", "v1", plural, singular, kind, namespaced);
    r.review_only = true;
    add(r);
  }
  add(builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions",
              "customresourcedefinition", "CustomResourceDefinition", false, {"crd", "crds"},
              true));
}

void ResourceRegistry::add(ResourceInfo info) {
  resources_[key_of(info.group, info.version, info.plural)] = std::move(info);
}

const ResourceInfo* ResourceRegistry::find(const std::string& group, const std::string& version,
                                           const std::string& plural) const {
  auto it = resources_.find(key_of(group, version, plural));
  return it == resources_.end() ? nullptr : &it->second;
}

const ResourceInfo* ResourceRegistry::find_any_version(const std::string& group,
                                                       const std::string& plural) const {
  for (const auto& [k, r] : resources_)
    if (r.group == group && r.plural == plural) return &r;
  return nullptr;
}

const ResourceInfo* ResourceRegistry::find_by_kind(const std::string& api_version,
                                                   const std::string& kind) const {
  for (const auto& [k, r] : resources_)
    if (r.api_version() == api_version && r.kind == kind) return &r;
  return nullptr;
}

std::vector<const ResourceInfo*> ResourceRegistry::all() const {
  std::vector<const ResourceInfo*> out;
  for (const auto& [k, r] : resources_) out.push_back(&r);
  return out;
}

std::vector<FieldCause> validate_crd(const json& crd) {
  std::vector<FieldCause> causes;
  auto required = [&](const std::string& field) {
    causes.push_back({"FieldValueRequired", "Required value", field});
  };
  const json spec = crd.value("spec", json::object());
  const std::string group = str(spec, "group");
  const json names = spec.value("names", json::object());
  const std::string plural = str(names, "plural");
  if (group.empty()) required("spec.group");
  if (plural.empty()) required("spec.names.plural");
  if (str(names, "kind").empty()) required("spec.names.kind");
  const std::string scope = str(spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster")
    causes.push_back({"FieldValueNotSupported",
                      "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"",
                      "spec.scope"});
  const json versions = spec.value("versions", json::array());
  if (!versions.is_array() || versions.empty()) required("spec.versions");
  else
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const std::string at = "spec.versions[" + std::to_string(i) + "]";
      if (!versions[i].is_object() || str(versions[i], "name").empty()) {
        required(at + ".name");
        continue;
      }
      const json& v = versions[i];
      for (const char* flag : {"served", "storage"})
        if (v.contains(flag) && !v[flag].is_boolean())
          causes.push_back({"FieldValueTypeInvalid", std::string("Invalid value: must be a boolean"), at + "." + flag});
      if (v.contains("schema") && !(v["schema"].is_object() && v["schema"].value("openAPIV3Schema", json::object()).is_object()))
        causes.push_back({"FieldValueInvalid", "Invalid value: must be an object", at + ".schema.openAPIV3Schema"});
      if (v.contains("additionalPrinterColumns")) {
        const json& cols = v["additionalPrinterColumns"];
        for (std::size_t c = 0; cols.is_array() && c < cols.size(); ++c)
          if (!cols[c].is_object() || str(cols[c], "name").empty() || str(cols[c], "jsonPath").empty())
            required(at + ".additionalPrinterColumns[" + std::to_string(c) + "].name/jsonPath");
      }
    }
  if (!names.is_object()) required("spec.names");
  const std::string name = crd.value("metadata", json::object()).value("name", "");
  if (!group.empty() && !plural.empty() && name != plural + "." + group)
    causes.push_back({"FieldValueInvalid",
                      "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group",
                      "metadata.name"});
  return causes;
}

void ResourceRegistry::apply_crd(const json& crd) {
  const std::string name = crd["metadata"].value("name", "");
  auto causes = validate_crd(crd);
  if (!causes.empty()) throw invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, causes);
  remove_crd(name);
  const json& spec = crd["spec"];
  const json& names = spec["names"];
  std::vector<std::string> keys;
  for (const auto& v : spec["versions"]) {
    if (!v.value("served", true)) continue;
    ResourceInfo r;
    r.group = spec["group"].get<std::string>();
    r.version = v.value("name", "");
    r.plural = names["plural"].get<std::string>();
    r.singular = str(names, "singular");
    if (r.singular.empty()) {
      r.singular = str(names, "kind");
      for (auto& c : r.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    r.kind = names["kind"].get<std::string>();
    r.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    r.short_names = string_list(names.value("shortNames", json::array()));
    r.categories = string_list(names.value("categories", json::array()));
    r.custom = true;
    r.storage_version = v.value("storage", false);
    const json sub = v.value("subresources", json::object());
    r.status_subresource = sub.contains("status");
    const json sch = v.value("schema", json::object());
    r.schema = std::make_shared<const json>(sch.contains("openAPIV3Schema") ? sch["openAPIV3Schema"] : json());
    for (const auto& c : v.value("additionalPrinterColumns", json::array())) {
      PrinterColumn pc;
      pc.name = str(c, "name");
      pc.type = str(c, "type");
      pc.json_path = str(c, "jsonPath");
      pc.description = str(c, "description");
      pc.format = str(c, "format");
      pc.priority = c.value("priority", 0);
      r.columns.push_back(pc);
    }
    keys.push_back(key_of(r.group, r.version, r.plural));
    add(std::move(r));
  }
  crd_keys_[name] = keys;
}

void ResourceRegistry::remove_crd(const std::string& crd_name) {
  auto it = crd_keys_.find(crd_name);
  if (it == crd_keys_.end()) return;
  for (const auto& k : it->second) resources_.erase(k);
  crd_keys_.erase(it);
}

}  // namespace redraft::devserver
