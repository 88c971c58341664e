# executor/git (libgit2 wrappers, branch and lease rules), executor/phases (prepare, agent,
# publish, run) and the redraft-executor binary. Owned by the "git" area.
set(_redraft_git_dir ${CMAKE_CURRENT_LIST_DIR})

add_library(redraft_exec_git STATIC
  ${_redraft_git_dir}/git/git_error.cpp
  ${_redraft_git_dir}/git/ref_rules.cpp
  ${_redraft_git_dir}/git/credentials.cpp
  ${_redraft_git_dir}/git/known_hosts.cpp
  ${_redraft_git_dir}/git/remote.cpp
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
  ${_redraft_git_dir}/phases/executor_cli.cpp)
target_include_directories(redraft_exec_git PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_exec_git PUBLIC redraft_build_flags redraft_deps PkgConfig::LIBGIT2)
# The API library and the agent-side modules (redaction, agent phase) come from other areas;
# link them when they exist so this file stays valid while they are being written.
foreach(_dep redraft_api redraft_exec_agent)
  if(TARGET ${_dep})
    target_link_libraries(redraft_exec_git PUBLIC ${_dep})
  endif()
endforeach()

add_executable(redraft-executor ${_redraft_git_dir}/main.cpp)
target_link_libraries(redraft-executor PRIVATE redraft_exec_git redraft_build_flags)
