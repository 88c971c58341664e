#include "executor/git/workspace.hpp"

#include <git2/sys/repository.h>

#include "executor/git/git_error.hpp"

namespace redraft::executor::git {
namespace {

// An empty configuration with no backends: lookups find nothing (libgit2 uses its defaults),
// so no file the agent could have edited influences this process.
void use_clean_config(git_repository* repo) {
  git_config* cfg = nullptr;
  check(git_config_new(&cfg), "create in-memory config");
  ConfigPtr owned(cfg);
  check(git_repository_set_config(repo, cfg), "set repository config");
}

CommitPtr lookup_commit(git_repository* repo, const std::string& sha) {
  git_oid oid = parse_oid(sha);
  git_commit* c = nullptr;
  check(git_commit_lookup(&c, repo, &oid), "commit " + sha.substr(0, 12) + " not found",
        Failure::kNotFound);
  return CommitPtr(c);
}

// The diff from `from`'s tree to `to`'s tree; `opts` may be null for libgit2's defaults.
DiffPtr diff_commit_trees(git_repository* repo, const std::string& from, const std::string& to,
                          const git_diff_options* opts) {
  CommitPtr a = lookup_commit(repo, from), b = lookup_commit(repo, to);
  git_tree *ta_raw = nullptr, *tb_raw = nullptr;
  check(git_commit_tree(&ta_raw, a.get()), "tree");
  TreePtr ta(ta_raw);
  check(git_commit_tree(&tb_raw, b.get()), "tree");
  TreePtr tb(tb_raw);
  git_diff* d_raw = nullptr;
  check(git_diff_tree_to_tree(&d_raw, repo, ta.get(), tb.get(), opts), "diff");
  return DiffPtr(d_raw);
}

SignaturePtr signature(const Identity& who) {
  git_signature* sig = nullptr;
  check(git_signature_now(&sig, who.name.c_str(), who.email.c_str()), "author/committer identity",
        Failure::kInvalid);
  return SignaturePtr(sig);
}

}  // namespace

git_oid parse_oid(const std::string& sha) {
  git_oid oid;
  if (sha.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, sha.c_str()) < 0) {
    throw GitError(Failure::kInvalid, "not a full commit SHA");
  }
  return oid;
}

std::string to_hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

Workspace Workspace::create(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    // Never reuse a directory someone else filled: its .git could carry hooks or config.
    throw GitError(Failure::kLocal, "workspace " + dir.string() + " is not empty");
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) throw GitError(Failure::kLocal, "cannot create workspace " + dir.string() + ": " + ec.message());
  git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  // No template directory: no sample hooks, nothing copied from the machine's git install.
  opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
  opts.template_path = nullptr;
  git_repository* raw = nullptr;
  check(git_repository_init_ext(&raw, dir.c_str(), &opts), "init workspace repository");
  RepoPtr repo(raw);
  use_clean_config(repo.get());
  return Workspace(std::move(repo), dir);
}

Workspace Workspace::open(const std::filesystem::path& dir) {
  git_repository* raw = nullptr;
  auto gitdir = dir / ".git";
  check(git_repository_open_ext(&raw, gitdir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
        "open workspace repository " + dir.string());
  RepoPtr repo(raw);
  use_clean_config(repo.get());
  // core.worktree from the (untrusted) config must not decide which files get committed.
  // (Only reset when it differs: libgit2 1.5's set_workdir leaks a small buffer.)
  const char* current = git_repository_workdir(repo.get());
  std::error_code ec;
  if (current == nullptr ||
      std::filesystem::weakly_canonical(current, ec) != std::filesystem::weakly_canonical(dir / "", ec)) {
    check(git_repository_set_workdir(repo.get(), dir.c_str(), 0), "set work directory");
  }
  return Workspace(std::move(repo), dir);
}

void Workspace::set_ref(const std::string& ref, const std::string& sha) {
  git_oid oid = parse_oid(sha);
  git_reference* r = nullptr;
  check(git_reference_create(&r, repo_.get(), ref.c_str(), &oid, 1, "redraft"), "update ref " + ref);
  git_reference_free(r);
}

bool Workspace::has_commit(const std::string& sha) const {
  git_oid oid = parse_oid(sha);
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo_.get(), &oid) < 0) return false;
  git_commit_free(c);
  return true;
}

bool Workspace::is_ancestor(const std::string& ancestor, const std::string& descendant) const {
  if (ancestor == descendant) return true;
  git_oid a = parse_oid(ancestor);
  git_oid d = parse_oid(descendant);
  int rc = git_graph_descendant_of(repo_.get(), &d, &a);
  check(rc, "ancestry check");
  return rc == 1;
}

std::string Workspace::merge_base(const std::string& a, const std::string& b) const {
  git_oid oa = parse_oid(a), ob = parse_oid(b), out;
  check(git_merge_base(&out, repo_.get(), &oa, &ob), "no common history between base and branch",
        Failure::kNotFound);
  return to_hex(out);
}

void Workspace::checkout_branch(const std::string& branch_ref, const std::string& sha) {
  CommitPtr commit = lookup_commit(repo_.get(), sha);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
  check(git_checkout_tree(repo_.get(), reinterpret_cast<git_object*>(commit.get()), &opts),
        "checkout");
  set_ref(branch_ref, sha);
  check(git_repository_set_head(repo_.get(), branch_ref.c_str()), "set HEAD");
}

