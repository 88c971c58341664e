#include "operator/app/options.hpp"

#include <charconv>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "operator/runtime/health/server.hpp"

namespace redraft::app {
namespace {

// nullopt ⇒ accepted; otherwise why the value is not.
using Problem = std::optional<std::string>;

struct FlagSpec {
  std::string_view name;         // without dashes
  std::string_view value_name;   // "" for a bool flag
  std::string_view help;
  std::function<std::string(const Options&)> default_value;  // shown in --help ("" ⇒ none)
  std::function<Problem(Options&, std::string_view value)> apply;
};

bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    if (!is_dns_label(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Problem whole_number(std::string_view value, int min, int max, int& out) {
  int parsed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || parsed < min ||
      parsed > max) {
    return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  }
  out = parsed;
  return std::nullopt;
}

Problem namespace_name(std::string_view value) {
  if (!is_dns_label(value)) {
    return std::string("must be a namespace name (lower-case letters, digits and '-', at most 63 "
                       "characters, starting and ending with a letter or digit)");
  }
  return std::nullopt;
}

Problem bind_address(std::string_view value) {
  if (value == "0") return std::nullopt;
  try {
    (void)runtime::health::parse_bind_address(value);
  } catch (const std::invalid_argument&) {
    return std::string("must be host:port, :port, [ipv6]:port or \"0\" to disable");
  }
  return std::nullopt;
}

// Go's strconv.ParseBool spellings.
std::optional<bool> parse_bool(std::string_view value) {
  for (std::string_view yes : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (value == yes) return true;
  }
  for (std::string_view no : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (value == no) return false;
  }
  return std::nullopt;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

const std::vector<FlagSpec>& flag_table() {
  static const std::vector<FlagSpec> table = {
      {"kubeconfig", "PATH",
       "kubeconfig file; without it: $KUBECONFIG, then the in-cluster service account, then "
       "~/.kube/config",
       nullptr,
       [](Options& o, std::string_view v) -> Problem {
         if (v.empty()) return "must not be empty";
         o.kubeconfig = std::string(v);
         return std::nullopt;
       }},
      {"namespace", "NS", "watch only this namespace (repeatable); none: all namespaces", nullptr,
       [](Options& o, std::string_view v) -> Problem {
         if (auto p = namespace_name(v)) return p;
         for (const auto& known : o.namespaces) {
           if (known == v) return std::nullopt;  // given twice: one informer set is enough
         }
         o.namespaces.emplace_back(v);
         return std::nullopt;
       }},
      {"leader-elect", "", "run controllers only while holding the leader-election Lease",
       [](const Options& o) { return std::string(o.leader_elect ? "true" : "false"); },
       [](Options& o, std::string_view v) -> Problem {
         const auto b = parse_bool(v);
         if (!b) return "must be true or false";
         o.leader_elect = *b;
         return std::nullopt;
       }},
      {"leader-election-namespace", "NS",
       "namespace of the Lease; default: the first --namespace, else the in-cluster namespace, "
       "else \"default\"",
       nullptr,
       [](Options& o, std::string_view v) -> Problem {
         if (auto p = namespace_name(v)) return p;
         o.leader_election_namespace = std::string(v);
         return std::nullopt;
       }},
      {"leader-election-id", "NAME", "name of the leader-election Lease",
       [](const Options& o) { return o.leader_election_id; },
       [](Options& o, std::string_view v) -> Problem {
         if (!is_dns_subdomain(v)) {
           return "must be a Lease name (lower-case RFC 1123 subdomain, at most 253 characters)";
         }
         o.leader_election_id = std::string(v);
         return std::nullopt;
       }},
      {"metrics-bind-address", "ADDR", "address of the /metrics endpoint; \"0\" disables it",
       [](const Options& o) { return o.metrics_bind_address; },
       [](Options& o, std::string_view v) -> Problem {
         if (auto p = bind_address(v)) return p;
         o.metrics_bind_address = std::string(v);
         return std::nullopt;
       }},
      {"health-probe-bind-address", "ADDR",
       "address of the /healthz and /readyz endpoints; \"0\" disables them",
       [](const Options& o) { return o.health_probe_bind_address; },
       [](Options& o, std::string_view v) -> Problem {
         if (auto p = bind_address(v)) return p;
         o.health_probe_bind_address = std::string(v);
         return std::nullopt;
       }},
      {"executor-image", "IMG", "image of the task Pods' executor containers",
       [](const Options& o) { return o.executor_image; },
       [](Options& o, std::string_view v) -> Problem {
         if (v.empty()) return "must not be empty";
         if (v.find_first_of(" \t\r\n") != std::string_view::npos) {
           return "must be an image reference without whitespace";
         }
         o.executor_image = std::string(v);
         return std::nullopt;
       }},
      {"task-service-account", "NAME",
       "service account of the task Pods; default: the namespace's default", nullptr,
       [](Options& o, std::string_view v) -> Problem {
         if (!v.empty() && !is_dns_subdomain(v)) {
           return "must be a service account name (lower-case RFC 1123 subdomain)";
         }
         o.task_service_account = std::string(v);
         return std::nullopt;
       }},
      {"max-concurrent-reconciles", "N", "reconciles run at once per controller",
       [](const Options& o) { return std::to_string(o.max_concurrent_reconciles); },
       [](Options& o, std::string_view v) -> Problem {
         return whole_number(v, 1, 1000, o.max_concurrent_reconciles);
       }},
      {"pod-start-timeout", "SECONDS",
       "a task Pod whose containers cannot start for this long fails the attempt",
       [](const Options& o) { return std::to_string(o.pod_start_timeout.count()); },
       [](Options& o, std::string_view v) -> Problem {
         int seconds = 0;
         if (auto p = whole_number(v, 1, 86400, seconds)) return p;
         o.pod_start_timeout = std::chrono::seconds(seconds);
         return std::nullopt;
       }},
      {"log-format", "json|text", "log line format on stderr",
       [](const Options& o) { return std::string(to_string(o.log_format)); },
       [](Options& o, std::string_view v) -> Problem {
         if (v == "json") {
           o.log_format = LogFormat::Json;
         } else if (v == "text") {
           o.log_format = LogFormat::Text;
         } else {
           return "must be json or text";
         }
         return std::nullopt;
       }},
      {"v", "N", "log verbosity: 0 info, 1 debug, 2 and more trace",
       [](const Options& o) { return std::to_string(o.verbosity); },
       [](Options& o, std::string_view v) -> Problem { return whole_number(v, 0, 10, o.verbosity); }},
  };
  return table;
}

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& spec : flag_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

ParseResult error(std::string message) {
  ParseResult r;
  r.outcome = ParseResult::Outcome::Error;
  r.error = std::move(message);
  return r;
}

// How a flag is written in messages: "-v" for the one-letter flag, "--name" otherwise.
std::string spelled(std::string_view name) {
  return (name.size() == 1 ? "-" : "--") + std::string(name);
}

}  // namespace

std::string_view to_string(LogFormat format) {
  return format == LogFormat::Json ? "json" : "text";
}

ParseResult parse_options(const std::vector<std::string_view>& args) {
  ParseResult result;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--") {
      if (i + 1 < args.size()) return error("unexpected argument " + quoted(args[i + 1]));
      break;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      return error("unexpected argument " + quoted(arg) + " (flags start with --)");
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body[0] == '-') return error("bad flag syntax: " + std::string(arg));
    std::optional<std::string_view> inline_value;
    if (const auto eq = body.find('='); eq != std::string_view::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
      if (body.empty()) return error("bad flag syntax: " + std::string(arg));
    }
    if (body == "help" || body == "h") {
      result.outcome = ParseResult::Outcome::Help;
      return result;
    }
    const FlagSpec* spec = find_flag(body);
    if (!spec) return error("unknown flag: " + spelled(body));
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (spec->value_name.empty()) {
      value = "true";  // a bool flag alone means true
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return error("flag " + spelled(spec->name) + " needs a value (" +
                   std::string(spec->value_name) + ")");
    }
    if (auto problem = spec->apply(result.options, value)) {
      return error("flag " + spelled(spec->name) + ": invalid value " + quoted(value) + ": " +
                   *problem);
    }
  }
  return result;
}

std::string usage(std::string_view program) {
  std::string out = "Usage: " + std::string(program) + " [flags]\n\n"
                    "Runs the Redraft controllers (Workload, AgenticTask) against a Kubernetes API "
                    "server.\nPrints \"redraft-operator ready\" on stdout once its caches are synced "
                    "and its controllers run.\n\nFlags:\n";
  const Options defaults;
  for (const auto& spec : flag_table()) {
    std::string line = "  " + spelled(spec.name);
    if (!spec.value_name.empty()) line += " " + std::string(spec.value_name);
    out += line + "\n      " + std::string(spec.help);
    if (spec.default_value) out += " (default " + spec.default_value(defaults) + ")";
    out += "\n";
  }
  out += "  -h, --help\n      print this help\n";
  out += "  --version\n      print \"redraft-operator VERSION\" (only as the sole argument)\n";
  return out;
}

}  // namespace redraft::app
