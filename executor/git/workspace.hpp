// The local repository in the task workspace. Opened with an empty in-memory configuration and
// an explicit work directory, so whatever the agent wrote into .git/config (remotes, pushurl,
// insteadOf, core.worktree, hooks, proxies) is never consulted.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "executor/git/handles.hpp"

namespace redraft::executor::git {

struct Identity {
  std::string name;
  std::string email;
};

struct RebaseOutcome {
  bool conflict = false;
  std::string tip;                       // new tip when !conflict
  std::vector<std::string> conflicted;   // paths when conflict
};

class Workspace {
 public:
  // prepare: creates a new repository in `dir`, which must not exist or be empty.
  static Workspace create(const std::filesystem::path& dir);
  // publish/tests: opens the repository at `dir`/.git, ignoring its configuration.
  static Workspace open(const std::filesystem::path& dir);

  git_repository* raw() const { return repo_.get(); }
  const std::filesystem::path& dir() const { return dir_; }

  // Points `ref` (full name) at `sha`, creating or moving it.
  void set_ref(const std::string& ref, const std::string& sha);
  bool has_commit(const std::string& sha) const;
  // True when `ancestor` is `descendant` or one of its ancestors.
  bool is_ancestor(const std::string& ancestor, const std::string& descendant) const;
  std::string merge_base(const std::string& a, const std::string& b) const;

  // The `git checkout -B <branch> <sha>` equivalent (force checkout of the tree, then the ref,
  // then HEAD): works even when the branch is already HEAD.
  void checkout_branch(const std::string& branch_ref, const std::string& sha);

  // Replays the commits of `tip` that are not in `onto` on top of `onto`, in memory (the work
  // tree is untouched). Author and messages are kept; `committer` commits them.
  RebaseOutcome rebase(const std::string& tip, const std::string& onto, const Identity& committer);

  // Builds a tree from the work tree (starting from `parent`'s tree so tracked files stay
  // tracked, adding everything not ignored by .gitignore, dropping deleted files) and commits it
  // on top of `parent`. Nothing in .git (index, refs, commits, info/exclude, info/attributes)
  // is used — .git/info/exclude and .git/info/attributes are deleted first. Returns nullopt when the
  // tree equals the parent's.
  std::optional<std::string> commit_worktree(const std::string& parent, const Identity& author,
                                             const std::string& message);

  // Unified diff (patch text) of `tip` against its merge base with `base` — `git diff base...tip`.
  std::string diff_three_dot(const std::string& base, const std::string& tip) const;

  // Paths changed between two commits (tests and logs).
  std::vector<std::string> changed_paths(const std::string& from, const std::string& to) const;

 private:
  Workspace(RepoPtr repo, std::filesystem::path dir) : repo_(std::move(repo)), dir_(std::move(dir)) {}
  RepoPtr repo_;
  std::filesystem::path dir_;
};

git_oid parse_oid(const std::string& sha);
std::string to_hex(const git_oid& oid);

}  // namespace redraft::executor::git
