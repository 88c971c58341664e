// Git credentials as mounted into the prepare and publish containers (--git-credentials-dir):
// `token` (HTTPS, sent as basic auth), or `username` + `password`, or `ssh-privatekey`
// (+ optional `known_hosts`). Loading registers every secret for redaction.
#pragma once

#include <filesystem>
#include <string>

namespace redraft::executor::git {

struct Credentials {
  std::string username;  // for token auth libgit2 needs some user name; servers ignore it
  std::string password;  // the token or the password
  std::string ssh_private_key;
  std::string known_hosts;

  bool has_userpass() const { return !password.empty(); }
  bool has_ssh_key() const { return !ssh_private_key.empty(); }
  bool empty() const { return !has_userpass() && !has_ssh_key(); }
};

// Reads the files present in `dir` (trailing newlines trimmed). Missing dir ⇒ throws
// GitError(kInvalid) naming the path; an empty or unknown layout ⇒ empty Credentials.
Credentials load_credentials(const std::filesystem::path& dir);

}  // namespace redraft::executor::git
