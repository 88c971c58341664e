#include "executor/git/git_error.hpp"

#include <git2.h>

#include "executor/support/redact.hpp"

namespace redraft::executor::git {

std::string last_error_text(int rc) {
  const git_error* e = git_error_last();
  if (e != nullptr && e->message != nullptr && e->message[0] != '\0') return redacted(e->message);
  return "libgit2 error " + std::to_string(rc);
}

void check(int rc, std::string_view what, Failure failure) {
  if (rc >= 0) return;
  throw GitError(failure, redacted(what) + ": " + last_error_text(rc));
}

}  // namespace redraft::executor::git
