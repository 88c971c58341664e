// The redraft-operator process: wires the runtime (client, informers, probes, metrics, events,
// leader election, graceful shutdown) to the Workload and AgenticTask controllers.
//
// Lifecycle (controller-runtime's manager, in one function):
//   1. probe/metrics servers start (/healthz answers at once, /readyz fails until every
//      informer has listed), informers start (one set per --namespace, or one for all);
//   2. with --leader-elect, wait for the Lease; then, once every cache has synced, start the
//      controllers and print "redraft-operator ready" on stdout (flushed);
//   3. SIGTERM/SIGINT: stop the controllers (running reconciles finish), stop the informers,
//      flush events, release the Lease, stop the servers, exit 0 (1 if a step failed). A second
//      signal exits at once with 128+signal (130 for SIGINT, 143 for SIGTERM);
//   4. leadership lost while running: log "leader election lost" and exit 1 at once, so two
//      operators never reconcile together.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/app/options.hpp"
#include "operator/runtime/client/config.hpp"

namespace redraft::app {

inline constexpr const char* kReadyLine = "redraft-operator ready";

// The namespaces to run an informer set for: the --namespace values, or {""} (all). Pure.
std::vector<std::string> informer_namespaces(const Options& options);

// The Lease's namespace: --leader-election-namespace, else the first --namespace, else the
// in-cluster namespace (when running in a cluster), else "default". Pure.
std::string leader_election_namespace(const Options& options,
                                      std::string_view in_cluster_namespace);

struct ResolvedConfig {
  runtime::RestConfig config;
  bool in_cluster = false;
  std::string source;  // for the log: the kubeconfig path or "in-cluster"
};

// --kubeconfig, else $KUBECONFIG, else the in-cluster service account (when
// KUBERNETES_SERVICE_HOST is set), else ~/.kube/config. Throws runtime::ConfigError.
ResolvedConfig resolve_rest_config(const Options& options);

// Runs the operator until it is told to stop; returns the process exit code. Never throws.
int run_operator(const Options& options);

}  // namespace redraft::app
