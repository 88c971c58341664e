#include "executor/git/remote.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "executor/git/git_error.hpp"
#include "executor/git/known_hosts.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor::git {
namespace {

// A server that keeps answering 401 makes libgit2 ask again (about 15 times, then a generic
// error). Two asks means our credentials were refused; stop there and say so.
constexpr int kMaxCredentialCalls = 2;

std::string oid_hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

}  // namespace

bool is_http_auth_status(std::string_view message) {
  // libgit2 says "unexpected http status code: 403". Matched as that phrase, never as a bare
  // number, so a port that happens to contain "401" is not read as an auth failure.
  for (std::string_view code : {"status code: 401", "status code: 403"}) {
    for (auto pos = message.find(code); pos != std::string_view::npos; pos = message.find(code, pos + 1)) {
      auto end = pos + code.size();
      if (end == message.size() || !std::isdigit(static_cast<unsigned char>(message[end]))) return true;
    }
  }
  return false;
}

std::string url_host(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest;
  if (scheme != std::string_view::npos) {
    rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find('/'));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') {  // [::1]:port
      auto close = rest.find(']');
      return lower(rest.substr(1, close == std::string_view::npos ? rest.npos : close - 1));
    }
    return lower(rest.substr(0, rest.find(':')));
  }
  // scp-like "user@host:path" (a colon before any slash); anything else is a local path.
  auto colon = url.find(':');
  auto slash = url.find('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) return "";
  rest = url.substr(0, colon);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return lower(rest);
}

struct Remote::State {
  const Credentials* credentials = nullptr;
  std::string expected_host;
  int credential_calls = 0;
  std::string auth_problem;  // set by the credential callback when it refuses
  // push
  std::string lease_ref;
  std::optional<std::string> lease;
  bool lease_mismatch = false;
  std::optional<std::string> negotiated_old;
  std::vector<std::pair<std::string, std::string>> rejected;  // ref, server status
};

namespace {

int credentials_cb(git_credential** out, const char* url, const char* username_from_url,
                   unsigned int allowed_types, void* payload) {
  auto* st = static_cast<Remote::State*>(payload);
  ++st->credential_calls;
  if (st->credential_calls > kMaxCredentialCalls) {
    st->auth_problem = "the server rejected the credentials";
    git_error_set_str(GIT_ERROR_NET, "authentication failed: the server rejected the credentials");
    return GIT_EAUTH;
  }
  // Credentials belong to the task's remote; never hand them to any other host.
  if (url_host(url != nullptr ? url : "") != st->expected_host) {
    st->auth_problem = "credentials requested by a different host than the task's remote";
    git_error_set_str(GIT_ERROR_NET, "authentication refused: credentials requested by an unexpected host");
    return GIT_EAUTH;
  }
  const Credentials* c = st->credentials;
  if (c == nullptr || c->empty()) {
    st->auth_problem = "the remote requires authentication but no git credentials were provided";
    git_error_set_str(GIT_ERROR_NET, "authentication required but no git credentials were provided");
    return GIT_EAUTH;
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && c->has_userpass()) {
    return git_credential_userpass_plaintext_new(out, c->username.c_str(), c->password.c_str());
  }
  std::string user = username_from_url != nullptr && username_from_url[0] != '\0'
                         ? username_from_url
                         : (c->username.empty() ? "git" : c->username);
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0) return git_credential_username_new(out, user.c_str());
  if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) != 0 && c->has_ssh_key()) {
    return git_credential_ssh_key_memory_new(out, user.c_str(), nullptr, c->ssh_private_key.c_str(),
                                             nullptr);
  }
  st->auth_problem = "the remote asks for a kind of credential that was not provided";
  git_error_set_str(GIT_ERROR_NET, "authentication failed: no credential of the requested kind");
  return GIT_EAUTH;
}

int certificate_cb(git_cert* cert, int /*valid*/, const char* host, void* payload) {
  auto* st = static_cast<Remote::State*>(payload);
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;  // TLS: normal checks
  // Without a known_hosts file the host key is accepted (as libgit2 does with no callback).
  if (st->credentials == nullptr || st->credentials->known_hosts.empty()) return 0;
  const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
  if ((key->type & GIT_CERT_SSH_RAW) == 0 || key->hostkey == nullptr) {
    git_error_set_str(GIT_ERROR_SSH, "ssh host key not available for known_hosts verification");
    return GIT_ECERTIFICATE;
  }
  std::string encoded = base64(reinterpret_cast<const unsigned char*>(key->hostkey), key->hostkey_len);
  if (known_hosts_accepts(st->credentials->known_hosts, host != nullptr ? host : "", encoded)) return 0;
  st->auth_problem = "ssh host key not listed in known_hosts";
  git_error_set_str(GIT_ERROR_SSH, "ssh host key verification failed: not in known_hosts");
  return GIT_ECERTIFICATE;
}

int push_negotiation_cb(const git_push_update** updates, size_t len, void* payload) {
  auto* st = static_cast<Remote::State*>(payload);
  for (size_t i = 0; i < len; ++i) {
    if (st->lease_ref != updates[i]->dst_refname) continue;
    std::optional<std::string> old;
    if (!git_oid_is_zero(&updates[i]->src)) old = oid_hex(updates[i]->src);
    st->negotiated_old = old;
    if (old != st->lease) {
      st->lease_mismatch = true;
      git_error_set_str(GIT_ERROR_NET, "stale info: the remote ref moved since it was observed");
      return -1;
    }
  }
  return 0;
}

