redraft_add_test(controllers_common_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/common_labels_test.cpp ${CMAKE_CURRENT_LIST_DIR}/common_metrics_test.cpp
  LIBS redraft_controllers_common
  LABELS unit)
