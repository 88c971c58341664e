// JSON codecs for the API types. Decoding walks the document with a field path so that every
// error names where it happened ("spec.issue.number: expected integer, got string"); encoding
// omits unset values (empty strings/lists/maps, nullopt, empty nested objects).
#include "api/codec.hpp"

#include <cmath>
#include <concepts>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>

namespace redraft::api {
namespace {

using nlohmann::json;

// A DecodeError that remembers its path separately, so enclosing decoders can prefix their own
// field name while the error propagates outwards.
class PathedError : public DecodeError {
 public:
  PathedError(std::string path, std::string detail)
      : DecodeError(path.empty() ? detail : path + ": " + detail),
        path_(std::move(path)),
        detail_(std::move(detail)) {}
  const std::string& path() const { return path_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string path_;
  std::string detail_;
};

std::string join_path(const std::string& outer, const std::string& inner) {
  if (inner.empty()) return outer;
  if (inner.front() == '[') return outer + inner;
  return outer + "." + inner;
}

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    default:
      return "unknown";
  }
}

[[noreturn]] void type_error(const char* expected, const json& j) {
  throw PathedError("", std::string("expected ") + expected + ", got " + type_name(j));
}

// Runs `fn` and prefixes any decode error it throws with `segment`.
template <typename Fn>
void within(const std::string& segment, Fn&& fn) {
  try {
    fn();
  } catch (const PathedError& e) {
    throw PathedError(join_path(segment, e.path()), e.detail());
  }
}

void expect_object(const json& j) {
  if (!j.is_object()) type_error("object", j);
}

// ---- leaf readers ----

// Interned when the caller decodes inside an InternScope (the informer cache does).
void read(const json& j, Text& out) {
  if (!j.is_string()) type_error("string", j);
  out = make_text(j.get_ref<const std::string&>());
}

void read(const json& j, bool& out) {
  if (!j.is_boolean()) type_error("boolean", j);
  out = j.get<bool>();
}

void read(const json& j, std::int64_t& out) {
  if (j.is_number_integer()) {
    out = j.get<std::int64_t>();
    return;
  }
  if (j.is_number_unsigned()) {
    auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw PathedError("", "integer out of range");
    }
    out = static_cast<std::int64_t>(u);
    return;
  }
  if (j.is_number_float()) {
    // 3.0 is an integer written by a float-happy tool; 3.5 is a mistake.
    double d = j.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e18) {
      out = static_cast<std::int64_t>(d);
      return;
    }
  }
  type_error("integer", j);
}

void read(const json& j, double& out) {
  if (!j.is_number()) type_error("number", j);
  out = j.get<double>();
}

template <typename T>
void read(const json& j, T& out) {
  from_json(j, out);  // API structs (ADL)
}

template <typename T>
void read(const json& j, std::optional<T>& out) {
  T value{};
  read(j, value);
  out = std::move(value);
}

template <typename T>
void read(const json& j, std::vector<T>& out) {
  if (!j.is_array()) type_error("array", j);
  out.clear();
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    T item{};
    within("[" + std::to_string(i) + "]", [&] { read(j[i], item); });
    out.push_back(std::move(item));
  }
}

void read(const json& j, StringMap& out) {
  expect_object(j);
  out.clear();
  for (const auto& [key, value] : j.items()) {
    within(key, [&] {
      Text text;
      read(value, text);
      out.emplace_hint(out.end(), make_text(key), std::move(text));
    });
  }
}

// Values unique to one object by definition (name, uid, resourceVersion): read without
// interning, since no other cached object can share them and the intern table would only grow.
template <typename S>
struct Unique {
  S& value;
};
template <typename S>
Unique<S> unique(S& value) {
  return {value};
}
void read(const json& j, Unique<Text> out) {
  if (!j.is_string()) type_error("string", j);
  out.value = Text(j.get_ref<const std::string&>());
}

// Reads j[key] into out when present and not null (null means unset, as in Kubernetes).
template <typename T>
void field(const json& j, const char* key, T&& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  within(key, [&] { read(*it, std::forward<T>(out)); });
}

// ---- writers: put only set values ----

