// redraft-devserver: see cli_usage() and /work/notes/README-devserver.md.
#include "api_server.hpp"
#include "cli_options.hpp"
#include "http_server.hpp"
#include "kubeconfig.hpp"
#include "tls_cert.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace redraft::devserver;

namespace {

// The identity of the generated client certificate: kind/kubeadm's admin kubeconfig uses the
// group system:masters the same way (this server enforces no RBAC, so it is informational).
constexpr const char* kClientCertUser = "redraft-dev";
constexpr const char* kClientCertGroup = "system:masters";

// The extra client CAs of --client-ca-file, checked here so the error names the flag.
std::string read_client_ca_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--client-ca-file: cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    throw std::invalid_argument("--client-ca-file: \"" + path + "\" holds no PEM certificate");
  return ss.str();
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--token-file: cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) throw std::invalid_argument("--token-file: \"" + path + "\" is empty");
  return t;
}

// kubectl will not work against HTTPS without credentials (it prompts for a password), so
// --tls without --token gets a random token, handed out only through the kubeconfig.
std::string generate_token() {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("cannot generate a random token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::default_logger());
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CliOptions cli;
  std::string extra_client_cas;
  try {
    cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (!cli.token_file.empty()) cli.token = read_token_file(cli.token_file);
    if (!cli.client_ca_file.empty()) extra_client_cas = read_client_ca_file(cli.client_ca_file);
  } catch (const std::invalid_argument& e) {
    std::cerr << "redraft-devserver: " << e.what() << "\n" << cli_usage();
    return 2;
  }
  if (cli.help) {
    std::cout << cli_usage();
    return 0;
  }

  // Block the stop signals before any thread starts so only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    // With --client-cert-auth the kubeconfig's certificate is the credential: no token.
    if (cli.tls && !cli.client_cert_auth && cli.token.empty()) {
      cli.token = generate_token();
      if (cli.kubeconfig_path.empty())
        spdlog::warn("--tls without --token: a random token was generated; use --write-kubeconfig to obtain it");
    }
    ApiServerOptions opts;
    opts.history_size = cli.history_size;
    opts.gc_delay = std::chrono::milliseconds(cli.gc_delay_ms);
    opts.bookmark_interval = std::chrono::milliseconds(cli.bookmark_interval_ms);
    opts.token = cli.token;
    opts.client_certificate_auth = cli.client_cert_auth;
    opts.log_requests = cli.verbose;
    ApiServer api(opts);
    FaultConfig faults;
    faults.close_watches_after_seconds = cli.fault_close_watches_after_seconds;
    faults.latency_ms = cli.fault_latency_ms;
    api.faults().set(faults);

    std::optional<TlsMaterial> tls;
    if (cli.tls) tls = generate_self_signed_certificate();
    // The client CA lives only in memory: its key signs the one certificate handed out through
    // the kubeconfig, so nobody else can mint credentials for this server.
    std::optional<TlsMaterial> client_ca, client_cert;
    if (cli.client_cert_auth) {
      client_ca = generate_client_ca("redraft-devserver-client-ca");
      client_cert = issue_client_certificate(*client_ca, {kClientCertUser, {kClientCertGroup}});
      if (cli.kubeconfig_path.empty())
        spdlog::warn("--client-cert-auth without --write-kubeconfig: nobody can obtain the client certificate");
    }
    HttpServer http(api, cli.port, tls ? &*tls : nullptr,
                    client_ca ? client_ca->cert_pem + "\n" + extra_client_cas : "");
    const std::string address = "127.0.0.1:" + std::to_string(http.port());
    const std::string url = std::string(cli.tls ? "https://" : "http://") + address;
    api.set_server_address(address);
    if (!cli.kubeconfig_path.empty())
      write_kubeconfig(cli.kubeconfig_path, {url, tls ? tls->cert_pem : "", cli.token,
                                             client_cert ? client_cert->cert_pem : "",
                                             client_cert ? client_cert->key_pem : ""});
    http.start();
    std::cout << "listening on " << url << std::endl;
    spdlog::info("redraft-devserver serving {}{}{}", url, cli.token.empty() ? "" : " (bearer token accepted)",
                 cli.client_cert_auth ? " (client certificates accepted)" : "");

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("signal {} received, shutting down", sig);
    api.shutdown();
    http.stop();
    // Connection threads are detached; leave without running destructors under their feet.
    spdlog::shutdown();
    std::fflush(nullptr);
    std::_Exit(0);
  } catch (const std::exception& e) {
    std::cerr << "redraft-devserver: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
