#include "operator/runtime/client/exec_credential.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/runtime/client/errors.hpp"

extern char** environ;

namespace redraft::runtime {
namespace {

constexpr std::size_t kMaxOutput = 1 << 20;

std::string plugin_error(const ExecConfig& config, const std::string& what) {
  std::string text = "exec credential plugin \"" + config.command + "\": " + what;
  if (!config.install_hint.empty()) text += " (" + config.install_hint + ")";
  return text;
}

// Why a failing plugin's stderr is never quoted: plugins print whatever their identity provider
// said, and that can be a token, a refresh token or a device code in any shape. Redaction only
// catches shapes we know (URL userinfo), and these messages reach the reflector's logs, so the
// error keeps what is safe and still diagnostic — the command, its exit status, and how much it
// wrote to stderr — and the operator runs the command by hand to read the rest.
std::string stderr_note(std::size_t bytes) {
  if (bytes == 0) return "";
  return " (stderr not shown, " + std::to_string(bytes) + " bytes: it may contain credentials)";
}

// The plugin runs in its own process group (see run_exec_plugin); killing the group also ends
// what a shell plugin started. An unreaped child keeps its pid (as a zombie), so the ids cannot
// have been reused — unless the host program ignores SIGCHLD and the kernel already reaped it,
// which the WNOHANG probe detects (ECHILD) before anything is signalled. SIGKILL cannot be
// caught, so the blocking wait that follows ends.
void kill_and_reap(pid_t pid, int* status) {
  const pid_t probe = ::waitpid(pid, status, WNOHANG);
  if (probe == pid || (probe < 0 && errno == ECHILD)) return;  // already gone: nothing to kill
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
}

// Waits for `pid` to exit until `deadline`; false if it is still running then. A plugin can
// close its stdout and stderr and keep running, so a blocking wait could hang forever.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline, int* status) {
  for (;;) {
    const pid_t done = ::waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno == ECHILD) {
      // SIGCHLD ignored by the host program: the kernel reaped it and the status is lost;
      // judge the plugin by its output alone.
      *status = 0;
      return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    const auto nap = std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                                  std::chrono::milliseconds(10));
    ::poll(nullptr, 0, static_cast<int>(
                           std::chrono::ceil<std::chrono::milliseconds>(nap).count()));
  }
}

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw TransportError("exec credential plugin: pipe failed");
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace

std::chrono::system_clock::time_point parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 19) {
    throw std::invalid_argument("not an RFC 3339 timestamp");
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  long offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (s.size() != pos + 6 || std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
      throw std::invalid_argument("not an RFC 3339 timestamp (bad offset)");
    }
    offset_seconds = (s[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos = s.size();
  } else {
    throw std::invalid_argument("not an RFC 3339 timestamp (no time zone)");
  }
  if (pos != s.size()) throw std::invalid_argument("not an RFC 3339 timestamp (trailing text)");
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw std::invalid_argument("not an RFC 3339 timestamp (out of range)");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const auto seconds = std::chrono::seconds(static_cast<long long>(::timegm(&tm)) - offset_seconds);
  // system_clock counts nanoseconds in 64 bits (until year 2262): far-future expiries that
  // plugins use for "never" must saturate instead of wrapping into the past.
  using TimePoint = std::chrono::system_clock::time_point;
  constexpr auto kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()) - std::chrono::seconds(1);
  if (seconds >= kLimit) return TimePoint::max();
  if (seconds <= -kLimit) return TimePoint::min();
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(seconds));
}

