// Test helper: runs a real redraft-devserver process on an ephemeral 127.0.0.1 port and talks
// to it over real HTTP. Link `redraft_devserver_fixture`.
//
//   redraft::testing::DevServer server;            // started and ready, or throws
//   server.url();  server.kubeconfig_path();       // for clients, kubectl, helm
//   server.request("GET", "/api/v1/namespaces");   // raw HTTP with the server's token
//   server.fail_next(2, 409);                      // fault injection via /admin/faults
//   auto w = server.watch("/api/v1/namespaces/default/configmaps?watch=true");
//   auto ev = w->next(std::chrono::seconds(30));   // {"type":..., "object":...} or nullopt
//
// The process is killed in the destructor (and by the kernel if the test process dies).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace redraft::testing {

struct DevServerOptions {
  bool tls = false;                     // --tls (HTTPS, self-signed; the kubeconfig pins it)
  std::string token;                    // --token: require this bearer token
  std::vector<std::string> extra_args;  // e.g. {"--history-size", "5"}
  // --client-cert-auth (needs tls): the kubeconfig carries a client certificate, which
  // request() and the admin helpers present; no token is generated unless `token` is set.
  bool client_cert_auth = false;
};

// HTTPS with client-certificate authentication and no token: a client certificate is the only
// credential the server accepts.
inline DevServerOptions client_cert_only_options() {
  DevServerOptions o;
  o.tls = true;
  o.client_cert_auth = true;
  return o;
}

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json() const;  // parsed body (throws on invalid JSON)
};

struct CommandResult {
  int exit_code = -1;  // -1: killed after the timeout
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (looked up on PATH) with extra "KEY=VALUE" environment entries, feeding `input`
// to stdin; kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(120),
                          const std::string& input = "");

// A streaming watch over plain HTTP: one JSON event per call to next().
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event, or nullopt when `timeout` passes or the server ended the stream.
  virtual std::optional<nlohmann::json> next(std::chrono::milliseconds timeout) = 0;
  virtual bool ended() const = 0;  // the server closed the stream
  virtual int status() const = 0;  // HTTP status of the watch response
};

class DevServer {
 public:
  explicit DevServer(DevServerOptions options = {});
  ~DevServer();
  DevServer(const DevServer&) = delete;
  DevServer& operator=(const DevServer&) = delete;

  static std::string binary_path();  // $REDRAFT_DEVSERVER or the build tree's binary

  const std::string& url() const { return url_; }  // http(s)://127.0.0.1:PORT
  int port() const { return port_; }
  const std::string& kubeconfig_path() const { return kubeconfig_; }
  const std::string& token() const { return options_.token; }
  // The kubeconfig's client certificate/key (PEM); empty unless client_cert_auth.
  const std::string& client_cert_pem() const { return client_cert_pem_; }
  const std::string& client_key_pem() const { return client_key_pem_; }
  const std::string& work_dir() const { return dir_; }  // removed by the destructor
  // Writes a copy of the kubeconfig whose user is `user` (a YAML map) to work_dir()/file_name;
  // returns its path.
  std::string kubeconfig_with_user(const YAML::Node& user, const std::string& file_name) const;
  std::string server_log() const;                        // the server's stderr so far
  bool running() const;
  void stop();

  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     const std::string& content_type = "application/json",
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  std::unique_ptr<WatchStream> watch(const std::string& path_and_query) const;  // plain HTTP only

  // kubectl / helm against this server (kubeconfig set, 120 s timeout).
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& input = "") const;
  CommandResult helm(const std::vector<std::string>& args) const;

  // Fault injection (POST /admin/faults etc.); each throws if the server refuses.
  void fail_next(int count, int code, const std::string& method = "",
                 const std::string& path_contains = "");
  void close_watches_after(int seconds);  // every watch stream ends after `seconds`
  void set_latency_ms(int ms);
  void clear_faults();
  void compact_history();    // the next watch from an older resourceVersion gets 410
  void close_watches_now();  // ends every open watch stream
  int open_watches();        // watch streams the server is serving right now

 private:
  void admin(const std::string& method, const std::string& path, const nlohmann::json& body);
  DevServerOptions options_;
  std::string dir_;
  std::string kubeconfig_;
  std::string url_;
  int port_ = 0;
  int pid_ = -1;
  std::string client_cert_pem_, client_key_pem_;
};

}  // namespace redraft::testing
