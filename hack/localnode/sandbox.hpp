// Running one container's process: a private mount namespace that shows the pod's volumes at
// their mountPaths, without touching the host's file system tree.
//
// Why this way: the pods' mount paths (/workspace, /redraft/state, /dev/termination-log, ...)
// do not exist on the host and must not be created in the host's "/". So the container gets its
// own mount namespace (CLONE_NEWNS as root; as a non-root user CLONE_NEWUSER|CLONE_NEWNS when
// unprivileged user namespaces are allowed; otherwise the container fails to start with a message
// saying so). Inside it, a tmpfs becomes the new root: every top-level entry of the host's "/" is
// bind-mounted (recursively) into it, except that a directory on the way to a mount path (such as
// /dev for /dev/termination-log) is itself rebuilt as a tmpfs of bind mounts of its entries, so
// that the mount point can be created there without writing to the host. The volumes are then
// bind-mounted at their mount paths (read-only ones remounted read-only) and the process
// chroots into the new root. Each container also gets a PID namespace whose init (a fork of the
// helper) runs the command and takes every leftover process down with it when the command exits.
// Processes keep the host's users, network and devices: this isolates views, not security.
//
// The spawned process is `<self> --run-container SPEC` (single-threaded, so the namespace and
// mount set-up is ordinary code): its pid is the container's pid, the leader of its own session
// and process group; it waits for the namespace's init and exits with the command's exit code. Set-up failures come back
// through a pipe as text and the container is reported as not started.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hack/localnode/pod_volumes.hpp"

namespace redraft::localnode {

struct LaunchSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // KEY=VALUE
  std::string working_dir;       // inside the container; empty ⇒ "/"
  std::filesystem::path root_dir;  // an empty host dir on which the new root is built
  std::vector<MountPlan> mounts;   // volumes and the termination-message file
};

nlohmann::json to_json(const LaunchSpec& spec);
LaunchSpec launch_spec_from_json(const nlohmann::json& j);

struct Launched {
  pid_t pid = -1;     // > 0 when the command is running
  std::string error;  // why it could not start (set-up or exec failure)
};

// Writes the spec to `spec_file`, spawns the helper with stdout/stderr appended to `log_file`,
// and waits until the command was exec'd (or failed to start).
Launched launch_container(const std::filesystem::path& self_exe, const LaunchSpec& spec,
                          const std::filesystem::path& spec_file,
                          const std::filesystem::path& log_file);

// The helper's entry point (`--run-container SPEC`); exits with the command's exit code, or 128
// when it could not start (the reason written to fd 3).
[[noreturn]] void run_container_helper(const std::filesystem::path& spec_file);

// Sends `sig` to the container's process group and to every process still in its session.
void signal_container(pid_t leader, int sig);

// Whether any process of the container's session/process group is still alive.
bool container_processes_alive(pid_t leader);

// When the container's main process has exited: kills what it left in its session (while its
// zombie still reserves the pid, so no unrelated process can be hit), reaps it and returns the
// exit code. nullopt while it runs. An already reaped/unknown child counts as killed (137).
std::optional<int> reap_if_exited(pid_t leader);

// The identity of a container's leader process that survives a node restart: its pid, its start
// time (field 22 of /proc/PID/stat, clock ticks since boot) and the boot id. A pid alone may have
// been reused by an unrelated process by the time a restarted node looks at it.
struct ProcessIdentity {
  pid_t pid = -1;
  unsigned long long start_time = 0;
  std::string boot_id;
};

// "localnode://PID/STARTTIME/BOOTID"; parse gives nullopt for anything else (including the old
// "localnode://PID", which cannot be verified).
std::string container_id_of(const ProcessIdentity& id);
std::optional<ProcessIdentity> parse_container_id(const std::string& container_id);

// The identity of a live process now (nullopt when it does not exist); the current boot id.
std::optional<ProcessIdentity> identity_of(pid_t pid);
std::string current_boot_id();

// After a node restart: kills what is left of the container identified by `id`, only when that
// is provably the container's — same boot, and the leader either still alive with the recorded
// start time, or gone (its pid then still names the session/process group of the survivors, which
// must have started no earlier than the leader). Returns why nothing was signalled, or "" when it
// signalled (or there was nothing left).
std::string kill_leftovers(const ProcessIdentity& id);

// Exit code as the kubelet reports it: the status, or 128 + the signal.
int exit_code_of(int wait_status);

}  // namespace redraft::localnode
