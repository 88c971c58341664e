// Wires an informer into the operator's probes and metrics, the way the operator main does it:
//
//   InformerOptions options{...};
//   report_cache_size(options, registry);   // redraft_cache_objects{resource="agentictasks.redraft.dev"}
//   Informer<api::AgenticTask> tasks(client, options);
//   add_sync_check(health_server, tasks);   // /readyz fails until the first list is in the cache
//
// Header-only: the cache lives in redraft_runtime_client, the health server and the metrics in
// redraft_runtime_core (which the client library links).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/cache/reflector.hpp"
#include "operator/runtime/client/resource.hpp"
#include "operator/runtime/health/server.hpp"
#include "operator/runtime/metrics/registry.hpp"
#include "operator/runtime/metrics/runtime_metrics.hpp"

namespace redraft::runtime::cache {

// The resource label of a cache: "configmaps", "agentictasks.redraft.dev" (plural.group, the
// same spelling as kubectl's resource names). Pure.
inline std::string cache_resource_label(const ResourceType& type) {
  return type.group.empty() ? type.resource : type.resource + "." + type.group;
}

// The readiness check name of an informer: "informer-<resource label>", with "-ns-<namespace>"
// for a namespace-scoped informer so that one informer per namespace gets one check each. Pure.
inline std::string sync_check_name(const ReflectorOptions& options) {
  std::string name = "informer-" + cache_resource_label(options.type);
  if (!options.namespace_.empty()) name += "-ns-" + options.namespace_;
  return name;
}

// Makes `options.size_observer` also set redraft_cache_objects{resource=<label>} in `registry`
// (an observer already there keeps being called). `registry` must outlive the informer.
inline void report_cache_size(InformerOptions& options, metrics::Registry& registry) {
  auto gauge = metrics::cache_size_observer(registry, cache_resource_label(options.type));
  if (!options.size_observer) {
    options.size_observer = std::move(gauge);
    return;
  }
  options.size_observer = [gauge = std::move(gauge),
                           previous = std::move(options.size_observer)](std::size_t objects) {
    gauge(objects);
    previous(objects);
  };
}

// Registers the informer's has_synced() as a readiness check named `name` (default:
// sync_check_name), so /readyz answers 500 until the informer's first list is in its cache and
// handlers have seen it; "/readyz?verbose" lists it. The informer must outlive the server.
// Throws std::invalid_argument when the name is taken (give an explicit one, e.g. when two
// informers watch the same resource with different selectors).
template <typename T>
void add_sync_check(health::Server& server, const Informer<T>& informer, std::string name = {}) {
  if (name.empty()) name = sync_check_name(informer.reflector().options());
  server.add_readyz_check(name, [&informer] { return informer.has_synced(); });
}

}  // namespace redraft::runtime::cache