void put(json& j, const char* key, const Text& v) {
  if (!v.empty()) j[key] = v.view();
}
void put(json& j, const char* key, const std::vector<Text>& v) {
  if (v.empty()) return;
  json arr = json::array();
  for (const auto& item : v) arr.push_back(item.view());
  j[key] = std::move(arr);
}
void put(json& j, const char* key, const std::vector<std::int64_t>& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const StringMap& v) {
  if (v.empty()) return;
  json obj = json::object();
  for (const auto& [name, value] : v) obj[name.str()] = value.view();
  j[key] = std::move(obj);
}
void put(json& j, const char* key, const std::optional<Text>& v) {
  if (v) j[key] = v->view();
}
void put(json& j, const char* key, const std::optional<bool>& v) {
  if (v) j[key] = *v;
}
void put(json& j, const char* key, const std::optional<std::int64_t>& v) {
  if (v) j[key] = *v;
}
void put(json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = *v;
}
// Always written: values whose zero is meaningful (issue number, iteration, counts).
void put_always(json& j, const char* key, std::int64_t v) { j[key] = v; }

// Nested API struct held by value: written only when it encodes to something.
template <typename T>
void put_struct(json& j, const char* key, const T& v) {
  json inner = json::object();
  to_json(inner, v);
  if (!inner.empty()) j[key] = std::move(inner);
}
// Optional nested struct: presence is meaningful, so an empty one is written as {}.
template <typename T>
void put(json& j, const char* key, const std::optional<T>& v) {
  if (!v) return;
  json inner = json::object();
  to_json(inner, *v);
  j[key] = std::move(inner);
}
template <typename T>
void put(json& j, const char* key, const std::vector<T>& v) {
  if (v.empty()) return;
  json arr = json::array();
  for (const auto& item : v) {
    json inner = json::object();
    to_json(inner, item);
    arr.push_back(std::move(inner));
  }
  j[key] = std::move(arr);
}

// Top-level objects: apiVersion/kind are checked when present (a Workload document decoded as
// an Agent is a mistake worth naming) and always written.
void check_kind(const json& j, const char* kind) {
  expect_object(j);
  auto it = j.find("kind");
  if (it == j.end() || it->is_null()) return;
  Text actual;
  within("kind", [&] { read(*it, actual); });
  if (actual != kind) {
    throw PathedError("kind", std::string("expected \"") + kind + "\", got \"" + actual + "\"");
  }
}

template <typename Obj>
void write_top(json& j, const char* kind, const Obj& obj) {
  j = json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kind;
  put_struct(j, "metadata", obj.metadata);
  put_struct(j, "spec", obj.spec);
  put_struct(j, "status", obj.status);
}

template <typename Obj>
void read_top(const json& j, const char* kind, Obj& obj) {
  check_kind(j, kind);
  obj = Obj{};
  field(j, "metadata", obj.metadata);
  field(j, "spec", obj.spec);
  field(j, "status", obj.status);
}

// One field list per type serves both directions (see `fields` below), so the encoder and the
// decoder cannot drift apart. `Of<T> auto& v` binds T and const T alike.
template <typename V, typename T>
concept Of = std::same_as<std::remove_const_t<V>, T>;

struct Writer {
  json& j;
  template <typename T>
  void operator()(const char* key, const T& v) { put(j, key, v); }
  void operator()(const char* key, Unique<const Text> v) { put(j, key, v.value); }
  void always(const char* key, std::int64_t v) { put_always(j, key, v); }
  template <typename T>
  void nested(const char* key, const T& v) { put_struct(j, key, v); }
  void quantities(const char* key, const StringMap& v) { put(j, key, v); }
};

struct Reader {
  const json& j;
  template <typename T>
  void operator()(const char* key, T& v) { field(j, key, v); }
  void operator()(const char* key, Unique<Text> v) { field(j, key, v); }
  void always(const char* key, std::int64_t& v) { field(j, key, v); }
  template <typename T>
  void nested(const char* key, T& v) { field(j, key, v); }
  void quantities(const char* key, StringMap& v);  // below
};

template <typename T>
void encode_fields(json& j, const T& v) {
  j = json::object();
  Writer writer{j};
  fields(writer, v);
}

template <typename T>
void decode_fields(const json& j, T& v) {
  expect_object(j);
  v = {};
  Reader reader{j};
  fields(reader, v);
}

}  // namespace

// ---- shared building blocks ----

void to_json(json& j, const Text& v) { j = v.view(); }
void from_json(const json& j, Text& v) { read(j, v); }  // throws a DecodeError

