#include "cli_options.hpp"

#include <stdexcept>

namespace redraft::devserver {

namespace {

long long number(const std::string& flag, const std::string& value, long long min, long long max) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(value, &used);
    if (used == value.size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + ": invalid value \"" + value + "\": expected an integer in [" +
                              std::to_string(min) + ", " + std::to_string(max) + "]");
}

}  // namespace

std::string cli_usage() {
  return R"(usage: redraft-devserver [flags]
An in-memory Kubernetes-API-compatible server on 127.0.0.1 for local runs and tests.
  --port N                        listen port (default 0: pick a free one)
  --tls                           serve HTTPS with a self-generated certificate
  --token TOKEN | --token-file F  require "Authorization: Bearer TOKEN"
  --client-cert-auth              (with --tls) generate a client CA and a client certificate
                                  (CN redraft-dev, O system:masters); request client
                                  certificates and accept those the CA verifies; the kubeconfig
                                  gets the certificate instead of a generated token. With
                                  --token too, either credential authenticates a request
  --client-ca-file PATH           (with --client-cert-auth) also trust the CA certificates in
                                  this PEM bundle, like kube-apiserver --client-ca-file
  --write-kubeconfig PATH         write a kubeconfig for this server (mode 0600)
  --history-size N                watch events kept for replay (default 10000); older => 410
  --bookmark-interval-ms N        BOOKMARK cadence for allowWatchBookmarks (default 5000)
  --gc-delay-ms N                 delete a dependent whose owners are all gone N ms after the
                                  write that left it so (default 100; -1 disables)
  --fault-close-watches-after S   end every watch stream after S seconds
  --fault-latency-ms MS           delay every API request by MS
  -v, --verbose                   log every request (method, path, status)
Prints "listening on <url>" as the first stdout line once ready.
)";
}

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw std::invalid_argument(flag + ": missing value");
      return args[++i];
    };
    if (flag == "--port") o.port = static_cast<unsigned short>(number(flag, value(), 0, 65535));
    else if (flag == "--tls") o.tls = true;
    else if (flag == "--token") o.token = value();
    else if (flag == "--token-file") o.token_file = value();
    else if (flag == "--client-cert-auth") o.client_cert_auth = true;
    else if (flag == "--client-ca-file") o.client_ca_file = value();
    else if (flag == "--write-kubeconfig") o.kubeconfig_path = value();
    else if (flag == "--history-size") o.history_size = static_cast<std::size_t>(number(flag, value(), 1, 10000000));
    else if (flag == "--bookmark-interval-ms") o.bookmark_interval_ms = static_cast<int>(number(flag, value(), 10, 3600000));
    else if (flag == "--gc-delay-ms") o.gc_delay_ms = static_cast<int>(number(flag, value(), -1, 3600000));
    else if (flag == "--fault-close-watches-after") o.fault_close_watches_after_seconds = static_cast<int>(number(flag, value(), 0, 86400));
    else if (flag == "--fault-latency-ms") o.fault_latency_ms = static_cast<int>(number(flag, value(), 0, 60000));
    else if (flag == "-v" || flag == "--verbose") o.verbose = true;
    else if (flag == "-h" || flag == "--help") o.help = true;
    else throw std::invalid_argument("unknown flag \"" + args[i] + "\"");
  }
  if (!o.token.empty() && !o.token_file.empty())
    throw std::invalid_argument("--token and --token-file are mutually exclusive");
  if (o.client_cert_auth && !o.tls)
    throw std::invalid_argument("--client-cert-auth needs --tls (client certificates are presented in the TLS handshake)");
  if (!o.client_ca_file.empty() && !o.client_cert_auth)
    throw std::invalid_argument("--client-ca-file needs --client-cert-auth");
  return o;
}

}  // namespace redraft::devserver
