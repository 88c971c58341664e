#include "operator/controllers/agentictask/pod_view.hpp"

#include <nlohmann/json.hpp>

#include "api/codec.hpp"

namespace redraft::controllers::agentictask {
namespace {

using nlohmann::json;

// The string at `key` of `parent` (absent or null ⇒ unchanged); anything else is a DecodeError
// naming `path`.
void read_text(const json& parent, const char* key, const std::string& path, api::Text& out) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return;
  if (!it->is_string()) throw api::DecodeError(path + ": expected string");
  out = it->get_ref<const std::string&>();
}

const json* object_at(const json& parent, const char* key, const std::string& path) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw api::DecodeError(path + ": expected object");
  return &*it;
}

ContainerView decode_container(const json& j, const std::string& path) {
  if (!j.is_object()) throw api::DecodeError(path + ": expected object");
  ContainerView c;
  read_text(j, "name", path + ".name", c.name);
  const json* state = object_at(j, "state", path + ".state");
  if (state == nullptr) return c;
  // A container status has at most one of the three states set.
  for (const char* s : {"terminated", "running", "waiting"}) {
    const std::string sp = path + ".state." + s;
    const json* st = object_at(*state, s, sp);
    if (st == nullptr) continue;
    c.state = s;
    read_text(*st, "reason", sp + ".reason", c.reason);
    read_text(*st, "message", sp + ".message", c.message);
    read_text(*st, "startedAt", sp + ".startedAt", c.startedAt);
    read_text(*st, "finishedAt", sp + ".finishedAt", c.finishedAt);
    if (auto it = st->find("exitCode"); it != st->end() && !it->is_null()) {
      if (!it->is_number_integer()) throw api::DecodeError(sp + ".exitCode: expected integer");
      c.exitCode = it->get<std::int64_t>();
    }
    break;
  }
  return c;
}

std::vector<ContainerView> decode_containers(const json& status, const char* key) {
  std::vector<ContainerView> out;
  auto it = status.find(key);
  if (it == status.end() || it->is_null()) return out;
  const std::string path = std::string("status.") + key;
  if (!it->is_array()) throw api::DecodeError(path + ": expected array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    out.push_back(decode_container((*it)[i], path + "[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

void from_json(const nlohmann::json& j, PodView& pod) {
  if (!j.is_object()) throw api::DecodeError("pod: expected object");
  pod = PodView{};
  if (const json* meta = object_at(j, "metadata", "metadata")) {
    try {
      api::from_json(*meta, pod.metadata);
    } catch (const api::DecodeError& e) {
      throw api::DecodeError(std::string("metadata.") + e.what());
    }
  }
  if (const json* spec = object_at(j, "spec", "spec")) read_text(*spec, "nodeName", "spec.nodeName", pod.nodeName);
  const json* status = object_at(j, "status", "status");
  if (status == nullptr) return;
  read_text(*status, "phase", "status.phase", pod.phase);
  read_text(*status, "reason", "status.reason", pod.reason);
  read_text(*status, "message", "status.message", pod.message);
  read_text(*status, "startTime", "status.startTime", pod.startTime);
  pod.initContainers = decode_containers(*status, "initContainerStatuses");
  pod.containers = decode_containers(*status, "containerStatuses");
}

}  // namespace redraft::controllers::agentictask