template <typename Io>
void fields(Io& io, Of<OwnerReference> auto& v) {
  io("apiVersion", v.apiVersion);
  io("kind", v.kind);
  io("name", v.name);
  io("uid", v.uid);
  io("controller", v.controller);
  io("blockOwnerDeletion", v.blockOwnerDeletion);
}

template <typename Io>
void fields(Io& io, Of<ObjectMeta> auto& v) {
  io("name", unique(v.name));
  io("generateName", v.generateName);
  io("namespace", v.namespace_);
  io("uid", unique(v.uid));
  io("resourceVersion", unique(v.resourceVersion));
  io("generation", v.generation);
  io("creationTimestamp", v.creationTimestamp);
  io("deletionTimestamp", v.deletionTimestamp);
  io("labels", v.labels);
  io("annotations", v.annotations);
  io("ownerReferences", v.ownerReferences);
  io("finalizers", v.finalizers);
}

template <typename Io>
void fields(Io& io, Of<Condition> auto& v) {
  io("type", v.type);
  io("status", v.status);
  io("observedGeneration", v.observedGeneration);
  io("lastTransitionTime", v.lastTransitionTime);
  io("reason", v.reason);
  io("message", v.message);
}

template <typename Io>
void fields(Io& io, Of<LocalObjectReference> auto& v) {
  io("name", v.name);
}

template <typename Io>
void fields(Io& io, Of<KeySelector> auto& v) {
  io("name", v.name);
  io("key", v.key);
  io("optional", v.optional);
}

template <typename Io>
void fields(Io& io, Of<FieldSelector> auto& v) {
  io("apiVersion", v.apiVersion);
  io("fieldPath", v.fieldPath);
}

template <typename Io>
void fields(Io& io, Of<EnvVarSource> auto& v) {
  io("secretKeyRef", v.secretKeyRef);
  io("configMapKeyRef", v.configMapKeyRef);
  io("fieldRef", v.fieldRef);
}

template <typename Io>
void fields(Io& io, Of<EnvVar> auto& v) {
  io("name", v.name);
  io("value", v.value);
  io("valueFrom", v.valueFrom);
}

namespace {
// Quantities may be written as YAML numbers (`cpu: 2`); keep them as the text the user wrote.
void read_quantities(const json& j, const char* key, StringMap& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  within(key, [&] {
    expect_object(*it);
    for (const auto& [name, value] : it->items()) {
      within(name, [&] {
        if (value.is_string()) {
          out.insert_or_assign(make_text(name), make_text(value.get_ref<const std::string&>()));
        } else if (value.is_number()) {
          out.insert_or_assign(make_text(name), make_text(value.dump()));
        } else {
          type_error("quantity (string or number)", value);
        }
      });
    }
  });
}
void Reader::quantities(const char* key, StringMap& v) {
  read_quantities(j, key, v);
}
}  // namespace

template <typename Io>
void fields(Io& io, Of<ResourceRequirements> auto& v) {
  io.quantities("limits", v.limits);
  io.quantities("requests", v.requests);
}

template <typename Io>
void fields(Io& io, Of<Finding> auto& v) {
  io("severity", v.severity);
  io("file", v.file);
  io("line", v.line);
  io("message", v.message);
  io("suggestion", v.suggestion);
  io("reviewer", v.reviewer);
}

template <typename Io>
void fields(Io& io, Of<RepoSpec> auto& v) {
  io("url", v.url);
  io("pushUrl", v.pushUrl);
  io.nested("credentialsSecretRef", v.credentialsSecretRef);
}

// ---- Agent ----

template <typename Io>
void fields(Io& io, Of<AgentSpec> auto& v) {
  io("role", v.role);
  io("image", v.image);
  io("command", v.command);
  io("args", v.args);
  io("promptVia", v.promptVia);
  io("instructions", v.instructions);
  io("instructionsPath", v.instructionsPath);
  io("env", v.env);
  io("resources", v.resources);
  io("timeoutSeconds", v.timeoutSeconds);
}

template <typename Io>
void fields(Io& io, Of<AgentStatus> auto& v) {
  io("observedGeneration", v.observedGeneration);
  io("conditions", v.conditions);
}

void to_json(json& j, const Agent& v) { write_top(j, "Agent", v); }
void from_json(const json& j, Agent& v) { read_top(j, "Agent", v); }

// ---- AgenticTask ----

template <typename Io>
void fields(Io& io, Of<IssueRef> auto& v) {
  io.always("number", v.number);
  io("title", v.title);
  io("body", v.body);
}

