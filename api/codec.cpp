// JSON codecs for the API types. Decoding walks the document with a field path so that every
// error names where it happened ("spec.issue.number: expected integer, got string"); encoding
// omits unset values (empty strings/lists/maps, nullopt, empty nested objects).
#include "api/codec.hpp"

#include <cmath>
#include <limits>
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

void read(const json& j, std::string& out) {
  if (!j.is_string()) type_error("string", j);
  out = j.get<std::string>();
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

void read(const json& j, std::map<std::string, std::string>& out) {
  expect_object(j);
  out.clear();
  for (const auto& [key, value] : j.items()) {
    within(key, [&] { read(value, out[key]); });
  }
}

// Reads j[key] into out when present and not null (null means unset, as in Kubernetes).
template <typename T>
void field(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  within(key, [&] { read(*it, out); });
}

// ---- writers: put only set values ----

void put(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::vector<std::int64_t>& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::optional<std::string>& v) {
  if (v) j[key] = *v;
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
  std::string actual;
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

}  // namespace

// ---- shared building blocks ----

void to_json(json& j, const OwnerReference& v) {
  j = json::object();
  put(j, "apiVersion", v.apiVersion);
  put(j, "kind", v.kind);
  put(j, "name", v.name);
  put(j, "uid", v.uid);
  put(j, "controller", v.controller);
  put(j, "blockOwnerDeletion", v.blockOwnerDeletion);
}
void from_json(const json& j, OwnerReference& v) {
  expect_object(j);
  v = {};
  field(j, "apiVersion", v.apiVersion);
  field(j, "kind", v.kind);
  field(j, "name", v.name);
  field(j, "uid", v.uid);
  field(j, "controller", v.controller);
  field(j, "blockOwnerDeletion", v.blockOwnerDeletion);
}

void to_json(json& j, const ObjectMeta& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "generateName", v.generateName);
  put(j, "namespace", v.namespace_);
  put(j, "uid", v.uid);
  put(j, "resourceVersion", v.resourceVersion);
  put(j, "generation", v.generation);
  put(j, "creationTimestamp", v.creationTimestamp);
  put(j, "deletionTimestamp", v.deletionTimestamp);
  put(j, "labels", v.labels);
  put(j, "annotations", v.annotations);
  put(j, "ownerReferences", v.ownerReferences);
  put(j, "finalizers", v.finalizers);
}
void from_json(const json& j, ObjectMeta& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "generateName", v.generateName);
  field(j, "namespace", v.namespace_);
  field(j, "uid", v.uid);
  field(j, "resourceVersion", v.resourceVersion);
  field(j, "generation", v.generation);
  field(j, "creationTimestamp", v.creationTimestamp);
  field(j, "deletionTimestamp", v.deletionTimestamp);
  field(j, "labels", v.labels);
  field(j, "annotations", v.annotations);
  field(j, "ownerReferences", v.ownerReferences);
  field(j, "finalizers", v.finalizers);
}

void to_json(json& j, const Condition& v) {
  j = json::object();
  put(j, "type", v.type);
  put(j, "status", v.status);
  put(j, "observedGeneration", v.observedGeneration);
  put(j, "lastTransitionTime", v.lastTransitionTime);
  put(j, "reason", v.reason);
  put(j, "message", v.message);
}
void from_json(const json& j, Condition& v) {
  expect_object(j);
  v = {};
  field(j, "type", v.type);
  field(j, "status", v.status);
  field(j, "observedGeneration", v.observedGeneration);
  field(j, "lastTransitionTime", v.lastTransitionTime);
  field(j, "reason", v.reason);
  field(j, "message", v.message);
}

void to_json(json& j, const LocalObjectReference& v) {
  j = json::object();
  put(j, "name", v.name);
}
void from_json(const json& j, LocalObjectReference& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
}

void to_json(json& j, const KeySelector& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "key", v.key);
  put(j, "optional", v.optional);
}
void from_json(const json& j, KeySelector& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "key", v.key);
  field(j, "optional", v.optional);
}

void to_json(json& j, const FieldSelector& v) {
  j = json::object();
  put(j, "apiVersion", v.apiVersion);
  put(j, "fieldPath", v.fieldPath);
}
void from_json(const json& j, FieldSelector& v) {
  expect_object(j);
  v = {};
  field(j, "apiVersion", v.apiVersion);
  field(j, "fieldPath", v.fieldPath);
}

