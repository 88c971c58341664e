# executor/git (libgit2 wrappers, branch and lease rules), executor/phases (prepare, agent,
# publish, run) and the redraft-executor binary. Owned by the "git" area.
set(_redraft_git_dir ${CMAKE_CURRENT_LIST_DIR})

add_library(redraft_exec_git STATIC
  ${_redraft_git_dir}/git/git_error.cpp
  ${_redraft_git_dir}/git/ref_rules.cpp
  ${_redraft_git_dir}/git/credentials.cpp
  ${_redraft_git_dir}/git/known_hosts.cpp
  ${_redraft_git_dir}/git/remote.cpp
  ${_redraft_git_dir}/git/tls_trust.cpp
  ${_redraft_git_dir}/git/workspace.cpp
  ${_redraft_git_dir}/git/branch_rules.cpp
  ${_redraft_git_dir}/phases/cli.cpp
  ${_redraft_git_dir}/phases/commit_message.cpp
  ${_redraft_git_dir}/phases/state.cpp
  ${_redraft_git_dir}/phases/task_checks.cpp
  ${_redraft_git_dir}/phases/outcome.cpp
  ${_redraft_git_dir}/phases/prepare.cpp
  ${_redraft_git_dir}/phases/agent_step.cpp
  ${_redraft_git_dir}/phases/publish.cpp
  ${_redraft_git_dir}/phases/watchdog.cpp
  ${_redraft_git_dir}/phases/install.cpp
  ${_redraft_git_dir}/phases/executor_cli.cpp)
target_include_directories(redraft_exec_git PUBLIC ${PROJECT_SOURCE_DIR})
# --version: only this file sees the version, so a version bump recompiles one file.
set_property(SOURCE ${_redraft_git_dir}/phases/executor_cli.cpp APPEND PROPERTY
  COMPILE_DEFINITIONS REDRAFT_VERSION="${PROJECT_VERSION}")
# redraft_api (codecs, defaults, validation) and redraft_exec_agent (redaction, the agent phase)
# come from the api/ and agent areas; api/ is added before executor/, agent_modules.cmake is
# included before this file.
target_link_libraries(redraft_exec_git PUBLIC
  redraft_api redraft_exec_agent redraft_build_flags redraft_deps PkgConfig::LIBGIT2)

add_executable(redraft-executor ${_redraft_git_dir}/main.cpp)
target_link_libraries(redraft-executor PRIVATE redraft_exec_git redraft_build_flags)
