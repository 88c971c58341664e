#include "kubeconfig.hpp"

#include "encoding.hpp"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace redraft::devserver {

std::string render_kubeconfig(const KubeconfigParams& p) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "redraft-devserver";
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << p.server_url;
  if (!p.ca_pem.empty())
    out << YAML::Key << "certificate-authority-data" << YAML::Value << base64_encode(p.ca_pem);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "redraft-devserver-admin";
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  if (!p.token.empty()) out << YAML::Key << "token" << YAML::Value << p.token;
  if (!p.client_cert_pem.empty()) {
    out << YAML::Key << "client-certificate-data" << YAML::Value << base64_encode(p.client_cert_pem);
    out << YAML::Key << "client-key-data" << YAML::Value << base64_encode(p.client_key_pem);
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "redraft-devserver";
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << "redraft-devserver";
  out << YAML::Key << "user" << YAML::Value << "redraft-devserver-admin";
  out << YAML::Key << "namespace" << YAML::Value << "default";
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << "redraft-devserver";
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void write_kubeconfig(const std::string& path, const KubeconfigParams& params) {
  const std::string text = render_kubeconfig(params);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write kubeconfig " + path + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()) || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write kubeconfig " + path);
  }
}

}  // namespace redraft::devserver