void to_json(json& j, const EnvVarSource& v) {
  j = json::object();
  put(j, "secretKeyRef", v.secretKeyRef);
  put(j, "configMapKeyRef", v.configMapKeyRef);
  put(j, "fieldRef", v.fieldRef);
}
void from_json(const json& j, EnvVarSource& v) {
  expect_object(j);
  v = {};
  field(j, "secretKeyRef", v.secretKeyRef);
  field(j, "configMapKeyRef", v.configMapKeyRef);
  field(j, "fieldRef", v.fieldRef);
}

void to_json(json& j, const EnvVar& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "value", v.value);
  put(j, "valueFrom", v.valueFrom);
}
void from_json(const json& j, EnvVar& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "value", v.value);
  field(j, "valueFrom", v.valueFrom);
}

namespace {
// Quantities may be written as YAML numbers (`cpu: 2`); keep them as the text the user wrote.
void read_quantities(const json& j, const char* key, std::map<std::string, std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  within(key, [&] {
    expect_object(*it);
    for (const auto& [name, value] : it->items()) {
      within(name, [&] {
        if (value.is_string()) {
          out[name] = value.get<std::string>();
        } else if (value.is_number()) {
          out[name] = value.dump();
        } else {
          type_error("quantity (string or number)", value);
        }
      });
    }
  });
}
}  // namespace

void to_json(json& j, const ResourceRequirements& v) {
  j = json::object();
  put(j, "limits", v.limits);
  put(j, "requests", v.requests);
}
void from_json(const json& j, ResourceRequirements& v) {
  expect_object(j);
  v = {};
  read_quantities(j, "limits", v.limits);
  read_quantities(j, "requests", v.requests);
}

void to_json(json& j, const Finding& v) {
  j = json::object();
  put(j, "severity", v.severity);
  put(j, "file", v.file);
  put(j, "line", v.line);
  put(j, "message", v.message);
  put(j, "suggestion", v.suggestion);
  put(j, "reviewer", v.reviewer);
}
void from_json(const json& j, Finding& v) {
  expect_object(j);
  v = {};
  field(j, "severity", v.severity);
  field(j, "file", v.file);
  field(j, "line", v.line);
  field(j, "message", v.message);
  field(j, "suggestion", v.suggestion);
  field(j, "reviewer", v.reviewer);
}

void to_json(json& j, const RepoSpec& v) {
  j = json::object();
  put(j, "url", v.url);
  put(j, "pushUrl", v.pushUrl);
  put_struct(j, "credentialsSecretRef", v.credentialsSecretRef);
}
void from_json(const json& j, RepoSpec& v) {
  expect_object(j);
  v = {};
  field(j, "url", v.url);
  field(j, "pushUrl", v.pushUrl);
  field(j, "credentialsSecretRef", v.credentialsSecretRef);
}

// ---- Agent ----

void to_json(json& j, const AgentSpec& v) {
  j = json::object();
  put(j, "role", v.role);
  put(j, "image", v.image);
  put(j, "command", v.command);
  put(j, "args", v.args);
  put(j, "promptVia", v.promptVia);
  put(j, "instructions", v.instructions);
  put(j, "instructionsPath", v.instructionsPath);
  put(j, "env", v.env);
  put(j, "resources", v.resources);
  put(j, "timeoutSeconds", v.timeoutSeconds);
}
void from_json(const json& j, AgentSpec& v) {
  expect_object(j);
  v = {};
  field(j, "role", v.role);
  field(j, "image", v.image);
  field(j, "command", v.command);
  field(j, "args", v.args);
  field(j, "promptVia", v.promptVia);
  field(j, "instructions", v.instructions);
  field(j, "instructionsPath", v.instructionsPath);
  field(j, "env", v.env);
  field(j, "resources", v.resources);
  field(j, "timeoutSeconds", v.timeoutSeconds);
}

void to_json(json& j, const AgentStatus& v) {
  j = json::object();
  put(j, "observedGeneration", v.observedGeneration);
  put(j, "conditions", v.conditions);
}
void from_json(const json& j, AgentStatus& v) {
  expect_object(j);
  v = {};
  field(j, "observedGeneration", v.observedGeneration);
  field(j, "conditions", v.conditions);
}

void to_json(json& j, const Agent& v) { write_top(j, "Agent", v); }
void from_json(const json& j, Agent& v) { read_top(j, "Agent", v); }

// ---- AgenticTask ----

void to_json(json& j, const IssueRef& v) {
  j = json::object();
  put_always(j, "number", v.number);
  put(j, "title", v.title);
  put(j, "body", v.body);
}
void from_json(const json& j, IssueRef& v) {
  expect_object(j);
  v = {};
  field(j, "number", v.number);
  field(j, "title", v.title);
  field(j, "body", v.body);
}

void to_json(json& j, const Person& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "email", v.email);
}
void from_json(const json& j, Person& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "email", v.email);
}

