#include "hack/localnode/pod_env.hpp"

#include <map>

namespace redraft::localnode {
namespace {

void set_var(EnvList& env, const std::string& name, std::string value) {
  for (auto& [k, v] : env) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  env.emplace_back(name, std::move(value));
}

const std::string* find_var(const EnvList& env, const std::string& name) {
  for (const auto& [k, v] : env)
    if (k == name) return &v;
  return nullptr;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::map<std::string, std::string> lookup_object(const ObjectLookup& lookup, const std::string& kind,
                                                 const std::string& name, bool optional,
                                                 bool& found) {
  auto data = lookup(kind, name);
  found = data.has_value();
  if (!data) {
    if (optional) return {};
    throw ConfigError(lower(kind) + " \"" + name + "\" not found");
  }
  return *data;
}

std::string key_ref(const nlohmann::json& pod, const ObjectLookup& lookup, const std::string& kind,
                    const nlohmann::json& ref, const std::string& var, bool& skip) {
  const std::string name = ref.value("name", "");
  const std::string key = ref.value("key", "");
  const bool optional = ref.value("optional", false);
  if (name.empty() || key.empty())
    throw ConfigError("env " + var + ": " + (kind == "Secret" ? "secretKeyRef" : "configMapKeyRef") +
                      " needs name and key");
  bool found = false;
  auto data = lookup_object(lookup, kind, name, optional, found);
  auto it = data.find(key);
  if (it == data.end()) {
    if (optional) {
      skip = true;
      return "";
    }
    const std::string ns = pod.value("/metadata/namespace"_json_pointer, "");
    throw ConfigError("couldn't find key " + key + " in " + kind + " " + ns + "/" + name);
  }
  return it->second;
}

std::string resource_field(const nlohmann::json& container, const nlohmann::json& ref) {
  const std::string res = ref.value("resource", "");
  auto dot = res.find('.');
  if (dot == std::string::npos) throw ConfigError("resourceFieldRef: unsupported resource \"" + res + "\"");
  const std::string section = res.substr(0, dot), name = res.substr(dot + 1);
  const auto& resources = container.value("resources", nlohmann::json::object());
  for (const char* s : {section.c_str(), "limits", "requests"}) {
    if (resources.contains(s) && resources[s].contains(name)) {
      const auto& v = resources[s][name];
      return v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  return "0";
}

}  // namespace

std::string expand_references(std::string_view text,
                              const std::function<const std::string*(const std::string&)>& find) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {  // escaped
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] == '(') {
      auto close = text.find(')', i + 2);
      if (close != std::string_view::npos) {
        std::string name(text.substr(i + 2, close - i - 2));
        if (const std::string* v = find(name)) {
          out += *v;
        } else {
          out.append(text.substr(i, close - i + 1));
        }
        i = close;
        continue;
      }
    }
    out += '$';
  }
  return out;
}

std::string pod_field(const nlohmann::json& pod, const std::string& path) {
  auto str = [&](const char* pointer) {
    return pod.value(nlohmann::json::json_pointer(pointer), std::string());
  };
  if (path == "metadata.name") return str("/metadata/name");
  if (path == "metadata.namespace") return str("/metadata/namespace");
  if (path == "metadata.uid") return str("/metadata/uid");
  if (path == "spec.nodeName") return str("/spec/nodeName");
  if (path == "spec.serviceAccountName") return str("/spec/serviceAccountName");
  if (path == "status.podIP") return str("/status/podIP");
  if (path == "status.hostIP") return str("/status/hostIP");
  for (const char* map : {"labels", "annotations"}) {
    const std::string prefix = std::string("metadata.") + map + "['";
    if (path.starts_with(prefix) && path.ends_with("']")) {
      const std::string key = path.substr(prefix.size(), path.size() - prefix.size() - 2);
      const auto& m = pod["metadata"].value(map, nlohmann::json::object());
      auto it = m.find(key);
      return it != m.end() && it->is_string() ? it->get<std::string>() : "";
    }
  }
  throw ConfigError("fieldRef: unsupported fieldPath \"" + path + "\"");
}

EnvList resolve_env(const nlohmann::json& pod, const nlohmann::json& container, const EnvList& base,
                    const ObjectLookup& lookup) {
  EnvList env = base;
  for (const auto& from : container.value("envFrom", nlohmann::json::array())) {
    const std::string prefix = from.value("prefix", "");
    for (const char* kind : {"ConfigMap", "Secret"}) {
      const char* field = std::string_view(kind) == "Secret" ? "secretRef" : "configMapRef";
      if (!from.contains(field)) continue;
      const auto& ref = from[field];
      bool found = false;
      auto data = lookup_object(lookup, kind, ref.value("name", ""), ref.value("optional", false), found);
      for (auto& [k, v] : data) set_var(env, prefix + k, v);
    }
  }
  for (const auto& var : container.value("env", nlohmann::json::array())) {
    const std::string name = var.value("name", "");
    if (name.empty()) throw ConfigError("env: a variable without a name");
    if (var.contains("valueFrom")) {
      const auto& from = var["valueFrom"];
      bool skip = false;
      std::string value;
      if (from.contains("secretKeyRef")) {
        value = key_ref(pod, lookup, "Secret", from["secretKeyRef"], name, skip);
      } else if (from.contains("configMapKeyRef")) {
        value = key_ref(pod, lookup, "ConfigMap", from["configMapKeyRef"], name, skip);
      } else if (from.contains("fieldRef")) {
        value = pod_field(pod, from["fieldRef"].value("fieldPath", ""));
      } else if (from.contains("resourceFieldRef")) {
        value = resource_field(container, from["resourceFieldRef"]);
      } else {
        throw ConfigError("env " + name + ": unsupported valueFrom");
      }
      if (!skip) set_var(env, name, std::move(value));
    } else {
      std::string value = expand_references(
          var.value("value", ""), [&](const std::string& n) { return find_var(env, n); });
      set_var(env, name, std::move(value));
    }
  }
  return env;
}

std::vector<std::string> resolve_argv(const nlohmann::json& container, const EnvList& env) {
  std::vector<std::string> argv;
  auto find = [&](const std::string& n) { return find_var(env, n); };
  for (const char* field : {"command", "args"}) {
    for (const auto& a : container.value(field, nlohmann::json::array()))
      argv.push_back(expand_references(a.get<std::string>(), find));
  }
  if (argv.empty())
    throw ConfigError("container " + container.value("name", std::string()) +
                      ": no command (images are not pulled, so there is no image entrypoint)");
  return argv;
}

}  // namespace redraft::localnode
