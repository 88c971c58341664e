// JSON codecs for the API types (nlohmann ADL hooks) and document loading (JSON or YAML).
// Decoding tolerates unknown fields; encoding omits unset fields, so decode→encode is exact for
// any document that does not spell out empty values.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace redraft::api {

// Thrown when a document cannot be decoded; what() names the field path ("spec.issue.number:
// expected integer, got string").
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A Text reads and writes as a JSON string (interned inside an InternScope).
void to_json(nlohmann::json& j, const Text& value);
void from_json(const nlohmann::json& j, Text& value);

#define REDRAFT_API_CODEC(T)                       \
  void to_json(nlohmann::json& j, const T& value); \
  void from_json(const nlohmann::json& j, T& value);

REDRAFT_API_CODEC(OwnerReference)
REDRAFT_API_CODEC(ObjectMeta)
REDRAFT_API_CODEC(Condition)
REDRAFT_API_CODEC(LocalObjectReference)
REDRAFT_API_CODEC(KeySelector)
REDRAFT_API_CODEC(FieldSelector)
REDRAFT_API_CODEC(EnvVarSource)
REDRAFT_API_CODEC(EnvVar)
REDRAFT_API_CODEC(ResourceRequirements)
REDRAFT_API_CODEC(Finding)
REDRAFT_API_CODEC(RepoSpec)
REDRAFT_API_CODEC(AgentSpec)
REDRAFT_API_CODEC(AgentStatus)
REDRAFT_API_CODEC(Agent)
REDRAFT_API_CODEC(IssueRef)
REDRAFT_API_CODEC(Person)
REDRAFT_API_CODEC(AgenticTaskSpec)
REDRAFT_API_CODEC(RestoreStatus)
REDRAFT_API_CODEC(PhaseTimings)
REDRAFT_API_CODEC(ForkedFrom)
REDRAFT_API_CODEC(AgenticTaskStatus)
REDRAFT_API_CODEC(AgenticTask)
REDRAFT_API_CODEC(WorkloadTask)
REDRAFT_API_CODEC(WorkloadSpec)
REDRAFT_API_CODEC(WorkloadItemStatus)
REDRAFT_API_CODEC(WorkloadCounts)
REDRAFT_API_CODEC(WorkloadStatus)
REDRAFT_API_CODEC(Workload)
#undef REDRAFT_API_CODEC

// Parses text that is either JSON or YAML (one document) into JSON. Throws DecodeError.
nlohmann::json parse_document(std::string_view text);

// Parses a multi-document YAML stream ("---" separated, e.g. a manifest file) or one JSON
// value; empty documents are skipped. Errors name the document: "document 2: spec: ...".
std::vector<nlohmann::json> parse_documents(std::string_view text);

// Renders JSON as block-style YAML (for manifests and CRD generation).
std::string to_yaml(const nlohmann::json& value);

// Decodes one object of kind T from JSON/YAML text; throws DecodeError naming the field.
template <typename T>
T decode(std::string_view text) {
  T out;
  from_json(parse_document(text), out);
  return out;
}

}  // namespace redraft::api