void to_json(json& j, const AgenticTaskSpec& v) {
  j = json::object();
  put(j, "kind", v.kind);
  put_struct(j, "agentRef", v.agentRef);
  put_struct(j, "repo", v.repo);
  put(j, "baseBranch", v.baseBranch);
  put(j, "branch", v.branch);
  put(j, "issue", v.issue);
  put(j, "prompt", v.prompt);
  put(j, "promptPrefix", v.promptPrefix);
  put(j, "intent", v.intent);
  put(j, "reviseFromBranch", v.reviseFromBranch);
  put(j, "branchStrategy", v.branchStrategy);
  put(j, "allowOverwrite", v.allowOverwrite);
  put(j, "expectedRemoteSha", v.expectedRemoteSha);
  put(j, "feedback", v.feedback);
  put(j, "forkOf", v.forkOf);
  put(j, "author", v.author);
  put(j, "timeoutSeconds", v.timeoutSeconds);
  put(j, "backoffLimit", v.backoffLimit);
}
void from_json(const json& j, AgenticTaskSpec& v) {
  expect_object(j);
  v = {};
  field(j, "kind", v.kind);
  field(j, "agentRef", v.agentRef);
  field(j, "repo", v.repo);
  field(j, "baseBranch", v.baseBranch);
  field(j, "branch", v.branch);
  field(j, "issue", v.issue);
  field(j, "prompt", v.prompt);
  field(j, "promptPrefix", v.promptPrefix);
  field(j, "intent", v.intent);
  field(j, "reviseFromBranch", v.reviseFromBranch);
  field(j, "branchStrategy", v.branchStrategy);
  field(j, "allowOverwrite", v.allowOverwrite);
  field(j, "expectedRemoteSha", v.expectedRemoteSha);
  field(j, "feedback", v.feedback);
  field(j, "forkOf", v.forkOf);
  field(j, "author", v.author);
  field(j, "timeoutSeconds", v.timeoutSeconds);
  field(j, "backoffLimit", v.backoffLimit);
}

void to_json(json& j, const RestoreStatus& v) {
  j = json::object();
  put(j, "outcome", v.outcome);
  put(j, "fromSha", v.fromSha);
}
void from_json(const json& j, RestoreStatus& v) {
  expect_object(j);
  v = {};
  field(j, "outcome", v.outcome);
  field(j, "fromSha", v.fromSha);
}

void to_json(json& j, const PhaseTimings& v) {
  j = json::object();
  put(j, "prepareSeconds", v.prepareSeconds);
  put(j, "agentSeconds", v.agentSeconds);
  put(j, "publishSeconds", v.publishSeconds);
}
void from_json(const json& j, PhaseTimings& v) {
  expect_object(j);
  v = {};
  field(j, "prepareSeconds", v.prepareSeconds);
  field(j, "agentSeconds", v.agentSeconds);
  field(j, "publishSeconds", v.publishSeconds);
}

void to_json(json& j, const ForkedFrom& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "branch", v.branch);
  put(j, "commitSha", v.commitSha);
}
void from_json(const json& j, ForkedFrom& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "branch", v.branch);
  field(j, "commitSha", v.commitSha);
}

void to_json(json& j, const AgenticTaskStatus& v) {
  j = json::object();
  put(j, "phase", v.phase);
  put(j, "verdict", v.verdict);
  put(j, "reason", v.reason);
  put(j, "message", v.message);
  put(j, "branch", v.branch);
  put(j, "commitSha", v.commitSha);
  put(j, "baseSha", v.baseSha);
  put(j, "restore", v.restore);
  put(j, "findings", v.findings);
  put(j, "summary", v.summary);
  put(j, "podName", v.podName);
  put(j, "attempts", v.attempts);
  put(j, "startTime", v.startTime);
  put(j, "completionTime", v.completionTime);
  put(j, "timings", v.timings);
  put(j, "forkedFrom", v.forkedFrom);
  put(j, "conditions", v.conditions);
  put(j, "observedGeneration", v.observedGeneration);
}
void from_json(const json& j, AgenticTaskStatus& v) {
  expect_object(j);
  v = {};
  field(j, "phase", v.phase);
  field(j, "verdict", v.verdict);
  field(j, "reason", v.reason);
  field(j, "message", v.message);
  field(j, "branch", v.branch);
  field(j, "commitSha", v.commitSha);
  field(j, "baseSha", v.baseSha);
  field(j, "restore", v.restore);
  field(j, "findings", v.findings);
  field(j, "summary", v.summary);
  field(j, "podName", v.podName);
  field(j, "attempts", v.attempts);
  field(j, "startTime", v.startTime);
  field(j, "completionTime", v.completionTime);
  field(j, "timings", v.timings);
  field(j, "forkedFrom", v.forkedFrom);
  field(j, "conditions", v.conditions);
  field(j, "observedGeneration", v.observedGeneration);
}

