// Pod volumes on the host, and what each container sees where (pure parts).
//
// Host layout under the node's --root:
//   pods/<ns>_<pod>_<uid>/volumes/<volume>/      emptyDir, secret and configMap contents
//   claims/<ns>/<claimName>/                      persistentVolumeClaim (kept across pods)
// secret/configMap volumes are files written from the object's data (items select and rename
// keys; modes from items[].mode, else defaultMode, else 0400 for secrets and 0644 for config
// maps) and are always mounted read-only, like the kubelet does.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hack/localnode/pod_env.hpp"

namespace redraft::localnode {

struct ProjectedFile {
  std::string path;  // relative to the volume dir
  std::string content;
  unsigned mode = 0644;
};

// The files of a secret/configMap volume source given the object's decoded data (nullopt when
// the object is missing). Throws ConfigError for a missing non-optional object or item key,
// and for item paths that are absolute or contain "..".
std::vector<ProjectedFile> project_volume(const std::string& kind, const nlohmann::json& source,
                                          const std::optional<std::map<std::string, std::string>>& data,
                                          const std::string& ns);

enum class VolumeKind { EmptyDir, Secret, ConfigMap, Claim, HostPath };

struct VolumePlan {
  std::string name;
  VolumeKind kind = VolumeKind::EmptyDir;
  std::filesystem::path host_dir;  // where the content lives on the host
  bool force_read_only = false;    // secret/configMap
};

// One volume per pod.spec.volumes entry. Throws ConfigError for unsupported volume types.
std::vector<VolumePlan> plan_volumes(const nlohmann::json& pod, const std::filesystem::path& pod_dir,
                                     const std::filesystem::path& node_root);

struct MountPlan {
  std::filesystem::path source;  // host path
  std::string target;            // absolute path inside the container
  bool read_only = false;
};

// The container's volumeMounts resolved against the pod's volumes (subPath included). Throws
// ConfigError for a mount of an unknown volume, a relative mountPath or a subPath with "..".
std::vector<MountPlan> plan_mounts(const nlohmann::json& container,
                                   const std::vector<VolumePlan>& volumes);

// <ns>_<pod>_<uid>: names and namespaces never contain '_' (RFC 1123), so this is unambiguous.
std::string pod_dir_name(const nlohmann::json& pod);

}  // namespace redraft::localnode
