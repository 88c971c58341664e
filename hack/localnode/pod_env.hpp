// A container's environment and command line, as the kubelet computes them (pure).
//
// - env: the node's base variables (PATH, HOSTNAME, HOME), then envFrom, then env in order;
//   `$(VAR)` in env values refers to variables defined before it, `$$` escapes a `$`.
// - valueFrom: secretKeyRef, configMapKeyRef (optional honoured), fieldRef (metadata.name,
//   metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'],
//   spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP), resourceFieldRef
//   (the container's limits/requests, else "0").
// - command/args: `$(VAR)` expanded from the final environment.
// A missing non-optional Secret/ConfigMap or key is a ConfigError (the kubelet's
// CreateContainerConfigError), whose message names it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace redraft::localnode {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// kind is "Secret" or "ConfigMap"; returns nullopt when the object does not exist. Data values
// are returned decoded (a Secret's base64 decoded, a ConfigMap's binaryData decoded).
using ObjectLookup = std::function<std::optional<std::map<std::string, std::string>>(
    const std::string& kind, const std::string& name)>;

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Kubernetes $(VAR) expansion: defined references are replaced, undefined ones kept verbatim,
// "$$" becomes "$".
std::string expand_references(std::string_view text,
                              const std::function<const std::string*(const std::string&)>& find);

// The value of a fieldRef path for `pod` (throws ConfigError for unsupported paths).
std::string pod_field(const nlohmann::json& pod, const std::string& path);

// base: variables every container starts with (a later definition replaces an earlier one,
// keeping its position).
EnvList resolve_env(const nlohmann::json& pod, const nlohmann::json& container, const EnvList& base,
                    const ObjectLookup& lookup);

// command + args with $(VAR) expanded. Throws ConfigError when both are empty (no image
// entrypoint exists here).
std::vector<std::string> resolve_argv(const nlohmann::json& container, const EnvList& env);

}  // namespace redraft::localnode