void to_json(json& j, const AgenticTask& v) { write_top(j, "AgenticTask", v); }
void from_json(const json& j, AgenticTask& v) { read_top(j, "AgenticTask", v); }

// ---- Workload ----

void to_json(json& j, const WorkloadTask& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "prompt", v.prompt);
}
void from_json(const json& j, WorkloadTask& v) {
  expect_object(j);
  v = {};
  field(j, "name", v.name);
  field(j, "prompt", v.prompt);
}

void to_json(json& j, const WorkloadSpec& v) {
  j = json::object();
  put_struct(j, "repo", v.repo);
  put(j, "baseBranch", v.baseBranch);
  put(j, "issues", v.issues);
  put(j, "tasks", v.tasks);
  put(j, "intent", v.intent);
  put_struct(j, "coderAgentRef", v.coderAgentRef);
  put(j, "reviewerAgentRefs", v.reviewerAgentRefs);
  put(j, "revisionCoderAgentRef", v.revisionCoderAgentRef);
  put(j, "maxReviewIterations", v.maxReviewIterations);
  put(j, "branchStrategy", v.branchStrategy);
  put(j, "allowOverwrite", v.allowOverwrite);
  put(j, "parallelism", v.parallelism);
  put(j, "branchPrefix", v.branchPrefix);
}
void from_json(const json& j, WorkloadSpec& v) {
  expect_object(j);
  v = {};
  field(j, "repo", v.repo);
  field(j, "baseBranch", v.baseBranch);
  field(j, "issues", v.issues);
  field(j, "tasks", v.tasks);
  field(j, "intent", v.intent);
  field(j, "coderAgentRef", v.coderAgentRef);
  field(j, "reviewerAgentRefs", v.reviewerAgentRefs);
  field(j, "revisionCoderAgentRef", v.revisionCoderAgentRef);
  field(j, "maxReviewIterations", v.maxReviewIterations);
  field(j, "branchStrategy", v.branchStrategy);
  field(j, "allowOverwrite", v.allowOverwrite);
  field(j, "parallelism", v.parallelism);
  field(j, "branchPrefix", v.branchPrefix);
}

void to_json(json& j, const WorkloadItemStatus& v) {
  j = json::object();
  put(j, "key", v.key);
  put_always(j, "iteration", v.iteration);
  put(j, "phase", v.phase);
  put(j, "branch", v.branch);
  put(j, "commitSha", v.commitSha);
  put(j, "verdicts", v.verdicts);
  put(j, "tasks", v.tasks);
}
void from_json(const json& j, WorkloadItemStatus& v) {
  expect_object(j);
  v = {};
  field(j, "key", v.key);
  field(j, "iteration", v.iteration);
  field(j, "phase", v.phase);
  field(j, "branch", v.branch);
  field(j, "commitSha", v.commitSha);
  field(j, "verdicts", v.verdicts);
  field(j, "tasks", v.tasks);
}

void to_json(json& j, const WorkloadCounts& v) {
  j = json::object();
  put_always(j, "total", v.total);
  put_always(j, "pending", v.pending);
  put_always(j, "running", v.running);
  put_always(j, "succeeded", v.succeeded);
  put_always(j, "failed", v.failed);
}
void from_json(const json& j, WorkloadCounts& v) {
  expect_object(j);
  v = {};
  field(j, "total", v.total);
  field(j, "pending", v.pending);
  field(j, "running", v.running);
  field(j, "succeeded", v.succeeded);
  field(j, "failed", v.failed);
}

void to_json(json& j, const WorkloadStatus& v) {
  j = json::object();
  put(j, "phase", v.phase);
  put(j, "items", v.items);
  put(j, "counts", v.counts);
  put(j, "reviewIterations", v.reviewIterations);
  put(j, "conditions", v.conditions);
  put(j, "observedGeneration", v.observedGeneration);
}
void from_json(const json& j, WorkloadStatus& v) {
  expect_object(j);
  v = {};
  field(j, "phase", v.phase);
  field(j, "items", v.items);
  field(j, "counts", v.counts);
  field(j, "reviewIterations", v.reviewIterations);
  field(j, "conditions", v.conditions);
  field(j, "observedGeneration", v.observedGeneration);
}

void to_json(json& j, const Workload& v) { write_top(j, "Workload", v); }
void from_json(const json& j, Workload& v) { read_top(j, "Workload", v); }

}  // namespace redraft::api
