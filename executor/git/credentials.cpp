#include "executor/git/credentials.hpp"

#include <fstream>
#include <sstream>

#include "executor/git/git_error.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor::git {
namespace {

std::string read_trimmed(const std::filesystem::path& file, bool trim) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (trim) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  }
  return s;
}

}  // namespace

Credentials load_credentials(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw GitError(Failure::kInvalid,
                   "--git-credentials-dir: not a directory: " + dir.string());
  }
  Credentials c;
  auto present = [&](const char* name) { return std::filesystem::is_regular_file(dir / name, ec); };
  if (present("token")) {
    c.username = "x-access-token";
    c.password = read_trimmed(dir / "token", true);
  } else if (present("password")) {
    c.username = present("username") ? read_trimmed(dir / "username", true) : "git";
    c.password = read_trimmed(dir / "password", true);
  }
  if (present("ssh-privatekey")) {
    c.ssh_private_key = read_trimmed(dir / "ssh-privatekey", false);
    if (present("known_hosts")) c.known_hosts = read_trimmed(dir / "known_hosts", false);
    if (c.username.empty() && present("username")) c.username = read_trimmed(dir / "username", true);
  }
  global_redactor().add_secret(c.password);
  global_redactor().add_secret(c.ssh_private_key);
  return c;
}

}  // namespace redraft::executor::git
