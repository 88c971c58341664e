// redraft-executor: the in-pod executor (DESIGN.md §6). See executor/phases/executor_cli.hpp.
#include <string>
#include <vector>

#include "executor/phases/executor_cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return redraft::executor::run_executor(args);
}
