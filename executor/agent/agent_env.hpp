// The agent's environment, built explicitly (pure): a small allow-list from the executor's own
// environment, the Agent's declared env, and the REDRAFT_* variables. Git credentials never
// reach the agent, whatever the executor's environment holds.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace redraft::executor {

using EnvMap = std::map<std::string, std::string>;

// True for names that can carry git credentials or credential helpers: GIT_*, REDRAFT_GIT_*,
// SSH_AUTH_SOCK, SSH_ASKPASS, and *TOKEN* / *PASSWORD* / *CREDENTIAL* names.
bool is_credential_like(std::string_view name);

// Names inherited from the executor's environment: PATH, HOME, LANG, LC_*, TERM, TMPDIR, USER.
bool is_inherited_name(std::string_view name);

// The current process environment as a map.
EnvMap current_environment();

struct AgentEnvResult {
  EnvMap env;
  std::vector<std::string> warnings;  // each names the variable
};

// parent: the executor's environment. declared: Agent spec.env. redraft_vars: REDRAFT_PROMPT_FILE
// etc. (win over everything). secrets: values that must not be passed in any variable.
//
// Declared entries with `value` are passed (except git-credential names: GIT_*, REDRAFT_GIT_*,
// SSH_AUTH_SOCK, SSH_ASKPASS, which are refused with a warning). Entries with `valueFrom` cannot
// be resolved by the executor: in a Pod the kubelet has already put them in the executor's
// environment, so they are taken from `parent` when present there, else skipped with a warning.
AgentEnvResult build_agent_env(const EnvMap& parent, const std::vector<api::EnvVar>& declared,
                               const EnvMap& redraft_vars,
                               const std::vector<std::string>& secrets = {});

}  // namespace redraft::executor
