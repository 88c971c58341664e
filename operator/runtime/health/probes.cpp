#include "operator/runtime/health/probes.hpp"

#include <algorithm>
#include <stdexcept>

#include "operator/runtime/metrics/exposition.hpp"

namespace redraft::runtime::health {

void CheckSet::add(const std::string& name, Check check) {
  if (name.empty() || name.find_first_of("/? \t\r\n&=") != std::string::npos) {
    throw std::invalid_argument("invalid health check name \"" + name +
                                "\": must be non-empty without '/', '?', '&', '=' or whitespace");
  }
  if (!check) {
    throw std::invalid_argument("health check \"" + name + "\" has no function");
  }
  std::lock_guard lock(mutex_);
  for (const auto& [existing, fn] : checks_) {
    if (existing == name) {
      throw std::invalid_argument("health check \"" + name + "\" is already registered");
    }
  }
  checks_.emplace_back(name, std::move(check));
}

std::vector<std::pair<std::string, Check>> CheckSet::list() const {
  std::lock_guard lock(mutex_);
  return checks_;
}

namespace {

struct Query {
  bool verbose = false;
  std::vector<std::string> exclude;
};

Query parse_query(std::string_view query) {
  Query q;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = param.find('=');
    const auto name = param.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    if (name == "verbose") {
      // "?verbose", "?verbose=true", "?verbose=1" — anything but an explicit false.
      q.verbose = value != "false" && value != "0";
    } else if (name == "exclude" && !value.empty()) {
      q.exclude.emplace_back(value);
    }
  }
  return q;
}

bool run_check(const Check& check) {
  try {
    return check();
  } catch (...) {
    return false;  // a broken check must not take the server down; it just is not healthy
  }
}

Reply text(int status, std::string body) { return Reply{status, "text/plain; charset=utf-8", std::move(body)}; }

Reply run_probe(std::string_view probe, const CheckSet* set, bool with_ping, const Query& query) {
  std::vector<std::pair<std::string, Check>> checks;
  if (with_ping) {
    checks.emplace_back("ping", [] { return true; });
  }
  if (set != nullptr) {
    auto more = set->list();
    checks.insert(checks.end(), more.begin(), more.end());
  }
  std::string details;
  bool healthy = true;
  for (const auto& [name, check] : checks) {
    if (std::find(query.exclude.begin(), query.exclude.end(), name) != query.exclude.end()) {
      details += "[+]" + name + " excluded: ok\n";
      continue;
    }
    if (run_check(check)) {
      details += "[+]" + name + " ok\n";
    } else {
      healthy = false;
      // Kubernetes withholds failure details from unauthenticated probes; so do we.
      details += "[-]" + name + " failed: reason withheld\n";
    }
  }
  if (healthy && !query.verbose) {
    return text(200, "ok");
  }
  details += std::string(probe) + (healthy ? " check passed\n" : " check failed\n");
  return text(healthy ? 200 : 500, std::move(details));
}

Reply run_single(std::string_view name, const CheckSet* set) {
  if (set != nullptr) {
    for (const auto& [check_name, check] : set->list()) {
      if (check_name == name) {
        return run_check(check) ? text(200, "ok")
                                : text(500, "internal server error: " + check_name + " check failed");
      }
    }
  }
  return text(404, "no such check: " + std::string(name) + "\n");
}

}  // namespace

Reply respond(std::string_view method, std::string_view target, const Endpoints& endpoints) {
  if (method != "GET" && method != "HEAD") {
    return text(405, "method not allowed: use GET or HEAD\n");
  }
  const auto qmark = target.find('?');
  const auto path = target.substr(0, qmark);
  const auto query =
      parse_query(qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1));

  if (path == "/healthz" || path == "/livez") {
    return run_probe(path.substr(1), endpoints.healthz, true, query);
  }
  if (path == "/readyz") {
    return run_probe("readyz", endpoints.readyz, true, query);
  }
  if (path.starts_with("/readyz/")) {
    const auto name = path.substr(std::string_view("/readyz/").size());
    if (name == "ping") {
      return text(200, "ok");
    }
    return run_single(name, endpoints.readyz);
  }
  if (path.starts_with("/healthz/")) {
    const auto name = path.substr(std::string_view("/healthz/").size());
    if (name == "ping") {
      return text(200, "ok");
    }
    return run_single(name, endpoints.healthz);
  }
  if (path == "/metrics" && endpoints.registry != nullptr) {
    return Reply{200, std::string(metrics::kExpositionContentType),
                 metrics::render_text(*endpoints.registry)};
  }
  return text(404, "not found\n");
}

}  // namespace redraft::runtime::health
