// Command-line flags of redraft-devserver, parsed by a pure function so bad flags are tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace redraft::devserver {

struct CliOptions {
  unsigned short port = 0;  // 0: pick a free port
  bool tls = false;
  std::string token;
  std::string token_file;
  bool client_cert_auth = false;  // needs tls
  std::string client_ca_file;     // extra trusted client CAs (PEM bundle); needs client_cert_auth
  std::string kubeconfig_path;
  std::size_t history_size = 10000;
  int bookmark_interval_ms = 5000;
  int gc_delay_ms = 100;  // -1: no collector for dependents whose owners are all gone
  int fault_close_watches_after_seconds = 0;
  int fault_latency_ms = 0;
  bool verbose = false;
  bool help = false;
};

// Throws std::invalid_argument naming the flag and the value on bad input.
CliOptions parse_cli(const std::vector<std::string>& args);
std::string cli_usage();

}  // namespace redraft::devserver
