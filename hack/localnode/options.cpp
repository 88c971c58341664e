#include "hack/localnode/options.hpp"

#include <stdexcept>

namespace redraft::localnode {
namespace {

int parse_positive(const std::string& flag, const std::string& value) {
  try {
    std::size_t used = 0;
    int n = std::stoi(value, &used);
    if (used == value.size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + ": expected a positive integer, got \"" + value + "\"");
}

}  // namespace

std::string usage() {
  return "usage: redraft-localnode --kubeconfig PATH [--name NAME (default: local)] [--root DIR]\n"
         "         [--bind-unscheduled] [--image-path IMAGE=DIR ...] [-v [N]]\n"
         "         [--heartbeat-seconds N] [--config-retry-seconds N]\n";
}

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.starts_with("--")) {
      if (auto eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
      }
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw std::invalid_argument(flag + ": missing value");
      return args[++i];
    };
    if (flag == "--kubeconfig") {
      o.kubeconfig = value();
      if (o.kubeconfig.empty()) throw std::invalid_argument("--kubeconfig: empty path");
    } else if (flag == "--name") {
      o.name = value();
      if (o.name.empty()) throw std::invalid_argument("--name: empty node name");
    } else if (flag == "--root") {
      o.root = value();
    } else if (flag == "--bind-unscheduled") {
      if (inline_value) throw std::invalid_argument("--bind-unscheduled takes no value");
      o.bind_unscheduled = true;
    } else if (flag == "--image-path") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        throw std::invalid_argument("--image-path: expected IMAGE=DIR, got \"" + v + "\"");
      o.image_paths[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (flag == "--heartbeat-seconds") {
      o.heartbeat_seconds = parse_positive(flag, value());
    } else if (flag == "--config-retry-seconds") {
      o.config_retry_seconds = parse_positive(flag, value());
    } else if (flag == "-v" || flag == "--v" || flag == "--verbose") {
      o.verbosity = 1;
      if (inline_value) {
        o.verbosity = parse_positive(flag, *inline_value);
      } else if (i + 1 < args.size() && !args[i + 1].empty() &&
                 args[i + 1].find_first_not_of("0123456789") == std::string::npos) {
        o.verbosity = std::stoi(args[++i]);
      }
    } else if (flag == "-h" || flag == "--help") {
      o.help = true;
    } else {
      throw std::invalid_argument("unknown flag \"" + flag + "\"");
    }
  }
  if (o.kubeconfig.empty() && !o.help) throw std::invalid_argument("--kubeconfig is required");
  return o;
}

}  // namespace redraft::localnode
