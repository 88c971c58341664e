// `redraft-executor install --to DIR` (DESIGN.md §6): the task Pod's first init container copies
// the executor into a shared emptyDir, so the agent container can run it from an image that does
// not contain it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::executor {

inline constexpr const char* kInstalledBinaryName = "redraft-executor";
// A self-contained bundle (hack/bundle/launcher.cpp): DIR/redraft-executor is a static launcher,
// DIR/lib holds the loader (ld.so), the shared libraries and redraft-executor.bin. The launcher
// exports the bundle's directory in this variable (under the loader /proc/self/exe is ld.so).
inline constexpr const char* kBundleDirEnv = "REDRAFT_BUNDLE_DIR";
inline constexpr const char* kBundleLibDir = "lib";
inline constexpr const char* kBundleLoaderName = "ld.so";
// lib/redraft-bundle.files: the names of the bundle's files in lib/, one per line (written by
// hack/bundle/make_bundle.cmake). install copies exactly these, never whatever else lib/ holds.
inline constexpr const char* kBundleManifestName = "redraft-bundle.files";

struct BundleManifest {
  std::vector<std::string> files;  // plain names in lib/ (empty when invalid)
  std::string error;               // otherwise: what is wrong
};

// Pure. Blank lines are skipped; a name with '/' (or "." / "..") is an error, and the loader and
// redraft-executor.bin must be listed.
BundleManifest parse_bundle_manifest(std::string_view text);

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

// Copies the bundle rooted at `bundle` into DIR: the files its manifest lists from bundle/lib
// into DIR/lib (created when missing), the manifest, then the launcher to DIR/redraft-executor,
// each through a temporary name and a rename. Returns the number of files copied. Throws
// std::runtime_error naming REDRAFT_BUNDLE_DIR when `bundle` is not a bundle (no or a bad
// manifest, a listed file missing), and --to as install_executor does.
std::size_t install_bundle(const std::filesystem::path& dir, const std::filesystem::path& bundle);

// The whole subcommand: parse, install (the bundle named by REDRAFT_BUNDLE_DIR when set, else
// the running binary), print one line; returns the exit code (0, or 2 with a
// message on stderr).
int run_install(const std::vector<std::string>& args);

}  // namespace redraft::executor
