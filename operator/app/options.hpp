// The redraft-operator command line (DESIGN.md §5, kubebuilder conventions), as a pure parser.
//
//   --flag value | --flag=value | -flag value | -flag=value   (Go's flag package accepts one or
//                                                              two dashes; so do we)
//   --leader-elect | --leader-elect=true|false                (a bool flag never takes the next
//                                                              argument as its value)
//   --namespace NS (repeatable; none ⇒ all namespaces)        -v N (also --v N, -v=N)
//   --help / -h                                                "--" ends the flags
//
// Every error names the flag and the offending value. A later occurrence of a single-valued flag
// replaces an earlier one (like Go's flag package).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::app {

enum class LogFormat { Text, Json };

struct Options {
  std::string kubeconfig;               // "" ⇒ $KUBECONFIG, in-cluster, ~/.kube/config
  std::vector<std::string> namespaces;  // empty ⇒ all namespaces (one informer set)
  bool leader_elect = false;
  std::string leader_election_namespace;  // "" ⇒ first --namespace, in-cluster namespace, "default"
  std::string leader_election_id = "redraft-operator";
  std::string metrics_bind_address = ":8080";       // "0" disables
  std::string health_probe_bind_address = ":8081";  // "0" disables
  std::string executor_image = "redraft/executor:dev";
  std::string task_service_account;  // "" ⇒ the namespace's default service account
  int max_concurrent_reconciles = 2;
  std::chrono::seconds pod_start_timeout{120};
  LogFormat log_format = LogFormat::Text;
  int verbosity = 0;  // -v: 0 info, 1 debug, ≥2 trace

  bool operator==(const Options&) const = default;
};

struct ParseResult {
  enum class Outcome { Run, Help, Error };
  Outcome outcome = Outcome::Run;
  Options options;    // meaningful for Run
  std::string error;  // for Error: one line naming the flag, e.g. "flag --namespace: ..."
};

// Parses the arguments after the program name. Pure.
ParseResult parse_options(const std::vector<std::string_view>& args);

// The --help text (flags, values, defaults). Pure.
std::string usage(std::string_view program);

// The lower-case name of a log format ("text", "json").
std::string_view to_string(LogFormat format);

}  // namespace redraft::app
