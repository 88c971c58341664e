#pragma once
// The probe and metrics HTTP server (/healthz, /readyz, /metrics; see probes.hpp). It runs on its
// own thread so a busy controller never delays a kubelet probe. Boost.Beast stays in server.cpp.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "operator/runtime/health/probes.hpp"
#include "operator/runtime/metrics/registry.hpp"

namespace redraft::runtime::health {

struct BindAddress {
  std::string host;  // empty ⇒ every interface
  std::uint16_t port = 0;  // 0 ⇒ an ephemeral port
};

// Parses "host:port", "[v6addr]:port" or ":port". Throws std::invalid_argument naming the value.
BindAddress parse_bind_address(std::string_view address);

struct ServerOptions {
  std::string bind_address = ":8081";  // tests use "127.0.0.1:0"
  const metrics::Registry* registry = nullptr;  // serve /metrics from it; must outlive the server
};

class Server {
 public:
  explicit Server(ServerOptions options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // stop()

  // Checks can be added before or after start().
  void add_healthz_check(const std::string& name, Check check);
  void add_readyz_check(const std::string& name, Check check);

  // Binds and starts serving. Throws std::invalid_argument for a malformed address and
  // std::runtime_error (naming the address) when it cannot bind.
  void start();
  // The bound port (useful with port 0). Valid after start().
  std::uint16_t port() const;
  // Closes the listener and every connection, joins the server thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::runtime::health
