#include "operator/runtime/client/config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "operator/runtime/client/transport.hpp"

namespace redraft::runtime {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(what + ": cannot read file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Reads one kubeconfig section with error messages that name the field path.
class Section {
 public:
  Section(YAML::Node node, std::string path, const std::string* file)
      : node_(std::move(node)), path_(std::move(path)), file_(file) {}

  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw ConfigError("kubeconfig " + *file_ + ": " + where(field) + ": " + message);
  }

  std::string where(const std::string& field) const {
    return path_.empty() ? field : path_ + "." + field;
  }

  bool has(const std::string& key) const {
    return node_.IsMap() && node_[key] && !node_[key].IsNull();
  }

  std::string text(const std::string& key) const {
    if (!has(key)) return {};
    YAML::Node value = node_[key];
    if (!value.IsScalar()) fail(key, "must be a string");
    return value.as<std::string>();
  }

  bool flag(const std::string& key) const {
    if (!has(key)) return false;
    try {
      return node_[key].as<bool>();
    } catch (const YAML::Exception&) {
      fail(key, "must be true or false");
    }
  }

  std::string base64(const std::string& key) const {
    try {
      return base64_decode(text(key));
    } catch (const std::invalid_argument&) {
      fail(key, "invalid base64");
    }
  }

  // `<key>-data` (base64) wins over `<key>` (a path relative to the kubeconfig's folder).
  std::string data_or_file(const std::string& key, const fs::path& base) const {
    if (has(key + "-data")) return base64(key + "-data");
    std::string file = text(key);
    if (file.empty()) return {};
    fs::path path = fs::path(file).is_absolute() ? fs::path(file) : base / file;
    return read_file(path, "kubeconfig " + *file_ + ": " + where(key));
  }

  Section child(const std::string& key) const {
    if (!has(key) || !node_[key].IsMap()) fail(key, "must be a mapping");
    return Section(node_[key], where(key), file_);
  }

  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    if (!node_[key].IsSequence()) fail(key, "must be a list of strings");
    for (std::size_t i = 0; i < node_[key].size(); ++i) {
      if (!node_[key][i].IsScalar()) fail(key + "[" + std::to_string(i) + "]", "must be a string");
      out.push_back(node_[key][i].as<std::string>());
    }
    return out;
  }

  const YAML::Node& node() const { return node_; }
  const std::string* file() const { return file_; }

 private:
  YAML::Node node_;
  std::string path_;
  const std::string* file_;
};

// Returns the `inner` mapping of the entry of root[list] called `name` (clusters, users,
// contexts), with its field path ("users[1].user") for error messages.
Section find_named(const Section& root, const std::string& list, const std::string& inner,
                   const std::string& name) {
  if (!root.has(list) || !root.node()[list].IsSequence()) root.fail(list, "must be a list");
  const YAML::Node items = root.node()[list];
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node item = items[i];
    if (!item.IsMap() || !item["name"] || !item["name"].IsScalar() ||
        item["name"].as<std::string>() != name) {
      continue;
    }
    std::string at = list + "[" + std::to_string(i) + "]." + inner;
    if (!item[inner] || !item[inner].IsMap()) root.fail(at, "must be a mapping");
    return Section(item[inner], at, root.file());
  }
  root.fail(list, "no entry named \"" + name + "\"");
}

std::string trim(std::string text) {
  const char* space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

}  // namespace

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned accumulator = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) throw std::invalid_argument("invalid base64");
    accumulator = (accumulator << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  if (bits >= 6) throw std::invalid_argument("invalid base64");  // a lone trailing character
  return out;
}

