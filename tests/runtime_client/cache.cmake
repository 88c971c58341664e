# Tests of the informer cache, event recorder and leader election (owner: runtime-cache).
# Included by tests/runtime_client/CMakeLists.txt.
redraft_add_test(runtime_cache_unit_test
  SOURCES cache_unit_test.cpp events_unit_test.cpp leader_unit_test.cpp
  LIBS redraft_runtime_client redraft_deps
  LABELS unit)