int push_update_reference_cb(const char* refname, const char* status, void* payload) {
  auto* st = static_cast<Remote::State*>(payload);
  if (status != nullptr && status[0] != '\0') st->rejected.emplace_back(refname, status);
  return 0;
}

git_remote_callbacks make_callbacks(Remote::State* st) {
  git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
  cb.credentials = credentials_cb;
  cb.certificate_check = certificate_cb;
  cb.push_negotiation = push_negotiation_cb;
  cb.push_update_reference = push_update_reference_cb;
  cb.payload = st;
  return cb;
}

}  // namespace

Remote::Remote(git_repository* repo, std::string url, const Credentials* credentials,
               Direction direction)
    : url_(std::move(url)), direction_(direction), state_(std::make_unique<State>()) {
  if (url_.empty()) throw GitError(Failure::kInvalid, "remote URL is empty");
  state_->credentials = credentials;
  state_->expected_host = url_host(url_);
  git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
  opts.repository = repo;
  opts.name = nullptr;  // anonymous: nothing is read from or written to the repository config
  opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  check(git_remote_create_with_opts(&raw, url_.c_str(), &opts), "remote " + redacted(url_),
        Failure::kInvalid);
  remote_.reset(raw);
}

Remote::~Remote() {
  if (remote_ && git_remote_connected(remote_.get()) != 0) git_remote_disconnect(remote_.get());
}

void Remote::fail(int rc, const std::string& what) {
  std::string detail = last_error_text(rc);
  std::string where = what + " " + redacted(url_);
  bool auth = rc == GIT_EAUTH || !state_->auth_problem.empty() ||
              state_->credential_calls > kMaxCredentialCalls || rc == GIT_ECERTIFICATE ||
              is_http_auth_status(detail);
  if (auth) {
    std::string why = state_->auth_problem.empty() ? detail : state_->auth_problem;
    throw GitError(Failure::kAuth, "authentication failed: " + where + ": " + redacted(why));
  }
  throw GitError(Failure::kTransport, where + ": " + detail);
}

const AdvertisedRefs& Remote::connect() {
  if (connected_) return advertised_;
  git_remote_connect_options opts = GIT_REMOTE_CONNECT_OPTIONS_INIT;
  opts.callbacks = make_callbacks(state_.get());
  opts.proxy_opts.type = GIT_PROXY_NONE;
  opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
  int rc = git_remote_connect_ext(
      remote_.get(), direction_ == Direction::kFetch ? GIT_DIRECTION_FETCH : GIT_DIRECTION_PUSH, &opts);
  if (rc < 0) fail(rc, "cannot connect to");
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  rc = git_remote_ls(&heads, &count, remote_.get());
  if (rc < 0) fail(rc, "cannot list refs of");
  for (size_t i = 0; i < count; ++i) advertised_[heads[i]->name] = oid_hex(heads[i]->oid);
  connected_ = true;
  return advertised_;
}

void Remote::download(const std::vector<std::string>& refs) {
  connect();
  if (refs.empty()) return;
  std::vector<std::string> specs;
  for (const auto& r : refs) {
    if (advertised_.count(r) == 0) throw GitError(Failure::kNotFound, "ref not advertised by the remote");
    specs.push_back(r);  // no destination: objects only, we pin SHAs ourselves
  }
  std::vector<char*> ptrs;
  for (auto& s : specs) ptrs.push_back(s.data());
  git_strarray arr{ptrs.data(), ptrs.size()};
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks = make_callbacks(state_.get());
  opts.proxy_opts.type = GIT_PROXY_NONE;
  opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
  opts.update_fetchhead = 0;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  int rc = git_remote_download(remote_.get(), &arr, &opts);
  if (rc < 0) fail(rc, "cannot fetch from");
}

PushOutcome Remote::push_with_lease(const std::string& local_ref, const std::string& remote_ref,
                                    const std::optional<std::string>& lease) {
  connect();
  PushOutcome out;
  if (auto it = advertised_.find(remote_ref); it != advertised_.end()) out.observed = it->second;
  if (out.observed != lease) {
    out.status = PushStatus::kLeaseRejected;
    return out;
  }
  state_->lease_ref = remote_ref;
  state_->lease = lease;
  std::string spec = "+" + local_ref + ":" + remote_ref;
  char* ptr = spec.data();
  git_strarray arr{&ptr, 1};
  git_push_options opts = GIT_PUSH_OPTIONS_INIT;
  opts.callbacks = make_callbacks(state_.get());
  opts.proxy_opts.type = GIT_PROXY_NONE;
  opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
  opts.pb_parallelism = 1;
  int rc = git_remote_upload(remote_.get(), &arr, &opts);
  if (state_->lease_mismatch) {
    out.status = PushStatus::kLeaseRejected;
    out.observed = state_->negotiated_old;
    return out;
  }
  if (rc < 0) fail(rc, "cannot push to");
  for (const auto& [ref, status] : state_->rejected) {
    if (ref == remote_ref) {
      out.status = PushStatus::kRejected;
      out.server_message = redacted(status);
      return out;
    }
  }
  out.status = PushStatus::kPushed;
  return out;
}

}  // namespace redraft::executor::git
