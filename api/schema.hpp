// The CRD schema description: one place that says, for each kind, what the API server accepts
// (types, required fields, enums, patterns, bounds, defaults) and how kubectl prints it.
// `redraft-crdgen` renders it into config/crd/; a test fails when the checked-in files drift.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redraft::api::schema {

// A CustomResourceDefinition (apiextensions.k8s.io/v1) and the file name it is written to.
struct CrdFile {
  std::string filename;  // "redraft.dev_agentictasks.yaml"
  nlohmann::json crd;
};

nlohmann::json agent_crd();
nlohmann::json agentic_task_crd();
nlohmann::json workload_crd();

// All CRDs in a fixed order (agents, agentictasks, workloads).
std::vector<CrdFile> crd_files();

// The exact text written to config/crd/<filename>: a generated-file header plus YAML.
std::string render_crd_file(const CrdFile& file);

// The openAPIV3Schema of a CRD (its single version).
const nlohmann::json& open_api_schema(const nlohmann::json& crd);

// Regular expressions used in the schemas. Written in the common subset of ECMA-262 and RE2
// (the Kubernetes API server compiles patterns with Go's RE2: no lookaround, no backreferences).
//
// A branch name as branch_name_problem() accepts it, except for the length limit (maxLength).
// Kept short (under 1 KB: the API server quotes it in rejections); see api/schema.cpp.
std::string branch_name_pattern();
// An RFC 1123 subdomain (object names and references).
std::string object_name_pattern();
// A repository URL without credentials, as repo_url_problem() in validation.cpp accepts it.
std::string repo_url_pattern();
// A relative path inside the repository that cannot escape it (no leading '/', no "..").
std::string repo_path_pattern();
// A Workload task name (item key).
std::string task_name_pattern();

}  // namespace redraft::api::schema
