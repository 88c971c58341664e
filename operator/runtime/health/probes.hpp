#pragma once
// Health and readiness probes and the routing of the probe/metrics HTTP endpoints, as pure
// functions (the HTTP server in server.hpp is a thin shell around respond()).
//
//   GET /healthz, /livez       liveness: every healthz check (plus the built-in "ping")
//   GET /readyz                readiness: every readyz check (e.g. one per informer: has_synced)
//   GET /readyz/<check>        one check
//   ?verbose                   list every check as "[+]name ok" / "[-]name failed"
//   ?exclude=<check>           skip a check (repeatable)
//   GET /metrics               Prometheus text exposition 0.0.4
// Failing probes answer 500, like the Kubernetes API server and controller-runtime.

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operator/runtime/metrics/registry.hpp"

namespace redraft::runtime::health {

// A check passes by returning true. A check that throws counts as failed.
using Check = std::function<bool()>;

// A named, thread-safe list of checks; checks can be added while the server runs.
class CheckSet {
 public:
  // Throws std::invalid_argument when the name is empty, contains '/', '?' or whitespace, or is
  // already taken.
  void add(const std::string& name, Check check);
  std::vector<std::pair<std::string, Check>> list() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Check>> checks_;
};

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct Endpoints {
  const CheckSet* healthz = nullptr;
  const CheckSet* readyz = nullptr;
  const metrics::Registry* registry = nullptr;  // no /metrics when null
};

// Routes one request. `target` is the request target ("/readyz?verbose").
Reply respond(std::string_view method, std::string_view target, const Endpoints& endpoints);

}  // namespace redraft::runtime::health
