// `redraft-executor install --to DIR` (DESIGN.md §6): the task Pod's first init container copies
// the executor into a shared emptyDir, so the agent container can run it from an image that does
// not contain it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace redraft::executor {

inline constexpr const char* kInstalledBinaryName = "redraft-executor";

struct InstallParse {
  std::optional<std::filesystem::path> to;  // set when the command line is valid
  std::string error;                        // otherwise: what is wrong, naming the flag
};

// Pure. `args` are the arguments after "install"; accepts "--to DIR" and "--to=DIR".
InstallParse parse_install(const std::vector<std::string>& args);

// Copies `self` (normally /proc/self/exe) to DIR/redraft-executor, mode 0755, through a temporary
// name in DIR and a rename, so a reader never sees half a binary. Throws std::runtime_error
// naming --to and the path when DIR is missing, not a directory or not writable.
void install_executor(const std::filesystem::path& dir,
                      const std::filesystem::path& self = "/proc/self/exe");

// The whole subcommand: parse, install, print one line; returns the exit code (0, or 2 with a
// message on stderr).
int run_install(const std::vector<std::string>& args);

}  // namespace redraft::executor
