#include "hack/localnode/pod_volumes.hpp"

namespace redraft::localnode {
namespace {

bool safe_relative(const std::string& p) {
  if (p.empty() || p.front() == '/') return false;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    std::string part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

unsigned mode_of(const nlohmann::json& v, unsigned fallback) {
  return v.is_number_integer() ? static_cast<unsigned>(v.get<int>()) & 07777u : fallback;
}

}  // namespace

std::vector<ProjectedFile> project_volume(const std::string& kind, const nlohmann::json& source,
                                          const std::optional<std::map<std::string, std::string>>& data,
                                          const std::string& ns) {
  const bool is_secret = kind == "Secret";
  const std::string name = source.value(is_secret ? "secretName" : "name", "");
  const bool optional = source.value("optional", false);
  const unsigned default_mode =
      mode_of(source.value("defaultMode", nlohmann::json()), is_secret ? 0400u : 0644u);
  if (!data) {
    if (optional) return {};
    throw ConfigError((is_secret ? "secret \"" : "configmap \"") + name + "\" not found");
  }
  std::vector<ProjectedFile> files;
  if (source.contains("items") && !source["items"].empty()) {
    for (const auto& item : source["items"]) {
      const std::string key = item.value("key", ""), path = item.value("path", "");
      if (!safe_relative(path))
        throw ConfigError(kind + " volume " + name + ": item path \"" + path +
                          "\" must be relative without \"..\"");
      auto it = data->find(key);
      if (it == data->end()) {
        if (optional) continue;
        throw ConfigError("couldn't find key " + key + " in " + kind + " " + ns + "/" + name);
      }
      files.push_back({path, it->second, mode_of(item.value("mode", nlohmann::json()), default_mode)});
    }
  } else {
    for (const auto& [key, value] : *data) files.push_back({key, value, default_mode});
  }
  return files;
}

std::vector<VolumePlan> plan_volumes(const nlohmann::json& pod, const std::filesystem::path& pod_dir,
                                     const std::filesystem::path& node_root) {
  std::vector<VolumePlan> out;
  const std::string ns = pod.value("/metadata/namespace"_json_pointer, "");
  for (const auto& v : pod["spec"].value("volumes", nlohmann::json::array())) {
    VolumePlan p;
    p.name = v.value("name", "");
    if (p.name.empty() || !safe_relative(p.name) || p.name.find('/') != std::string::npos)
      throw ConfigError("volume: invalid name \"" + p.name + "\"");
    p.host_dir = pod_dir / "volumes" / p.name;
    if (v.contains("emptyDir")) {
      p.kind = VolumeKind::EmptyDir;
    } else if (v.contains("secret")) {
      p.kind = VolumeKind::Secret;
      p.force_read_only = true;
    } else if (v.contains("configMap")) {
      p.kind = VolumeKind::ConfigMap;
      p.force_read_only = true;
    } else if (v.contains("persistentVolumeClaim")) {
      p.kind = VolumeKind::Claim;
      const std::string claim = v["persistentVolumeClaim"].value("claimName", "");
      if (claim.empty() || claim.find('/') != std::string::npos || claim == "..")
        throw ConfigError("volume " + p.name + ": invalid claimName \"" + claim + "\"");
      p.host_dir = node_root / "claims" / ns / claim;
      p.force_read_only = v["persistentVolumeClaim"].value("readOnly", false);
    } else if (v.contains("hostPath")) {
      p.kind = VolumeKind::HostPath;
      p.host_dir = v["hostPath"].value("path", "");
      if (!p.host_dir.is_absolute())
        throw ConfigError("volume " + p.name + ": hostPath.path must be absolute");
    } else {
      throw ConfigError("volume " + p.name +
                        ": unsupported volume type (localnode supports emptyDir, secret, configMap, "
                        "persistentVolumeClaim, hostPath)");
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<MountPlan> plan_mounts(const nlohmann::json& container,
                                   const std::vector<VolumePlan>& volumes) {
  std::vector<MountPlan> out;
  const std::string cname = container.value("name", "");
  for (const auto& m : container.value("volumeMounts", nlohmann::json::array())) {
    const std::string vname = m.value("name", ""), path = m.value("mountPath", "");
    const VolumePlan* volume = nullptr;
    for (const auto& v : volumes)
      if (v.name == vname) volume = &v;
    if (!volume)
      throw ConfigError("container " + cname + ": volumeMount of unknown volume \"" + vname + "\"");
    if (path.empty() || path.front() != '/')
      throw ConfigError("container " + cname + ": mountPath \"" + path + "\" must be absolute");
    MountPlan p{volume->host_dir, path, volume->force_read_only || m.value("readOnly", false)};
    const std::string sub = m.value("subPath", "");
    if (!sub.empty()) {
      if (!safe_relative(sub))
        throw ConfigError("container " + cname + ": subPath \"" + sub + "\" must be relative without \"..\"");
      p.source /= sub;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string pod_dir_name(const nlohmann::json& pod) {
  const auto& md = pod["metadata"];
  return md.value("namespace", "") + "_" + md.value("name", "") + "_" + md.value("uid", "");
}

}  // namespace redraft::localnode
