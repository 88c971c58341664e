#include "protobuf_decode.hpp"

#include "api_errors.hpp"
#include "encoding.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace redraft::devserver {

using nlohmann::json;

namespace {

// Field numbers follow k8s.io/api and k8s.io/apimachinery generated.proto; the wire format
// itself carries no names, so each message is a small table.
struct Message;
enum class Kind { kString, kBytes, kInt, kBool, kMessage, kMapString, kMapBytes, kRepeatedString, kRepeatedMessage, kTime };
struct Field {
  int number;
  const char* name;
  Kind kind;
  const Message* message = nullptr;
};
struct Message {
  std::vector<Field> fields;
};

const Message kOwnerReference{{{1, "kind", Kind::kString},
                               {3, "name", Kind::kString},
                               {4, "uid", Kind::kString},
                               {5, "apiVersion", Kind::kString},
                               {6, "controller", Kind::kBool},
                               {7, "blockOwnerDeletion", Kind::kBool}}};
const Message kObjectMeta{{{1, "name", Kind::kString},
                           {2, "generateName", Kind::kString},
                           {3, "namespace", Kind::kString},
                           {5, "uid", Kind::kString},
                           {6, "resourceVersion", Kind::kString},
                           {7, "generation", Kind::kInt},
                           {8, "creationTimestamp", Kind::kTime},
                           {9, "deletionTimestamp", Kind::kTime},
                           {10, "deletionGracePeriodSeconds", Kind::kInt},
                           {11, "labels", Kind::kMapString},
                           {12, "annotations", Kind::kMapString},
                           {13, "ownerReferences", Kind::kRepeatedMessage, &kOwnerReference},
                           {14, "finalizers", Kind::kRepeatedString}}};
const Message kConfigMap{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                          {2, "data", Kind::kMapString},
                          {3, "binaryData", Kind::kMapBytes},
                          {4, "immutable", Kind::kBool}}};
const Message kSecret{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                       {2, "data", Kind::kMapBytes},
                       {3, "type", Kind::kString},
                       {4, "stringData", Kind::kMapString},
                       {5, "immutable", Kind::kBool}}};
const Message kNamespaceSpec{{{1, "finalizers", Kind::kRepeatedString}}};
const Message kNamespaceStatus{{{1, "phase", Kind::kString}}};
const Message kNamespace{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                          {2, "spec", Kind::kMessage, &kNamespaceSpec},
                          {3, "status", Kind::kMessage, &kNamespaceStatus}}};
const Message kObjectReference{{{1, "kind", Kind::kString},
                                {2, "namespace", Kind::kString},
                                {3, "name", Kind::kString},
                                {4, "uid", Kind::kString},
                                {5, "apiVersion", Kind::kString},
                                {6, "resourceVersion", Kind::kString},
                                {7, "fieldPath", Kind::kString}}};
const Message kLocalObjectReference{{{1, "name", Kind::kString}}};
const Message kServiceAccount{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                               {2, "secrets", Kind::kRepeatedMessage, &kObjectReference},
                               {3, "imagePullSecrets", Kind::kRepeatedMessage, &kLocalObjectReference},
                               {4, "automountServiceAccountToken", Kind::kBool}}};
const Message kPreconditions{{{1, "uid", Kind::kString}, {2, "resourceVersion", Kind::kString}}};
const Message kDeleteOptions{{{1, "gracePeriodSeconds", Kind::kInt},
                              {2, "preconditions", Kind::kMessage, &kPreconditions},
                              {3, "orphanDependents", Kind::kBool},
                              {4, "propagationPolicy", Kind::kString},
                              {5, "dryRun", Kind::kRepeatedString}}};
// rbac.authorization.k8s.io/v1 (what `kubectl create role|clusterrole|rolebinding|
// clusterrolebinding` send) and the meta/v1 LabelSelector that aggregation rules hold.
const Message kLabelSelectorRequirement{{{1, "key", Kind::kString},
                                         {2, "operator", Kind::kString},
                                         {3, "values", Kind::kRepeatedString}}};