template <typename Io>
void fields(Io& io, Of<Person> auto& v) {
  io("name", v.name);
  io("email", v.email);
}

template <typename Io>
void fields(Io& io, Of<AgenticTaskSpec> auto& v) {
  io("kind", v.kind);
  io.nested("agentRef", v.agentRef);
  io.nested("repo", v.repo);
  io("baseBranch", v.baseBranch);
  io("branch", v.branch);
  io("issue", v.issue);
  io("prompt", v.prompt);
  io("promptPrefix", v.promptPrefix);
  io("intent", v.intent);
  io("reviseFromBranch", v.reviseFromBranch);
  io("branchStrategy", v.branchStrategy);
  io("allowOverwrite", v.allowOverwrite);
  io("expectedRemoteSha", v.expectedRemoteSha);
  io("feedback", v.feedback);
  io("forkOf", v.forkOf);
  io("author", v.author);
  io("timeoutSeconds", v.timeoutSeconds);
  io("backoffLimit", v.backoffLimit);
}

template <typename Io>
void fields(Io& io, Of<RestoreStatus> auto& v) {
  io("outcome", v.outcome);
  io("fromSha", v.fromSha);
}

template <typename Io>
void fields(Io& io, Of<PhaseTimings> auto& v) {
  io("prepareSeconds", v.prepareSeconds);
  io("agentSeconds", v.agentSeconds);
  io("publishSeconds", v.publishSeconds);
}

template <typename Io>
void fields(Io& io, Of<ForkedFrom> auto& v) {
  io("name", v.name);
  io("branch", v.branch);
  io("commitSha", v.commitSha);
}

template <typename Io>
void fields(Io& io, Of<AgenticTaskStatus> auto& v) {
  io("phase", v.phase);
  io("verdict", v.verdict);
  io("reason", v.reason);
  io("message", v.message);
  io("branch", v.branch);
  io("commitSha", v.commitSha);
  io("baseSha", v.baseSha);
  io("restore", v.restore);
  io("findings", v.findings);
  io("summary", v.summary);
  io("podName", v.podName);
  io("attempts", v.attempts);
  io("startTime", v.startTime);
  io("completionTime", v.completionTime);
  io("timings", v.timings);
  io("forkedFrom", v.forkedFrom);
  io("conditions", v.conditions);
  io("observedGeneration", v.observedGeneration);
}

void to_json(json& j, const AgenticTask& v) { write_top(j, "AgenticTask", v); }
void from_json(const json& j, AgenticTask& v) { read_top(j, "AgenticTask", v); }

// ---- Workload ----

template <typename Io>
void fields(Io& io, Of<WorkloadTask> auto& v) {
  io("name", v.name);
  io("prompt", v.prompt);
}

template <typename Io>
void fields(Io& io, Of<WorkloadSpec> auto& v) {
  io.nested("repo", v.repo);
  io("baseBranch", v.baseBranch);
  io("issues", v.issues);
  io("tasks", v.tasks);
  io("intent", v.intent);
  io.nested("coderAgentRef", v.coderAgentRef);
  io("reviewerAgentRefs", v.reviewerAgentRefs);
  io("revisionCoderAgentRef", v.revisionCoderAgentRef);
  io("maxReviewIterations", v.maxReviewIterations);
  io("branchStrategy", v.branchStrategy);
  io("allowOverwrite", v.allowOverwrite);
  io("parallelism", v.parallelism);
  io("branchPrefix", v.branchPrefix);
}

template <typename Io>
void fields(Io& io, Of<WorkloadItemStatus> auto& v) {
  io("key", v.key);
  io.always("iteration", v.iteration);
  io("phase", v.phase);
  io("branch", v.branch);
  io("commitSha", v.commitSha);
  io("verdicts", v.verdicts);
  io("tasks", v.tasks);
}

template <typename Io>
void fields(Io& io, Of<WorkloadCounts> auto& v) {
  io.always("total", v.total);
  io.always("pending", v.pending);
  io.always("running", v.running);
  io.always("succeeded", v.succeeded);
  io.always("failed", v.failed);
}

template <typename Io>
void fields(Io& io, Of<WorkloadStatus> auto& v) {
  io("phase", v.phase);
  io("items", v.items);
  io("counts", v.counts);
  io("reviewIterations", v.reviewIterations);
  io("conditions", v.conditions);
  io("observedGeneration", v.observedGeneration);
}

