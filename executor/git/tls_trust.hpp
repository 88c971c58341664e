// Which CA certificates libgit2 trusts for https remotes. Debian's libgit2 uses mbedTLS, which
// reads only the CA location compiled into libgit2 and nothing from the environment; the
// executor runs in arbitrary agent images (and in an empty root with just a CA bundle), so it
// chooses the locations itself, like OpenSSL-based tools do:
//   1. SSL_CERT_FILE (a PEM bundle) and/or SSL_CERT_DIR (a directory of PEM certificates) when
//      set and present; a set one that is missing is skipped with a warning (mbedTLS would
//      otherwise reject the pair, and a stray SSL_CERT_DIR must not cost the good file);
//   2. otherwise the first CA bundle file that exists among the well-known image locations.
// When nothing is found libgit2 keeps its built-in default.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::executor::git {

// The usual places images keep a PEM bundle of the trusted CAs, most common first.
inline constexpr std::string_view kCaBundleCandidates[] = {
    "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Alpine, distroless, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",    // Fedora, RHEL, CentOS
    "/etc/ssl/ca-bundle.pem",              // openSUSE
    "/etc/ssl/cert.pem",                   // Alpine (ca-certificates-bundle), BSD style
};

struct CaLocations {
  std::string file;    // a PEM bundle ("" = none)
  std::string dir;     // a directory of PEM certificates ("" = none)
  std::string source;  // where the choice came from, for the log: "SSL_CERT_FILE", "default", ...
  bool operator==(const CaLocations&) const = default;
};

struct CaChoice {
  std::optional<CaLocations> locations;  // nullopt ⇒ leave libgit2's default
  std::vector<std::string> warnings;     // set variables that were skipped, and why
};

// Pure. `ssl_cert_file` / `ssl_cert_dir` are the environment values (nullopt when unset; empty
// counts as unset); `is_file` / `is_dir` answer for the file system.
CaChoice choose_ca_locations(std::optional<std::string_view> ssl_cert_file,
                             std::optional<std::string_view> ssl_cert_dir,
                             const std::function<bool(std::string_view)>& is_file,
                             const std::function<bool(std::string_view)>& is_dir);

// Reads the environment and the file system, and hands the choice to libgit2
// (GIT_OPT_SET_SSL_CERT_LOCATIONS). Call right after the first git_libgit2_init() (libgit2 forgets
// it at the last shutdown). A location libgit2 cannot load is logged as a warning naming the
// variable and the path; https then fails verification with a certificate error.
void configure_tls_trust();

}  // namespace redraft::executor::git
