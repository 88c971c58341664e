#include "resource_store.hpp"

#include "api_errors.hpp"
#include "encoding.hpp"
#include "object_meta.hpp"
#include "pod_rules.hpp"
#include "regex_cache.hpp"
#include "schema.hpp"
#include "selectors.hpp"

#include <algorithm>

namespace redraft::devserver {

using nlohmann::json;

namespace {

constexpr const char* kCrdResource = "customresourcedefinitions.apiextensions.k8s.io";
constexpr const char* kNamespaceResource = "namespaces";
constexpr const char* kPodResource = "pods";

const json& meta(const json& obj) {
  static const json kEmpty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

std::string meta_str(const json& obj, const char* key) {
  const json& m = meta(obj);
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

// Identity fields must be strings before anything reads them; name the field otherwise.
void check_identity_types(const ResourceInfo& info, const json& md) {
  std::vector<FieldCause> causes;
  for (const char* f : {"name", "generateName", "namespace", "resourceVersion", "uid"})
    if (md.contains(f) && !md[f].is_string() && !md[f].is_null())
      causes.push_back({"FieldValueTypeInvalid", "Invalid value: " + md[f].dump() + ": must be a string",
                        std::string("metadata.") + f});
  if (!causes.empty()) throw invalid(info.group, info.kind, "", causes);
}

bool has_finalizers(const json& obj) {
  const json& m = meta(obj);
  auto it = m.find("finalizers");
  return it != m.end() && it->is_array() && !it->empty();
}

// A marked object whose grace period is over (or never had one): removable once no finalizer
// holds it. A terminating pod with grace left waits for its node's final DELETE.
bool grace_over(const json& obj) {
  const json& m = meta(obj);
  auto it = m.find("deletionGracePeriodSeconds");
  return it == m.end() || !it->is_number() || it->get<long>() <= 0;
}

// Kind-specific normalisation the real apiserver does on every write.
void normalise(const ResourceInfo& info, json& obj) {
  if (info.group.empty() && info.plural == "secrets") {
    // stringData is write-only sugar for base64 data.
    if (auto sd = obj.find("stringData"); sd != obj.end()) {
      if (sd->is_object())
        for (auto it = sd->begin(); it != sd->end(); ++it)
          if (it->is_string()) obj["data"][it.key()] = base64_encode(it->get<std::string>());
      obj.erase("stringData");
    }
    if (!obj.contains("type")) obj["type"] = "Opaque";
  }
  if (info.group.empty() && info.plural == "namespaces") {
    obj["status"]["phase"] = meta(obj).contains("deletionTimestamp") ? "Terminating" : "Active";
  }
  if (info.group.empty() && info.plural == "pods" && !obj.contains("status"))
    obj["status"] = {{"phase", "Pending"}};
}

// A CRD as the apiserver reports it once accepted: names accepted, Established.
void mark_crd_established(json& crd) {
  const std::string now = now_rfc3339();
  crd["status"]["acceptedNames"] = crd["spec"]["names"];
  crd["status"]["storedVersions"] = json::array();
  for (const auto& v : crd["spec"]["versions"])
    if (v.value("storage", false)) crd["status"]["storedVersions"].push_back(v.value("name", ""));
  crd["status"]["conditions"] = {
      {{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
       {"message", "no conflicts found"}, {"lastTransitionTime", now}},
      {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
       {"message", "the initial names have been accepted"}, {"lastTransitionTime", now}}};
}

std::string encode_continue(std::uint64_t rv, const std::string& ns, const std::string& name) {
  return base64_encode(json{{"rv", rv}, {"ns", ns}, {"name", name}}.dump());
}

}  // namespace

std::optional<FieldCause> check_object_name(const ResourceInfo& info, const std::string& name) {
  static const std::string kLabel = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  const bool label = info.group.empty() && (info.plural == "namespaces" || info.plural == "services");
  if (label) {
    if (name.size() > 63 || !regex_full_match(kLabel, name).value_or(false))
      return FieldCause{"FieldValueInvalid",
                        "Invalid value: \"" + name +
                            "\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                            "characters or '-', and must start and end with an alphanumeric character "
                            "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                        "metadata.name"};
    return std::nullopt;
  }
  if (name.size() > 253 || !regex_full_match(kDns1123SubdomainPattern, name).value_or(false))
    return FieldCause{"FieldValueInvalid",
                      "Invalid value: \"" + name +
                          "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                          "characters, '-' or '.', and must start and end with an alphanumeric "
                          "character (e.g. 'example.com', regex used for validation is "
                          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                      "metadata.name"};
  return std::nullopt;
}

bool spec_changed(const json& before, const json& after) {
  json a = before, b = after;
  for (json* o : {&a, &b}) {
    o->erase("metadata");
    o->erase("status");
    o->erase("apiVersion");
    o->erase("kind");
  }
  return a != b;
}

ResourceStore::ResourceStore(std::size_t history_size, std::chrono::milliseconds gc_delay)
    : store_(history_size), gc_delay_(gc_delay) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json obj = {{"apiVersion", "v1"},
                {"kind", "Namespace"},
                {"metadata", {{"name", ns}, {"uid", random_uid()}, {"creationTimestamp", now_rfc3339()},
                              {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                {"spec", {{"finalizers", {"kubernetes"}}}},
                {"status", {{"phase", "Active"}}}};
    store_.create(kNamespaceResource, "", obj);
  }
  if (gc_delay_.count() >= 0) gc_thread_ = std::thread([this] { collect_orphans(); });
}

ResourceStore::~ResourceStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  gc_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
}

std::optional<ResourceInfo> ResourceStore::resolve(const std::string& group,
                                                   const std::string& version,
                                                   const std::string& plural) const {
  std::lock_guard lock(mu_);
  const ResourceInfo* r = registry_.find(group, version, plural);
  if (!r) return std::nullopt;
  return *r;
}

std::string ResourceStore::current_rv() const {
  std::lock_guard lock(mu_);
  return std::to_string(store_.current_rv());
}

void ResourceStore::ensure_namespace(const std::string& ns) const {
  if (!store_.get(kNamespaceResource, "", ns)) throw not_found("", "namespaces", ns);
}

void ResourceStore::admit(const ResourceInfo& info, const std::string& name, json& obj,
                          const WriteOptions& opts) const {
  if (auto causes = validate_object_meta(obj["metadata"]); !causes.empty())
    throw invalid(info.group, info.kind, name, causes);
  if (!info.custom) return;
  std::vector<std::string> pruned;
  auto causes = admit_custom_resource(*info.schema, obj, &pruned);
  if (!pruned.empty() && (opts.field_validation == "Strict" || opts.field_validation == "Warn")) {
    std::string list;
    for (const auto& p : pruned) list += (list.empty() ? "" : ", ") + std::string("unknown field \"") + p + "\"";
    if (opts.field_validation == "Strict")
      throw bad_request(info.kind + " in version \"" + info.version + "\" cannot be handled as a " +
                        info.kind + ": strict decoding error: " + list);
    if (opts.warnings)
      for (const auto& p : pruned) opts.warnings->push_back("unknown field \"" + p + "\"");
  }
  if (!causes.empty()) throw invalid(info.group, info.kind, name, causes);
}

json ResourceStore::get(const ResourceInfo& info, const std::string& ns,
                        const std::string& name) const {
  std::lock_guard lock(mu_);
  const json* obj = store_.get(info.group_resource(), ns, name);
  if (!obj) throw not_found(info.group, info.plural, name);
  return *obj;
}

ListResult ResourceStore::list(const ResourceInfo& info, const std::string& ns,
                               const ListOptions& opts) const {
  const LabelSelector labels = LabelSelector::parse(opts.label_selector);
  const FieldSelector fields = FieldSelector::parse(opts.field_selector);
  if (opts.limit < 0) throw bad_request("limit must not be negative, got " + std::to_string(opts.limit));
  std::string after_ns, after_name;
  bool has_after = false;
  std::lock_guard lock(mu_);
  if (!opts.continue_token.empty()) {
    json token;
    if (auto raw = base64_decode(opts.continue_token)) token = json::parse(*raw, nullptr, false);
    if (!token.is_object() || !token.contains("rv") || !token.contains("ns") || !token.contains("name"))
      throw bad_request("continue key is not valid: \"" + opts.continue_token + "\"");
    if (token["rv"].get<std::uint64_t>() < store_.oldest_watchable_rv())
      throw gone("The provided continue parameter is too old to display a consistent list result. "
                 "You can start a new list without the continue parameter.");
    after_ns = token["ns"].get<std::string>();
    after_name = token["name"].get<std::string>();
    has_after = true;
  }
  ListResult out;
  out.resource_version = std::to_string(store_.current_rv());
  for (const json* obj : store_.list(info.group_resource(), ns)) {
    const std::string ons = meta_str(*obj, "namespace"), oname = meta_str(*obj, "name");
    if (has_after && std::make_pair(ons, oname) <= std::make_pair(after_ns, after_name)) continue;
    if (!labels.matches(*obj) || !fields.matches(*obj)) continue;
    if (opts.limit > 0 && static_cast<long>(out.items.size()) >= opts.limit) {
      ++out.remaining;
      continue;
    }
    out.items.push_back(*obj);
  }
  if (out.remaining > 0) {
    const json& last = out.items.back();
    out.continue_token = encode_continue(store_.current_rv(), meta_str(last, "namespace"), meta_str(last, "name"));
  }
  return out;
}

json ResourceStore::create(const ResourceInfo& info, const std::string& ns, json body,
                           const WriteOptions& opts) {
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  if (body.contains("kind") && body["kind"] != info.kind)
    throw bad_request("the kind of the object (" + body["kind"].dump() +
                      ") does not match the resource (" + info.kind + ")");
  body["kind"] = info.kind;
  body["apiVersion"] = info.api_version();
  if (!body.contains("metadata") || !body["metadata"].is_object()) body["metadata"] = json::object();
  json& md = body["metadata"];
  check_identity_types(info, md);
  const std::string body_ns = md.value("namespace", "");
  if (info.namespaced) {
    if (ns.empty()) throw bad_request("a namespace is required to create " + info.plural);
    if (!body_ns.empty() && body_ns != ns)
      throw bad_request("the namespace of the provided object (" + body_ns +
                        ") does not match the namespace sent on the request (" + ns + ")");
    md["namespace"] = ns;
  } else {
    md.erase("namespace");
  }
  std::string name = md.value("name", "");
  std::lock_guard lock(mu_);
  if (name.empty()) {
    const std::string prefix = md.value("generateName", "");
    if (prefix.empty())
      throw invalid(info.group, info.kind, "",
                    {{"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"}});
    do name = prefix + random_suffix(5);
    while (store_.get(info.group_resource(), ns, name));
    md["name"] = name;
  }
  if (auto bad = check_object_name(info, name)) throw invalid(info.group, info.kind, name, {*bad});
  if (info.namespaced) ensure_namespace(ns);
  if (store_.get(info.group_resource(), info.namespaced ? ns : "", name))
    throw already_exists(info.group, info.plural, name);
  md["uid"] = random_uid();
  md["creationTimestamp"] = now_rfc3339();
  md["generation"] = 1;
  md.erase("resourceVersion");
  md.erase("deletionTimestamp");
  md.erase("deletionGracePeriodSeconds");
  md.erase("managedFields");
  if (info.custom && info.status_subresource) body.erase("status");  // status is written via /status
  normalise(info, body);
  admit(info, name, body, opts);
  if (info.group_resource() == kCrdResource) {
    auto causes = validate_crd(body);
    if (!causes.empty()) throw invalid(info.group, info.kind, name, causes);
    mark_crd_established(body);
  }
  if (opts.dry_run) return body;
  if (info.group_resource() == kCrdResource) registry_.apply_crd(body);
  json stored = store_.create(info.group_resource(), info.namespaced ? ns : "", std::move(body));
  schedule_gc_check(info.group_resource(), stored);
  return stored;
}

json ResourceStore::update(const ResourceInfo& info, const std::string& ns, const std::string& name,
                           json body, const std::string& subresource, const WriteOptions& opts) {
  std::lock_guard lock(mu_);
  return update_locked(info, ns, name, std::move(body), subresource, opts);
}

json ResourceStore::update_locked(const ResourceInfo& info, const std::string& ns,
                                  const std::string& name, json body,
                                  const std::string& subresource, const WriteOptions& opts) {
  const std::string gr = info.group_resource();
  const json* cur_ptr = store_.get(gr, ns, name);
  if (!cur_ptr) throw not_found(info.group, info.plural, name);
  const json cur = *cur_ptr;
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  if (!body.contains("metadata") || !body["metadata"].is_object()) body["metadata"] = json::object();
  check_identity_types(info, body["metadata"]);
  const std::string body_name = body["metadata"].value("name", "");
  if (!body_name.empty() && body_name != name)
    throw bad_request("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + name + ")");
  const std::string body_rv = body["metadata"].value("resourceVersion", "");
  if (!body_rv.empty() && body_rv != meta_str(cur, "resourceVersion"))
    throw conflict(info.group, info.plural, name);

  json next;
  if (subresource == "status") {
    next = cur;
    if (body.contains("status")) next["status"] = body["status"];
    else next.erase("status");
  } else {
    next = std::move(body);
    if (info.status_subresource && subresource.empty()) {
      if (cur.contains("status")) next["status"] = cur["status"];
      else next.erase("status");
    }
  }
  next["kind"] = info.kind;
  next["apiVersion"] = info.api_version();
  json& md = next["metadata"];
  const json& cmd = cur["metadata"];
  for (const char* keep : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                           "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    if (cmd.contains(keep)) md[keep] = cmd[keep];
    else md.erase(keep);
  }
  normalise(info, next);
  admit(info, name, next, opts);
  if (gr == kCrdResource) {
    auto causes = validate_crd(next);
    if (!causes.empty()) throw invalid(info.group, info.kind, name, causes);
    mark_crd_established(next);
    // Keep the conditions' timestamps stable so a no-op update stays a no-op.
    if (cur.contains("status") && cur["status"].contains("conditions"))
      next["status"]["conditions"] = cur["status"]["conditions"];
  }
  if (spec_changed(cur, next)) md["generation"] = cmd.value("generation", 1) + 1;
  if (next == cur) return cur;  // nothing changed: no new resourceVersion, no event
  if (opts.dry_run) return next;
  if (gr == kCrdResource) registry_.apply_crd(next);
  json stored = store_.update(gr, ns, next);
  if (meta(stored).value("ownerReferences", json()) != meta(cur).value("ownerReferences", json()))
    schedule_gc_check(gr, stored);
  if (stored["metadata"].contains("deletionTimestamp") && !has_finalizers(stored) && grace_over(stored)) {
    remove_now(gr, ns, name, "Background");
  }
  return stored;
}

json ResourceStore::patch(const ResourceInfo& info, const std::string& ns, const std::string& name,
                          PatchType type, const json& patch, const std::string& subresource,
                          const WriteOptions& opts) {
  // Unsupported patch types are refused before anything else, so the answer does not depend on
  // whether the object exists (server-side apply would otherwise look like a 404).
  if (type == PatchType::kApply)
    throw unsupported_media_type("server-side apply (application/apply-patch+yaml) is not "
                                 "supported by redraft-devserver; use client-side apply");
  std::lock_guard lock(mu_);
  const json* cur = store_.get(info.group_resource(), ns, name);
  if (!cur) throw not_found(info.group, info.plural, name);
  json next;
  switch (type) {
    case PatchType::kMerge: next = apply_merge_patch(*cur, patch); break;
    case PatchType::kJson: next = apply_json_patch(*cur, patch); break;
    case PatchType::kStrategic:
      if (info.custom)
        throw unsupported_media_type(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json");
      next = apply_strategic_merge_patch(*cur, patch);
      break;
    case PatchType::kApply:
      throw unsupported_media_type("server-side apply (application/apply-patch+yaml) is not "
                                   "supported by redraft-devserver; use client-side apply");
    case PatchType::kUnknown:
      throw unsupported_media_type(
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json-patch+json, application/merge-patch+json, "
          "application/strategic-merge-patch+json");
  }
  return update_locked(info, ns, name, std::move(next), subresource, opts);
}

json ResourceStore::remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                           const DeleteOptions& opts) {
  std::lock_guard lock(mu_);
  const json* cur = store_.get(info.group_resource(), ns, name);
  if (!cur) throw not_found(info.group, info.plural, name);
  if (!opts.precondition_uid.empty() && opts.precondition_uid != meta_str(*cur, "uid"))
    throw conflict(info.group, info.plural, name,
                   "Precondition failed: UID in precondition: " + opts.precondition_uid +
                       ", UID in object meta: " + meta_str(*cur, "uid"));
  if (!opts.precondition_rv.empty() && opts.precondition_rv != meta_str(*cur, "resourceVersion"))
    throw conflict(info.group, info.plural, name,
                   "Precondition failed: ResourceVersion in precondition: " + opts.precondition_rv +
                       ", ResourceVersion in object meta: " + meta_str(*cur, "resourceVersion"));
  if (opts.dry_run) return *cur;
  return delete_locked(info.group_resource(), ns, name, opts);
}

void ResourceStore::bind(const std::string& ns, const std::string& pod_name, const json& binding) {
  const std::string name = binding_pod_name(binding, pod_name);
  std::lock_guard lock(mu_);
  const json* pod = store_.get(kPodResource, ns, name);
  if (!pod) throw not_found("", kPodResource, name);
  store_.update(kPodResource, ns, bind_pod(*pod, binding, pod_name, now_rfc3339()));
}

std::vector<json> ResourceStore::remove_collection(const ResourceInfo& info, const std::string& ns,
                                                   const ListOptions& selection,
                                                   const DeleteOptions& opts) {
  ListOptions all = selection;
  all.limit = 0;
  all.continue_token.clear();
  const ListResult victims = list(info, ns, all);
  std::vector<json> out;
  std::lock_guard lock(mu_);
  for (const auto& v : victims.items) {
    const std::string vns = meta_str(v, "namespace"), vname = meta_str(v, "name");
    if (!store_.get(info.group_resource(), vns, vname)) continue;  // cascaded away already
    out.push_back(opts.dry_run ? v : delete_locked(info.group_resource(), vns, vname, opts));
  }
  return out;
}

json ResourceStore::delete_locked(const std::string& gr, const std::string& ns,
                                  const std::string& name, const DeleteOptions& opts) {
  const json* cur = store_.get(gr, ns, name);
  if (!cur) return json();
  // Graceful deletion (pods only): a pod still running on a node is marked with
  // deletionTimestamp/deletionGracePeriodSeconds; the node stops it and sends the final DELETE
  // with gracePeriodSeconds 0. Other kinds always proceed.
  const long grace_for_new = gr == kPodResource ? pod_grace_period(*cur, opts.grace_period_seconds) : 0;
  GracefulDeletion graceful = decide_graceful_deletion(*cur, grace_for_new, opts.grace_period_seconds,
                                                       std::chrono::system_clock::now());
  if (graceful.action == GracefulDeletion::Action::kPending) return *cur;
  if (graceful.action == GracefulDeletion::Action::kMark) return store_.update(gr, ns, std::move(graceful.object));
  if (opts.propagation == "Foreground") {
    // Dependents go first, as the garbage collector's foregroundDeletion does (done in place:
    // a dependent held by its own finalizers is marked, and the owner does not wait for it).
    cascade(meta_str(*cur, "uid"), "Foreground");
    cur = store_.get(gr, ns, name);
    if (!cur) return json();
  }
  if (has_finalizers(*cur)) {
    // Finalizers hold the object: mark it, and let whoever owns a finalizer remove it.
    json marked = *cur;
    const json& gmd = graceful.object["metadata"];
    if (gmd.contains("deletionTimestamp")) {  // a shortened grace period (now 0) is kept
      marked["metadata"]["deletionTimestamp"] = gmd["deletionTimestamp"];
      marked["metadata"]["deletionGracePeriodSeconds"] = gmd.value("deletionGracePeriodSeconds", 0);
    } else {
      marked["metadata"]["deletionTimestamp"] = now_rfc3339();
      marked["metadata"]["deletionGracePeriodSeconds"] = 0;
    }
    if (gr == kNamespaceResource) marked["status"]["phase"] = "Terminating";
    if (marked == *cur) return *cur;
    return store_.update(gr, ns, std::move(marked));
  }
  json last = *cur;
  remove_now(gr, ns, name, opts.propagation);
  return last;
}

void ResourceStore::remove_now(const std::string& gr, const std::string& ns,
                               const std::string& name, const std::string& propagation) {
  json gone_obj = store_.remove(gr, ns, name);
  if (gone_obj.is_null()) return;
  if (gr == kCrdResource) {
    // Deleting a CRD deletes every instance and stops serving the resource.
    const json& spec = gone_obj["spec"];
    const std::string instances = spec["names"].value("plural", "") + "." + spec.value("group", "");
    std::vector<std::pair<std::string, std::string>> keys;  // cascades may remove some first
    for (const json* obj : store_.list(instances, ""))
      keys.emplace_back(meta_str(*obj, "namespace"), meta_str(*obj, "name"));
    // remove_now, so dependents of an instance (say, its pods) are collected as well.
    for (const auto& [ins_ns, ins_name] : keys) remove_now(instances, ins_ns, ins_name, "Background");
    registry_.remove_crd(name);
  }
  if (gr == kNamespaceResource) {
    for (const std::string& other : store_.group_resources()) {
      std::vector<std::string> names;
      for (const json* obj : store_.list(other, name)) names.push_back(meta_str(*obj, "name"));
      for (const auto& n : names) delete_locked(other, name, n, {});
    }
  }
  cascade(meta_str(gone_obj, "uid"), propagation);
}


void ResourceStore::cascade(const std::string& owner_uid, const std::string& propagation) {
  if (owner_uid.empty()) return;
  std::vector<std::pair<std::string, json>> dependents;
  for (const auto& [gr, obj] : store_.owned_by(owner_uid)) dependents.emplace_back(gr, *obj);
  for (auto& [gr, dep] : dependents) {
    const std::string dns = meta_str(dep, "namespace"), dname = meta_str(dep, "name");
    if (!store_.get(gr, dns, dname)) continue;
    bool other_owner_alive = false;
    json kept = json::array();
    for (const auto& ref : dep["metadata"]["ownerReferences"]) {
      if (ref.value("uid", "") == owner_uid) continue;
      kept.push_back(ref);
      other_owner_alive = other_owner_alive || owner_alive(ref, dns);
    }
    if (propagation == "Orphan" || other_owner_alive) {
      // The garbage collector only drops the dangling reference.
      if (kept.empty()) dep["metadata"].erase("ownerReferences");
      else dep["metadata"]["ownerReferences"] = kept;
      store_.update(gr, dns, dep);
    } else {
      DeleteOptions dep_opts;
      dep_opts.propagation = propagation == "Foreground" ? "Foreground" : "Background";
      delete_locked(gr, dns, dname, dep_opts);
    }
  }
}

bool ResourceStore::owner_alive(const json& ref, const std::string& dependent_ns) const {
  if (!ref.is_object()) return false;
  auto uid = ref.find("uid");
  if (uid == ref.end() || !uid->is_string()) return false;
  auto where = store_.locate_uid(uid->get<std::string>());
  if (!where) return false;
  // An ownerReference carries no namespace: the owner is in the dependent's namespace or is
  // cluster-scoped. A namespaced dependent elsewhere, or another name, is not this owner.
  const auto& [owner_ns, owner_name] = *where;
  if (ref.value("name", "") != owner_name) return false;
  return owner_ns.empty() || owner_ns == dependent_ns;
}

void ResourceStore::schedule_gc_check(const std::string& gr, const json& obj) {
  if (!gc_thread_.joinable()) return;
  const json& md = meta(obj);
  auto refs = md.find("ownerReferences");
  if (refs == md.end() || !refs->is_array() || refs->empty()) return;
  const std::string ns = meta_str(obj, "namespace");
  for (const auto& ref : *refs)
    if (owner_alive(ref, ns)) return;
  gc_queue_.push_back({gr, ns, meta_str(obj, "name"), meta_str(obj, "uid"),
                       std::chrono::steady_clock::now() + gc_delay_});
  gc_cv_.notify_all();
}

// What the real garbage collector does for a dependent it finds with owners that are all gone
// (say, created by a controller acting on a stale cache after the owner was deleted): delete it
// in the background. Runs a little after the write, like the real one, so the create succeeds.
void ResourceStore::collect_orphans() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (gc_queue_.empty()) {
      gc_cv_.wait(lock);
      continue;
    }
    const auto due = gc_queue_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      gc_cv_.wait_until(lock, due);
      continue;
    }
    GcCandidate c = std::move(gc_queue_.front());
    gc_queue_.pop_front();
    try {
      collect_one(c.gr, c.ns, c.name, c.uid);
    } catch (const std::exception&) {
      // Nothing to report to: the object stays, as it would if the real collector failed.
    }
  }
}

void ResourceStore::collect_one(const std::string& gr, const std::string& ns,
                                const std::string& name, const std::string& uid) {
  const json* cur = store_.get(gr, ns, name);
  if (!cur || meta_str(*cur, "uid") != uid) return;  // gone, or replaced by another object
  const json& md = meta(*cur);
  auto refs = md.find("ownerReferences");
  if (refs == md.end() || !refs->is_array() || refs->empty()) return;  // owners dropped since
  for (const auto& ref : *refs)
    if (owner_alive(ref, ns)) return;
  DeleteOptions opts;  // Background, and a bound pod goes through graceful deletion
  delete_locked(gr, ns, name, opts);
}

WatchStart ResourceStore::watch(const ResourceInfo& info, const std::string& ns,
                                const std::string& resource_version) {
  WatchStart out;
  std::lock_guard lock(mu_);
  const std::string gr = info.group_resource();
  if (resource_version.empty() || resource_version == "0") {
    for (const json* obj : store_.list(gr, ns)) {
      WatchEvent e;
      e.type = "ADDED";
      e.group_resource = gr;
      e.ns = meta_str(*obj, "namespace");
      e.object = *obj;
      out.initial.push_back(std::move(e));
    }
    std::vector<WatchEvent> none;
    out.watcher = store_.watch(gr, ns, store_.current_rv(), none);
    return out;
  }
  std::uint64_t from = 0;
  try {
    std::size_t used = 0;
    from = std::stoull(resource_version, &used);
    if (used != resource_version.size()) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    throw bad_request("invalid resourceVersion \"" + resource_version + "\": must be an integer");
  }
  // A version from the future is treated as "now" (the real server would wait for it).
  from = std::min(from, store_.current_rv());
  out.watcher = store_.watch(gr, ns, from, out.initial);
  return out;
}

std::optional<std::string> ResourceStore::bookmark_rv(const Watcher& w) const {
  std::lock_guard lock(mu_);
  if (w.pending() > 0) return std::nullopt;
  return std::to_string(store_.current_rv());
}

void ResourceStore::compact() {
  std::lock_guard lock(mu_);
  store_.compact();
}

std::size_t ResourceStore::open_watches() const {
  std::lock_guard lock(mu_);
  return store_.open_watchers();
}

void ResourceStore::close_watchers() {
  std::lock_guard lock(mu_);
  store_.close_all_watchers();
}

}  // namespace redraft::devserver
