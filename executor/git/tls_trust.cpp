#include "executor/git/tls_trust.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include <git2.h>
#include <spdlog/spdlog.h>

#include "executor/git/git_error.hpp"

namespace redraft::executor::git {
namespace {

std::optional<std::string_view> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

bool regular_file(std::string_view path) {
  struct stat st {};
  return ::stat(std::string(path).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool directory(std::string_view path) {
  struct stat st {};
  return ::stat(std::string(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

CaChoice choose_ca_locations(std::optional<std::string_view> ssl_cert_file,
                             std::optional<std::string_view> ssl_cert_dir,
                             const std::function<bool(std::string_view)>& is_file,
                             const std::function<bool(std::string_view)>& is_dir) {
  CaChoice out;
  CaLocations from_env;
  if (ssl_cert_file && !ssl_cert_file->empty()) {
    if (is_file(*ssl_cert_file)) {
      from_env.file = std::string(*ssl_cert_file);
    } else {
      out.warnings.push_back("SSL_CERT_FILE=" + std::string(*ssl_cert_file) + " is not a file; ignored");
    }
  }
  if (ssl_cert_dir && !ssl_cert_dir->empty()) {
    if (is_dir(*ssl_cert_dir)) {
      from_env.dir = std::string(*ssl_cert_dir);
    } else {
      out.warnings.push_back("SSL_CERT_DIR=" + std::string(*ssl_cert_dir) + " is not a directory; ignored");
    }
  }
  if (!from_env.file.empty() || !from_env.dir.empty()) {
    from_env.source = !from_env.dir.empty() && !from_env.file.empty()
                          ? "SSL_CERT_FILE and SSL_CERT_DIR"
                          : (from_env.file.empty() ? "SSL_CERT_DIR" : "SSL_CERT_FILE");
    out.locations = std::move(from_env);
    return out;
  }
  for (std::string_view candidate : kCaBundleCandidates) {
    if (is_file(candidate)) {
      out.locations = CaLocations{std::string(candidate), "", "default"};
      break;
    }
  }
  return out;
}

void configure_tls_trust() {
  CaChoice choice = choose_ca_locations(env("SSL_CERT_FILE"), env("SSL_CERT_DIR"), regular_file, directory);
  for (const auto& warning : choice.warnings) spdlog::warn("CA certificates: {}", warning);
  if (!choice.locations) return;
  const CaLocations& ca = *choice.locations;
  int rc = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca.file.empty() ? nullptr : ca.file.c_str(),
                            ca.dir.empty() ? nullptr : ca.dir.c_str());
  if (rc < 0) {
    std::string where = ca.file;
    if (!ca.dir.empty()) where += (where.empty() ? "" : ", ") + ca.dir;
    spdlog::warn("cannot load the CA certificates from {} ({}): {}; https remotes will not verify",
                 where, ca.source, last_error_text(rc));
  }
}

}  // namespace redraft::executor::git
