// One connection to one explicit remote URL: list its refs, download objects, push with an exact
// lease. Remotes are anonymous and skip url.*.insteadOf, proxies are off and redirects are not
// followed, so nothing in a workspace's .git/config can redirect traffic or credentials.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "executor/git/credentials.hpp"
#include "executor/git/handles.hpp"

namespace redraft::executor::git {

// Full ref name ⇒ SHA, as advertised by the server.
using AdvertisedRefs = std::map<std::string, std::string>;

// Pure: the host part of a git URL ("https://u@h:1/x" ⇒ "h", "git@h:x" ⇒ "h"), lower-cased;
// "" for local paths.
std::string url_host(std::string_view url);

// Pure: whether a libgit2 error text reports an HTTP 401/403 from the server.
bool is_http_auth_status(std::string_view message);

enum class PushStatus {
  kPushed,
  kLeaseRejected,  // the remote does not hold the value we observed (or it moved mid-push)
  kRejected,       // the server refused the update for another reason (hooks, permissions)
};

struct PushOutcome {
  PushStatus status = PushStatus::kRejected;
  std::optional<std::string> observed;  // what the remote advertised for the ref (nullopt = absent)
  std::string server_message;           // the per-ref status from the server, if any
};

class Remote {
 public:
  enum class Direction { kFetch, kPush };

  // No network traffic yet. `credentials` may be null (anonymous). Throws GitError(kInvalid).
  Remote(git_repository* repo, std::string url, const Credentials* credentials, Direction direction);
  ~Remote();
  Remote(const Remote&) = delete;
  Remote& operator=(const Remote&) = delete;

  // Connects and lists the advertised refs. Every failure throws GitError classified kAuth
  // (credentials refused, missing, or offered to a different host) or kTransport — a failed
  // connect is never mistaken for "ref missing".
  const AdvertisedRefs& connect();

  // Downloads the objects behind `refs` (full names; each must be advertised) over the open
  // connection. Does not create local refs: callers pin the advertised SHAs themselves.
  void download(const std::vector<std::string>& refs);

  // Pushes local ref `local_ref` to `remote_ref` only if the remote holds exactly `lease`
  // (nullopt = the ref must be absent). The advertised value on this connection is compared
  // with the lease before anything is sent, and that same value is sent as the old id, so the
  // server's compare-and-swap refuses the update if the ref moved in between. Always a forced
  // refspec: the fast-forward decision belongs to the caller (see decide_push()).
  PushOutcome push_with_lease(const std::string& local_ref, const std::string& remote_ref,
                              const std::optional<std::string>& lease);

  const std::string& url() const { return url_; }

  // Callback bookkeeping (credential calls, lease check, per-ref push status); defined in the
  // .cpp, public only so the C callbacks there can name it.
  struct State;

 private:
  [[noreturn]] void fail(int rc, const std::string& what);
  std::string url_;
  Direction direction_;
  RemotePtr remote_;
  std::unique_ptr<State> state_;
  AdvertisedRefs advertised_;
  bool connected_ = false;
};

}  // namespace redraft::executor::git