RestConfig load_kubeconfig(const std::filesystem::path& path, std::optional<std::string> context) {
  const std::string file = path.string();
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw ConfigError("kubeconfig " + file + ": cannot read file");
  } catch (const YAML::Exception& e) {
    throw ConfigError("kubeconfig " + file + ": invalid YAML at line " +
                      std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1));
  }
  if (!doc.IsMap()) throw ConfigError("kubeconfig " + file + ": not a YAML mapping");
  const fs::path base = fs::absolute(path).parent_path();
  Section root(doc, "", &file);

  std::string context_name = context.value_or(root.text("current-context"));
  if (context_name.empty()) root.fail("current-context", "not set and no context was given");

  auto named = [&](const std::string& list, const std::string& inner, const std::string& name) {
    return find_named(root, list, inner, name);
  };

  Section ctx = named("contexts", "context", context_name);
  std::string cluster_name = ctx.text("cluster");
  if (cluster_name.empty()) ctx.fail("cluster", "required");
  Section cluster = named("clusters", "cluster", cluster_name);

  RestConfig config;
  config.default_namespace = ctx.text("namespace");
  config.server = cluster.text("server");
  if (config.server.empty()) cluster.fail("server", "required");
  try {
    // Checked here so the error names the kubeconfig field; it never quotes userinfo.
    parse_server_url(config.server);
  } catch (const ConfigError& e) {
    std::string why = e.what();
    if (why.rfind("server: ", 0) == 0) why.erase(0, 8);
    cluster.fail("server", why);
  }
  config.ca_pem = cluster.data_or_file("certificate-authority", base);
  config.insecure_skip_tls_verify = cluster.flag("insecure-skip-tls-verify");
  config.tls_server_name = cluster.text("tls-server-name");
  if (config.insecure_skip_tls_verify && !config.ca_pem.empty()) {
    cluster.fail("insecure-skip-tls-verify",
                 "cannot be combined with certificate-authority (pick one)");
  }
  if (cluster.has("proxy-url")) cluster.fail("proxy-url", "proxies are not supported");

  std::string user_name = ctx.text("user");
  if (user_name.empty()) return config;  // anonymous
  Section user = named("users", "user", user_name);
  config.bearer_token = trim(user.text("token"));
  std::string token_file = user.text("tokenFile");
  if (!token_file.empty()) {
    fs::path p(token_file);
    config.token_file = p.is_absolute() ? p : base / p;
    read_file(config.token_file, "kubeconfig " + file + ": " + user.where("tokenFile"));
  }
  config.username = user.text("username");
  config.password = user.text("password");
  config.client_cert_pem = user.data_or_file("client-certificate", base);
  config.client_key_pem = user.data_or_file("client-key", base);
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    user.fail(config.client_cert_pem.empty() ? "client-certificate" : "client-key",
              "required together with " +
                  std::string(config.client_cert_pem.empty() ? "client-key" : "client-certificate"));
  }
  if (user.has("auth-provider")) {
    user.fail("auth-provider", "not supported (use an exec credential plugin)");
  }
  if (user.has("exec")) {
    Section exec = user.child("exec");
    ExecConfig plugin;
    plugin.api_version = exec.text("apiVersion");
    if (plugin.api_version.empty()) exec.fail("apiVersion", "required");
    if (plugin.api_version != "client.authentication.k8s.io/v1" &&
        plugin.api_version != "client.authentication.k8s.io/v1beta1") {
      exec.fail("apiVersion", "unsupported value \"" + plugin.api_version +
                                  "\" (client.authentication.k8s.io/v1 or /v1beta1)");
    }
    plugin.command = exec.text("command");
    if (plugin.command.empty()) exec.fail("command", "required");
    // Like kubectl: a relative command with a '/' is relative to the kubeconfig's folder.
    if (plugin.command.find('/') != std::string::npos && !fs::path(plugin.command).is_absolute()) {
      plugin.command = (base / plugin.command).string();
    }
    plugin.args = exec.strings("args");
    if (exec.has("env")) {
      const YAML::Node& env = exec.node()["env"];
      if (!env.IsSequence()) exec.fail("env", "must be a list of {name, value}");
      for (std::size_t i = 0; i < env.size(); ++i) {
        Section var(env[i], exec.where("env[" + std::to_string(i) + "]"), &file);
        std::string name = var.text("name");
        if (name.empty()) var.fail("name", "required");
        plugin.env.emplace_back(name, var.text("value"));
      }
    }
    plugin.install_hint = exec.text("installHint");
    plugin.provide_cluster_info = exec.flag("provideClusterInfo");
    std::string interactive = exec.text("interactiveMode");
    if (interactive == "Always") {
      exec.fail("interactiveMode", "Always is not supported (the operator has no terminal)");
    }
    config.exec = std::move(plugin);
  }
  return config;
}

RestConfig in_cluster_config(const std::filesystem::path& root, const std::string& host,
                             const std::string& port) {
  if (host.empty() || port.empty()) {
    throw ConfigError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a cluster?)");
  }
  RestConfig config;
  bool ipv6 = host.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  config.token_file = root / "token";
  read_file(config.token_file, "in-cluster config: token");
  config.ca_pem = read_file(root / "ca.crt", "in-cluster config: ca.crt");
  std::error_code ec;
  if (fs::exists(root / "namespace", ec)) {
    config.default_namespace = trim(read_file(root / "namespace", "in-cluster config: namespace"));
  }
  return config;
}

RestConfig in_cluster_config(const std::filesystem::path& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  return in_cluster_config(root, host ? host : "", port ? port : "");
}

RestConfig load_default_config(std::optional<std::string> context) {
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string list(env);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      std::string candidate = list.substr(start, end - start);
      std::error_code ec;
      if (!candidate.empty() && fs::exists(candidate, ec)) return load_kubeconfig(candidate, context);
      start = end + 1;
    }
    throw ConfigError("KUBECONFIG: none of the listed files exists");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    fs::path path = fs::path(home) / ".kube" / "config";
    std::error_code ec;
    if (fs::exists(path, ec)) return load_kubeconfig(path, context);
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) return in_cluster_config();
  throw ConfigError(
      "no Kubernetes configuration: set KUBECONFIG, create ~/.kube/config, or run in a cluster");
}

}  // namespace redraft::runtime