ExecCredential parse_exec_credential(std::string_view output,
                                     std::string_view expected_api_version) {
  nlohmann::json doc = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw TransportError("ExecCredential: output is not a JSON object");
  if (doc.value("kind", "") != "ExecCredential") {
    throw TransportError("ExecCredential: kind: expected \"ExecCredential\"");
  }
  std::string api_version = doc.value("apiVersion", "");
  if (!expected_api_version.empty() && api_version != expected_api_version) {
    throw TransportError("ExecCredential: apiVersion: \"" + api_version + "\" but the kubeconfig asks for \"" +
                         std::string(expected_api_version) + "\"");
  }
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    throw TransportError("ExecCredential: status: missing");
  }
  ExecCredential cred;
  auto text = [&](const char* key) -> std::string {
    auto it = status->find(key);
    if (it == status->end() || it->is_null()) return {};
    if (!it->is_string()) throw TransportError(std::string("ExecCredential: status.") + key + ": must be a string");
    return it->get<std::string>();
  };
  cred.token = text("token");
  cred.client_cert_pem = text("clientCertificateData");
  cred.client_key_pem = text("clientKeyData");
  std::string expiry = text("expirationTimestamp");
  if (!expiry.empty()) {
    try {
      cred.expiry = parse_rfc3339(expiry);
    } catch (const std::invalid_argument& e) {
      throw TransportError(std::string("ExecCredential: status.expirationTimestamp: ") + e.what());
    }
  }
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty()) {
    throw TransportError(
        "ExecCredential: status.clientCertificateData and status.clientKeyData must be set together");
  }
  if (cred.token.empty() && cred.client_cert_pem.empty()) {
    throw TransportError("ExecCredential: status: needs token or clientCertificateData/clientKeyData");
  }
  return cred;
}

ExecCredential run_exec_plugin(const ExecConfig& config, const std::string& server,
                               const std::string& ca_pem) {
  if (config.command.empty()) throw TransportError("exec credential plugin: command is empty");
  std::string api_version = config.api_version.empty() ? "client.authentication.k8s.io/v1"
                                                       : config.api_version;
  nlohmann::json info = {{"apiVersion", api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (config.provide_cluster_info) {
    info["spec"]["cluster"] = {{"server", server}};
    if (!ca_pem.empty()) info["spec"]["cluster"]["certificate-authority-data"] = ca_pem;
  }

  // The environment and argv are built before spawning: nothing allocates in the child.
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view key = entry.substr(0, entry.find('='));
    bool overridden = key == "KUBERNETES_EXEC_INFO";
    for (const auto& [name, value] : config.env) overridden = overridden || key == name;
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : config.env) env_strings.push_back(name + "=" + value);
  env_strings.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings{config.command};
  arg_strings.insert(arg_strings.end(), config.args.begin(), config.args.end());
  std::vector<char*> argv;
  for (auto& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  Pipe out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), 2);
  // Its own process group, so a timeout or failure can kill everything the plugin started
  // (a shell script's children would otherwise keep running, holding our pipes open).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, config.command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw TransportError(plugin_error(config, std::string("cannot start: ") + std::strerror(rc)));
  out.close_write();
  err.close_write();

  // Every way out of here reaps the plugin: it exits on its own before the deadline, or its
  // process group is killed first (timeout, or a poll() failure we cannot read past).
  std::string stdout_text;
  std::size_t stderr_bytes = 0;
  const auto deadline = std::chrono::steady_clock::now() + config.timeout;
  bool out_open = true, err_open = true;
  std::string failure;  // why reading stopped early
  while ((out_open || err_open) && failure.empty()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fds[2] = {{out_open ? out.read_end() : -1, POLLIN, 0},
                     {err_open ? err.read_end() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0) {
      if (errno != EINTR) failure = std::string("reading its output failed: ") + std::strerror(errno);
      continue;
    }
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      if (i == 1) {
        stderr_bytes += static_cast<std::size_t>(got);
      } else if (stdout_text.size() < kMaxOutput) {
        stdout_text.append(buf, static_cast<std::size_t>(got));
      }
    }
  }
  int status = 0;
  const bool exited = failure.empty() && wait_until(pid, deadline, &status);
  if (!exited) {
    kill_and_reap(pid, &status);
    if (failure.empty()) {
      throw TransportError(plugin_error(config, "timed out after " +
                                                    std::to_string(config.timeout.count()) + "s"));
    }
    throw TransportError(plugin_error(config, failure));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    throw TransportError(plugin_error(config, how + stderr_note(stderr_bytes)));
  }
  try {
    return parse_exec_credential(stdout_text, api_version);
  } catch (const TransportError& e) {
    throw TransportError(plugin_error(config, e.what()));
  }
}

}  // namespace redraft::runtime
