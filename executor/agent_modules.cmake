# The executor's agent side (no git): prompt composition, the agent process runner, the result
# contract, and the redaction every log line goes through.
add_library(redraft_exec_agent STATIC
  ${CMAKE_CURRENT_LIST_DIR}/support/redact.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt/compose.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt/repo_instructions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent/agent_env.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent/process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent/result.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent/agent_phase.cpp)
target_include_directories(redraft_exec_agent PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_exec_agent PUBLIC redraft_api redraft_build_flags redraft_deps)