const Message kLabelSelector{{{1, "matchLabels", Kind::kMapString},
                              {2, "matchExpressions", Kind::kRepeatedMessage, &kLabelSelectorRequirement}}};
const Message kPolicyRule{{{1, "verbs", Kind::kRepeatedString},
                           {2, "apiGroups", Kind::kRepeatedString},
                           {3, "resources", Kind::kRepeatedString},
                           {4, "resourceNames", Kind::kRepeatedString},
                           {5, "nonResourceURLs", Kind::kRepeatedString}}};
const Message kAggregationRule{{{1, "clusterRoleSelectors", Kind::kRepeatedMessage, &kLabelSelector}}};
const Message kRole{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                     {2, "rules", Kind::kRepeatedMessage, &kPolicyRule}}};
const Message kClusterRole{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                            {2, "rules", Kind::kRepeatedMessage, &kPolicyRule},
                            {3, "aggregationRule", Kind::kMessage, &kAggregationRule}}};
const Message kSubject{{{1, "kind", Kind::kString},
                        {2, "apiGroup", Kind::kString},
                        {3, "name", Kind::kString},
                        {4, "namespace", Kind::kString}}};
const Message kRoleRef{{{1, "apiGroup", Kind::kString}, {2, "kind", Kind::kString}, {3, "name", Kind::kString}}};
// Role and cluster bindings share one wire layout.
const Message kBinding{{{1, "metadata", Kind::kMessage, &kObjectMeta},
                        {2, "subjects", Kind::kRepeatedMessage, &kSubject},
                        {3, "roleRef", Kind::kMessage, &kRoleRef}}};
const Message kTypeMeta{{{1, "apiVersion", Kind::kString}, {2, "kind", Kind::kString}}};
const Message kUnknown{{{1, "typeMeta", Kind::kMessage, &kTypeMeta},
                        {2, "raw", Kind::kBytes},
                        {3, "contentEncoding", Kind::kString},
                        {4, "contentType", Kind::kString}}};

// A kind the decoder knows, and the apiVersion it must arrive with (nullptr: any, because
// client-go sends DeleteOptions under the group of the resource being deleted).
struct KnownKind {
  const Message* message;
  const char* api_version;
};

const std::map<std::string, KnownKind>& kinds() {
  static constexpr const char* kRbacV1 = "rbac.authorization.k8s.io/v1";
  static const std::map<std::string, KnownKind> m = {{"ConfigMap", {&kConfigMap, "v1"}},
                                                     {"Secret", {&kSecret, "v1"}},
                                                     {"Namespace", {&kNamespace, "v1"}},
                                                     {"ServiceAccount", {&kServiceAccount, "v1"}},
                                                     {"Role", {&kRole, kRbacV1}},
                                                     {"ClusterRole", {&kClusterRole, kRbacV1}},
                                                     {"RoleBinding", {&kBinding, kRbacV1}},
                                                     {"ClusterRoleBinding", {&kBinding, kRbacV1}},
                                                     {"DeleteOptions", {&kDeleteOptions, nullptr}}};
  return m;
}

std::string known_kinds_text() {
  std::string out;
  for (const auto& [kind, known] : kinds()) {
    if (!out.empty()) out += ", ";
    out += known.api_version ? std::string(known.api_version) + " " + kind : kind;
  }
  return out;
}

[[noreturn]] void malformed(const std::string& why) {
  throw bad_request("malformed protobuf request body: " + why);
}

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) malformed("truncated varint");
      const auto b = static_cast<unsigned char>(d_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    malformed("varint too long");
  }
  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > d_.size() - pos_) malformed("length past end of message");
    auto out = d_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: advance(8); break;
      case 2: bytes(); break;
      case 5: advance(4); break;
      default: malformed("unsupported wire type " + std::to_string(wire_type));
    }
  }

 private:
  void advance(std::size_t n) {
    if (n > d_.size() - pos_) malformed("truncated fixed-width field");
    pos_ += n;
  }
  std::string_view d_;
  std::size_t pos_ = 0;
};

json decode(const Message& msg, std::string_view data);

