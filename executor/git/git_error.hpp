// Errors from git operations, classified so the phases can map them to task reasons
// (AuthFailed, CloneFailed, ...). Messages are redacted before they are stored.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::executor::git {

enum class Failure {
  kAuth,       // the server refused our credentials (or wanted some we do not have)
  kTransport,  // could not reach / talk to the remote
  kNotFound,   // an object or ref we need is not there
  kConflict,   // a rebase stopped on conflicts
  kRejected,   // the server refused a ref update
  kInvalid,    // bad input caught before any git call
  kLocal,      // anything else on the local repository
};

class GitError : public std::runtime_error {
 public:
  GitError(Failure failure, const std::string& message)
      : std::runtime_error(message), failure_(failure) {}
  Failure failure() const noexcept { return failure_; }

 private:
  Failure failure_;
};

// Every message built here goes through the process-wide redactor (executor/support/redact.hpp):
// registered secrets and URL userinfo never reach a GitError.
// Throws GitError(failure, "<what>: <libgit2 message>") when rc < 0.
void check(int rc, std::string_view what, Failure failure = Failure::kLocal);

// The current libgit2 error text (scrubbed), or a generic text when there is none.
std::string last_error_text(int rc);

}  // namespace redraft::executor::git