void to_json(json& j, const Workload& v) { write_top(j, "Workload", v); }
void from_json(const json& j, Workload& v) { read_top(j, "Workload", v); }


// ---- the codecs of every type with a field list ----

void to_json(json& j, const OwnerReference& v) { encode_fields(j, v); }
void from_json(const json& j, OwnerReference& v) { decode_fields(j, v); }
void to_json(json& j, const ObjectMeta& v) { encode_fields(j, v); }
void from_json(const json& j, ObjectMeta& v) { decode_fields(j, v); }
void to_json(json& j, const Condition& v) { encode_fields(j, v); }
void from_json(const json& j, Condition& v) { decode_fields(j, v); }
void to_json(json& j, const LocalObjectReference& v) { encode_fields(j, v); }
void from_json(const json& j, LocalObjectReference& v) { decode_fields(j, v); }
void to_json(json& j, const KeySelector& v) { encode_fields(j, v); }
void from_json(const json& j, KeySelector& v) { decode_fields(j, v); }
void to_json(json& j, const FieldSelector& v) { encode_fields(j, v); }
void from_json(const json& j, FieldSelector& v) { decode_fields(j, v); }
void to_json(json& j, const EnvVarSource& v) { encode_fields(j, v); }
void from_json(const json& j, EnvVarSource& v) { decode_fields(j, v); }
void to_json(json& j, const EnvVar& v) { encode_fields(j, v); }
void from_json(const json& j, EnvVar& v) { decode_fields(j, v); }
void to_json(json& j, const ResourceRequirements& v) { encode_fields(j, v); }
void from_json(const json& j, ResourceRequirements& v) { decode_fields(j, v); }
void to_json(json& j, const Finding& v) { encode_fields(j, v); }
void from_json(const json& j, Finding& v) { decode_fields(j, v); }
void to_json(json& j, const RepoSpec& v) { encode_fields(j, v); }
void from_json(const json& j, RepoSpec& v) { decode_fields(j, v); }
void to_json(json& j, const AgentSpec& v) { encode_fields(j, v); }
void from_json(const json& j, AgentSpec& v) { decode_fields(j, v); }
void to_json(json& j, const AgentStatus& v) { encode_fields(j, v); }
void from_json(const json& j, AgentStatus& v) { decode_fields(j, v); }
void to_json(json& j, const IssueRef& v) { encode_fields(j, v); }
void from_json(const json& j, IssueRef& v) { decode_fields(j, v); }
void to_json(json& j, const Person& v) { encode_fields(j, v); }
void from_json(const json& j, Person& v) { decode_fields(j, v); }
void to_json(json& j, const AgenticTaskSpec& v) { encode_fields(j, v); }
void from_json(const json& j, AgenticTaskSpec& v) { decode_fields(j, v); }
void to_json(json& j, const RestoreStatus& v) { encode_fields(j, v); }
void from_json(const json& j, RestoreStatus& v) { decode_fields(j, v); }
void to_json(json& j, const PhaseTimings& v) { encode_fields(j, v); }
void from_json(const json& j, PhaseTimings& v) { decode_fields(j, v); }
void to_json(json& j, const ForkedFrom& v) { encode_fields(j, v); }
void from_json(const json& j, ForkedFrom& v) { decode_fields(j, v); }
void to_json(json& j, const AgenticTaskStatus& v) { encode_fields(j, v); }
void from_json(const json& j, AgenticTaskStatus& v) { decode_fields(j, v); }
void to_json(json& j, const WorkloadTask& v) { encode_fields(j, v); }
void from_json(const json& j, WorkloadTask& v) { decode_fields(j, v); }
void to_json(json& j, const WorkloadSpec& v) { encode_fields(j, v); }
void from_json(const json& j, WorkloadSpec& v) { decode_fields(j, v); }
void to_json(json& j, const WorkloadItemStatus& v) { encode_fields(j, v); }
void from_json(const json& j, WorkloadItemStatus& v) { decode_fields(j, v); }
void to_json(json& j, const WorkloadCounts& v) { encode_fields(j, v); }
void from_json(const json& j, WorkloadCounts& v) { decode_fields(j, v); }
void to_json(json& j, const WorkloadStatus& v) { encode_fields(j, v); }
void from_json(const json& j, WorkloadStatus& v) { decode_fields(j, v); }

}  // namespace redraft::api