std::pair<std::string, std::string> map_entry(std::string_view data) {
  Reader r(data);
  std::string key, value;
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const int num = static_cast<int>(tag >> 3), wt = static_cast<int>(tag & 7);
    if (wt == 2 && num == 1) key = r.bytes();
    else if (wt == 2 && num == 2) value = r.bytes();
    else r.skip(wt);
  }
  return {key, value};
}

json decode(const Message& msg, std::string_view data) {
  json out = json::object();
  Reader r(data);
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const int num = static_cast<int>(tag >> 3), wt = static_cast<int>(tag & 7);
    const Field* f = nullptr;
    for (const auto& candidate : msg.fields)
      if (candidate.number == num) f = &candidate;
    const bool length_delimited = f && f->kind != Kind::kInt && f->kind != Kind::kBool;
    if (!f || (length_delimited != (wt == 2)) || (!length_delimited && wt != 0)) {
      r.skip(wt);  // a field we do not model, as protobuf readers must
      continue;
    }
    switch (f->kind) {
      case Kind::kString: out[f->name] = std::string(r.bytes()); break;
      case Kind::kBytes: out[f->name] = base64_encode(r.bytes()); break;
      case Kind::kInt: out[f->name] = static_cast<std::int64_t>(r.varint()); break;
      case Kind::kBool: out[f->name] = r.varint() != 0; break;
      case Kind::kMessage: out[f->name] = decode(*f->message, r.bytes()); break;
      case Kind::kRepeatedString: out[f->name].push_back(std::string(r.bytes())); break;
      case Kind::kRepeatedMessage: out[f->name].push_back(decode(*f->message, r.bytes())); break;
      case Kind::kMapString: {
        auto [k, v] = map_entry(r.bytes());
        out[f->name][k] = v;
        break;
      }
      case Kind::kMapBytes: {
        auto [k, v] = map_entry(r.bytes());
        out[f->name][k] = base64_encode(v);
        break;
      }
      case Kind::kTime: {
        Reader t(r.bytes());
        std::int64_t seconds = 0;
        while (!t.done()) {
          const std::uint64_t ttag = t.varint();
          if ((ttag >> 3) == 1 && (ttag & 7) == 0) seconds = static_cast<std::int64_t>(t.varint());
          else t.skip(static_cast<int>(ttag & 7));
        }
        if (seconds != 0)
          out[f->name] = rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
        break;
      }
    }
  }
  // Go encodes unset optional scalars as empty values; JSON clients expect them omitted.
  for (auto it = out.begin(); it != out.end();) {
    const bool empty = (it->is_string() && it->get<std::string>().empty()) ||
                       (it->is_object() && it->empty());
    if (empty) it = out.erase(it);
    else ++it;
  }
  return out;
}

}  // namespace

json decode_kubernetes_protobuf(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic)) malformed("missing the k8s protobuf envelope prefix");
  const json envelope = decode(kUnknown, body.substr(kMagic.size()));
  const json type = envelope.value("typeMeta", json::object());
  const std::string kind = type.value("kind", "");
  const std::string api_version = type.value("apiVersion", "");
  auto it = kinds().find(kind);
  const bool known = it != kinds().end() &&
                     (!it->second.api_version || api_version.empty() || api_version == it->second.api_version);
  if (!known)
    throw unsupported_media_type("redraft-devserver decodes protobuf request bodies only for " +
                                 known_kinds_text() + ", not \"" +
                                 (api_version.empty() ? kind : api_version + " " + kind) +
                                 "\"; send application/json instead");
  std::string raw;
  if (envelope.contains("raw")) {
    auto decoded = base64_decode(envelope["raw"].get<std::string>());
    if (!decoded) malformed("bad raw payload");
    raw = std::move(*decoded);
  }
  json obj = decode(*it->second.message, raw);
  if (it->second.api_version) {
    obj["apiVersion"] = it->second.api_version;
    obj["kind"] = kind;
  }
  if (obj.contains("metadata") && obj["metadata"].value("generation", 0) == 0) obj["metadata"].erase("generation");
  return obj;
}

}  // namespace redraft::devserver