RebaseOutcome Workspace::rebase(const std::string& tip, const std::string& onto,
                                const Identity& committer) {
  RebaseOutcome out;
  git_oid tip_oid = parse_oid(tip), onto_oid = parse_oid(onto);
  git_annotated_commit *branch_raw = nullptr, *upstream_raw = nullptr;
  check(git_annotated_commit_lookup(&branch_raw, repo_.get(), &tip_oid), "rebase: branch tip");
  AnnotatedPtr branch(branch_raw);
  check(git_annotated_commit_lookup(&upstream_raw, repo_.get(), &onto_oid), "rebase: base");
  AnnotatedPtr upstream(upstream_raw);
  git_rebase_options opts = GIT_REBASE_OPTIONS_INIT;
  opts.inmemory = 1;
  git_rebase* rb_raw = nullptr;
  check(git_rebase_init(&rb_raw, repo_.get(), branch.get(), upstream.get(), nullptr, &opts),
        "rebase init");
  RebasePtr rb(rb_raw);
  SignaturePtr sig = signature(committer);
  std::string current = onto;
  git_rebase_operation* op = nullptr;
  int rc = 0;
  while ((rc = git_rebase_next(&op, rb.get())) == 0) {
    git_index* idx_raw = nullptr;
    check(git_rebase_inmemory_index(&idx_raw, rb.get()), "rebase index");
    IndexPtr idx(idx_raw);
    if (git_index_has_conflicts(idx.get()) != 0) {
      out.conflict = true;
      git_index_conflict_iterator* it = nullptr;
      if (git_index_conflict_iterator_new(&it, idx.get()) == 0) {
        const git_index_entry *anc = nullptr, *ours = nullptr, *theirs = nullptr;
        while (git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
          const git_index_entry* e = ours != nullptr ? ours : (theirs != nullptr ? theirs : anc);
          if (e != nullptr) out.conflicted.emplace_back(e->path);
        }
        git_index_conflict_iterator_free(it);
      }
      git_rebase_abort(rb.get());
      return out;
    }
    git_oid new_id;
    int crc = git_rebase_commit(&new_id, rb.get(), nullptr, sig.get(), nullptr, nullptr);
    if (crc == GIT_EAPPLIED) continue;  // already upstream: git drops it too
    check(crc, "rebase commit");
    current = to_hex(new_id);
  }
  if (rc != GIT_ITEROVER) check(rc, "rebase");
  check(git_rebase_finish(rb.get(), sig.get()), "rebase finish");
  out.tip = current;
  return out;
}

std::optional<std::string> Workspace::commit_worktree(const std::string& parent,
                                                      const Identity& author,
                                                      const std::string& message) {
  // The agent could have written ignore patterns or attributes under .git/info to keep files
  // out of the commit or to change how they are stored; only the repository's own .gitignore
  // and .gitattributes count.
  std::error_code ec;
  const std::filesystem::path gitdir = git_repository_path(repo_.get());
  std::filesystem::remove(gitdir / "info" / "exclude", ec);
  std::filesystem::remove(gitdir / "info" / "attributes", ec);
  CommitPtr parent_commit = lookup_commit(repo_.get(), parent);
  git_tree* parent_tree_raw = nullptr;
  check(git_commit_tree(&parent_tree_raw, parent_commit.get()), "parent tree");
  TreePtr parent_tree(parent_tree_raw);

  // A fresh in-memory index owned by the repository (add_all needs an owner for the work dir
  // and ignore rules); the index file the agent may have touched is never read.
  git_index* idx_raw = nullptr;
  check(git_index_new(&idx_raw), "new index");
  IndexPtr idx(idx_raw);
  check(git_repository_set_index(repo_.get(), idx.get()), "attach index");
  check(git_index_read_tree(idx.get(), parent_tree.get()), "read parent tree");
  check(git_index_add_all(idx.get(), nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr),
        "add work tree files");
  check(git_index_update_all(idx.get(), nullptr, nullptr, nullptr), "record deleted files");
  git_oid tree_oid;
  check(git_index_write_tree(&tree_oid, idx.get()), "write tree");
  if (git_oid_equal(&tree_oid, git_tree_id(parent_tree.get())) != 0) return std::nullopt;

  git_tree* tree_raw = nullptr;
  check(git_tree_lookup(&tree_raw, repo_.get(), &tree_oid), "tree lookup");
  TreePtr tree(tree_raw);
  SignaturePtr sig = signature(author);
  const git_commit* parents[] = {parent_commit.get()};
  git_oid commit_oid;
  // No update_ref: refs in the workspace are not trusted and not needed (callers pin the SHA).
  check(git_commit_create(&commit_oid, repo_.get(), nullptr, sig.get(), sig.get(), "UTF-8",
                          message.c_str(), tree.get(), 1, parents),
        "create commit");
  return to_hex(commit_oid);
}

std::string Workspace::diff_three_dot(const std::string& base, const std::string& tip) const {
  std::string from = merge_base(base, tip);
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  DiffPtr d = diff_commit_trees(repo_.get(), from, tip, &opts);
  git_diff_find_options fopts = GIT_DIFF_FIND_OPTIONS_INIT;
  check(git_diff_find_similar(d.get(), &fopts), "diff renames");
  Buf buf;
  check(git_diff_to_buf(&buf.buf, d.get(), GIT_DIFF_FORMAT_PATCH), "diff text");
  return std::string(buf.buf.ptr != nullptr ? buf.buf.ptr : "", buf.buf.size);
}

std::vector<std::string> Workspace::changed_paths(const std::string& from, const std::string& to) const {
  DiffPtr d = diff_commit_trees(repo_.get(), from, to, nullptr);
  std::vector<std::string> out;
  for (size_t i = 0; i < git_diff_num_deltas(d.get()); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(d.get(), i);
    out.emplace_back(delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path);
  }
  return out;
}

}  // namespace redraft::executor::git
