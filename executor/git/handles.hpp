// RAII ownership of libgit2 objects plus the process-wide library init.
// Private to executor/git: phases talk to the wrappers in workspace.hpp and remote.hpp.
#pragma once

#include <memory>

#include <git2.h>

#include "executor/git/tls_trust.hpp"

namespace redraft::executor::git {

// libgit2 must be initialised once per process before any other call; construct one of these
// (cheap, reference-counted by libgit2) wherever a git operation starts. The first one also
// chooses the CA certificates for https (tls_trust.hpp); libgit2 forgets them at the last
// shutdown, so a later first init chooses again.
class LibGit2 {
 public:
  LibGit2() {
    if (git_libgit2_init() == 1) configure_tls_trust();
  }
  ~LibGit2() { git_libgit2_shutdown(); }
  LibGit2(const LibGit2&) = delete;
  LibGit2& operator=(const LibGit2&) = delete;
};

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepoPtr = GitPtr<git_repository, git_repository_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using IndexPtr = GitPtr<git_index, git_index_free>;
using ConfigPtr = GitPtr<git_config, git_config_free>;
using RefPtr = GitPtr<git_reference, git_reference_free>;
using SignaturePtr = GitPtr<git_signature, git_signature_free>;
using AnnotatedPtr = GitPtr<git_annotated_commit, git_annotated_commit_free>;
using RebasePtr = GitPtr<git_rebase, git_rebase_free>;
using DiffPtr = GitPtr<git_diff, git_diff_free>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;

// git_buf is a value type with a dispose function rather than a heap object.
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  ~Buf() { git_buf_dispose(&buf); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
};

}  // namespace redraft::executor::git
