#include "executor/agent/agent_env.hpp"

#include <algorithm>
#include <array>
#include <cctype>

extern char** environ;

namespace redraft::executor {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Names that configure git or ssh transport/credentials. Refused even when the Agent declares
// them explicitly: the agent phase must never be able to authenticate to a git remote.
bool is_git_transport_name(std::string_view name) {
  std::string n = upper(name);
  return n.starts_with("GIT_") || n.starts_with("REDRAFT_GIT_") || n == "SSH_AUTH_SOCK" ||
         n == "SSH_ASKPASS" || n == "GIT" ||
         ((n.find("GIT") != std::string::npos) &&
          (n.find("TOKEN") != std::string::npos || n.find("PASS") != std::string::npos ||
           n.find("CREDENTIAL") != std::string::npos));
}

bool contains_secret(const std::string& value, const std::vector<std::string>& secrets) {
  return std::any_of(secrets.begin(), secrets.end(), [&](const std::string& s) {
    return !s.empty() && value.find(s) != std::string::npos;
  });
}

}  // namespace

bool is_credential_like(std::string_view name) {
  std::string n = upper(name);
  return is_git_transport_name(name) || n.find("TOKEN") != std::string::npos ||
         n.find("PASSWORD") != std::string::npos || n.find("CREDENTIAL") != std::string::npos;
}

bool is_inherited_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kNames{"PATH", "HOME", "LANG",
                                                          "TERM", "TMPDIR", "USER"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end() || name.starts_with("LC_");
}

EnvMap current_environment() {
  EnvMap env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

AgentEnvResult build_agent_env(const EnvMap& parent, const std::vector<api::EnvVar>& declared,
                               const EnvMap& redraft_vars, const std::vector<std::string>& secrets) {
  AgentEnvResult result;
  for (const auto& [name, value] : parent) {
    if (is_inherited_name(name) && !is_credential_like(name) && !contains_secret(value, secrets)) {
      result.env[name] = value;
    }
  }
  for (const auto& var : declared) {
    if (var.name.empty()) continue;
    if (is_git_transport_name(var.name)) {
      result.warnings.push_back("agent env " + var.name +
                                ": refused, git credentials and transport settings never reach "
                                "the agent");
      continue;
    }
    if (redraft_vars.count(var.name)) continue;  // reserved, set below
    std::optional<std::string> value = var.value;
    if (!value && var.valueFrom) {
      // In a Pod the kubelet resolved valueFrom into our own environment; locally nobody did.
      auto it = parent.find(var.name);
      if (it == parent.end()) {
        result.warnings.push_back("agent env " + var.name +
                                  ": valueFrom cannot be resolved by the executor and the "
                                  "variable is not set in its environment; skipped");
        continue;
      }
      value = it->second;
    }
    if (!value) value = std::string();
    if (contains_secret(*value, secrets)) {
      result.warnings.push_back("agent env " + var.name +
                                ": refused, its value contains a git credential");
      continue;
    }
    result.env[var.name] = *value;
  }
  for (const auto& [name, value] : redraft_vars) result.env[name] = value;
  return result;
}

}  // namespace redraft::executor
