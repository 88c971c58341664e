// Command line of redraft-localnode (pure parsing, unit-tested).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace redraft::localnode {

struct Options {
  std::string kubeconfig;          // --kubeconfig PATH (required)
  std::string name = "local";      // --name NAME: the Node's name
  std::filesystem::path root;      // --root DIR: pod dirs and claims; empty ⇒ a temp dir
  bool bind_unscheduled = false;   // --bind-unscheduled
  std::map<std::string, std::string> image_paths;  // --image-path IMAGE=DIR (repeatable)
  int verbosity = 0;               // -v / -v N
  int heartbeat_seconds = 10;      // --heartbeat-seconds N: Lease renew period
  int config_retry_seconds = 3;    // --config-retry-seconds N: CreateContainerConfigError retry
  bool help = false;
};

// Throws std::invalid_argument naming the flag for bad input.
Options parse_options(const std::vector<std::string>& args);

std::string usage();

}  // namespace redraft::localnode
