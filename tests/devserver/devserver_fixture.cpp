#include "devserver_fixture.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace redraft::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

// Builds the environment for a child before fork(): nothing after fork may allocate.
std::vector<std::string> child_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || x.substr(0, x.find('=')) == key;
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void set_socket_timeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct Endpoint {
  bool tls = false;
  std::string host = "127.0.0.1";
  std::string port;
};

Endpoint parse_url(const std::string& url) {
  Endpoint e;
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0) {
    e.tls = true;
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  }
  e.port = rest.substr(rest.find(':') + 1);
  return e;
}

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const std::string& body, const std::string& content_type,
                                              const std::string& token,
                                              const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "redraft-devserver-fixture");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  bool has_accept = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    has_accept = has_accept || beast::iequals(k, "accept");
  }
  if (!has_accept) req.set(http::field::accept, "application/json");
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

class HttpWatchStream : public WatchStream {
 public:
  HttpWatchStream(const std::string& port, http::request<http::string_body> req) : socket_(ioc_) {
    tcp::resolver resolver(ioc_);
    asio::connect(socket_, resolver.resolve("127.0.0.1", port));
    set_socket_timeouts(socket_.native_handle(), 60);
    http::write(socket_, req);
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(socket_, buffer_, parser_);
    status_ = static_cast<int>(parser_.get().result_int());
  }
  std::optional<json> next(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string& body = parser_.get().body();
      if (auto nl = body.find('\n'); nl != std::string::npos) {
        std::string line = body.substr(0, nl);
        body.erase(0, nl + 1);
        if (!line.empty()) return json::parse(line);
        continue;
      }
      if (ended_) {
        if (!body.empty()) {
          std::string rest = std::move(body);
          body.clear();
          return json::parse(rest);
        }
        return std::nullopt;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (buffer_.size() == 0 && ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      beast::error_code ec;
      http::read_some(socket_, buffer_, parser_, ec);
      if (ec || parser_.is_done()) ended_ = true;
    }
  }
  bool ended() const override { return ended_; }
  int status() const override { return status_; }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  int status_ = 0;
  bool ended_ = false;
};

}  // namespace

json HttpResult::json() const { return json::parse(body); }

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                          std::chrono::seconds timeout, const std::string& input) {
  if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
  std::vector<std::string> args = argv, env = child_env(extra_env);
  auto cargs = c_strings(args);
  auto cenv = c_strings(env);
  int out[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execvpe(cargs[0], cargs.data(), cenv.data());
    _exit(127);
  }
  close(out[1]);
  close(in[0]);
  signal(SIGPIPE, SIG_IGN);
  if (!input.empty() && write(in[1], input.data(), input.size()) < 0) { /* child may not read */ }
  close(in[1]);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = timed_out ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  if (timed_out) result.output += "\n[run_command: killed after timeout]";
  return result;
}

std::string DevServer::binary_path() {
  if (const char* env = std::getenv("REDRAFT_DEVSERVER"); env && *env) return env;
  return REDRAFT_DEVSERVER_BINARY;
}

DevServer::DevServer(DevServerOptions options) : options_(std::move(options)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redraft-devserver-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  kubeconfig_ = dir_ + "/kubeconfig";
  std::vector<std::string> args = {binary_path(), "--port", "0", "--write-kubeconfig", kubeconfig_,
                                   "--verbose"};
  if (options_.tls) args.push_back("--tls");
  if (options_.client_cert_auth) args.push_back("--client-cert-auth");
  if (!options_.token.empty()) {
    // Through a file, so the token never shows up in `ps`.
    const std::string token_file = dir_ + "/token";
    std::ofstream(token_file) << options_.token;
    args.insert(args.end(), {"--token-file", token_file});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  auto cargs = c_strings(args);
  const std::string log = dir_ + "/server.log";
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test process
    dup2(out[1], 1);
    dup2(log_fd, 2);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  pid_ = pid;
  close(out[1]);
  close(log_fd);
  // Ready when the first stdout line names the URL.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char c;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0 || read(out[0], &c, 1) != 1) {
      close(out[0]);
      const std::string why = server_log();
      stop();
      throw std::runtime_error("redraft-devserver (" + binary_path() + ") did not become ready: " + why);
    }
    line += c;
  }
  close(out[0]);  // later stdout writes get EPIPE/SIGPIPE-ignored; the server only logs to stderr
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) throw std::runtime_error("unexpected first line from devserver: " + line);
  url_ = line.substr(prefix.size());
  url_.erase(url_.find_last_not_of("\r\n") + 1);
  port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
  if (options_.tls && options_.token.empty()) {
    // With --tls the server generates a token and hands it out through the kubeconfig only.
    const YAML::Node k = YAML::LoadFile(kubeconfig_);
    options_.token = k["users"][0]["user"]["token"].as<std::string>("");
  }
  if (options_.client_cert_auth) {
    const YAML::Node user = YAML::LoadFile(kubeconfig_)["users"][0]["user"];
    auto decoded = [&](const char* field) {
      const std::vector<unsigned char> raw = YAML::DecodeBase64(user[field].as<std::string>(""));
      if (raw.empty()) throw std::runtime_error(std::string("devserver kubeconfig has no ") + field);
      return std::string(raw.begin(), raw.end());
    };
    client_cert_pem_ = decoded("client-certificate-data");
    client_key_pem_ = decoded("client-key-data");
  }
}

DevServer::~DevServer() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool DevServer::running() const { return pid_ > 0 && kill(pid_, 0) == 0; }

void DevServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the child's exit
  }
  pid_ = -1;
}

std::string DevServer::kubeconfig_with_user(const YAML::Node& user, const std::string& file_name) const {
  YAML::Node k = YAML::LoadFile(kubeconfig_);
  k["users"][0]["user"] = user;
  const std::string path = dir_ + "/" + file_name;
  std::ofstream(path) << YAML::Dump(k);
  return path;
}

std::string DevServer::server_log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResult DevServer::request(const std::string& method, const std::string& path, const std::string& body,
                              const std::string& content_type,
                              const std::vector<std::pair<std::string, std::string>>& headers) const {
  const Endpoint ep = parse_url(url_);
  auto req = make_request(method, path, body, content_type, options_.token, headers);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (ep.tls) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_none);  // the test only checks behaviour, not the chain
    if (!client_cert_pem_.empty()) {
      ctx.use_certificate_chain(asio::buffer(client_cert_pem_));
      ctx.use_private_key(asio::buffer(client_key_pem_), asio::ssl::context::pem);
    }
    asio::ssl::stream<tcp::socket> stream(ioc, ctx);
    asio::connect(stream.next_layer(), resolver.resolve("127.0.0.1", ep.port));
    set_socket_timeouts(stream.next_layer().native_handle(), 120);
    stream.handshake(asio::ssl::stream_base::client);
    http::write(stream, req);
    http::read(stream, buffer, parser);
  } else {
    tcp::socket socket(ioc);
    asio::connect(socket, resolver.resolve("127.0.0.1", ep.port));
    set_socket_timeouts(socket.native_handle(), 120);
    http::write(socket, req);
    http::read(socket, buffer, parser);
  }
  auto& res = parser.get();
  return HttpResult{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
}

std::unique_ptr<WatchStream> DevServer::watch(const std::string& path_and_query) const {
  const Endpoint ep = parse_url(url_);
  if (ep.tls) throw std::logic_error("DevServer::watch supports plain HTTP servers only");
  return std::make_unique<HttpWatchStream>(ep.port, make_request("GET", path_and_query, "", "", options_.token, {}));
}

CommandResult DevServer::kubectl(const std::vector<std::string>& args, const std::string& input) const {
  std::vector<std::string> argv = {"kubectl", "--kubeconfig", kubeconfig_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, {"HOME=" + dir_, "KUBECACHEDIR=" + dir_ + "/kubecache"}, std::chrono::seconds(120), input);
}

CommandResult DevServer::helm(const std::vector<std::string>& args) const {
  std::string helm = REDRAFT_TOOLS_DIR "/helm";
  if (access(helm.c_str(), X_OK) != 0) helm = "helm";
  std::vector<std::string> argv = {helm, "--kubeconfig", kubeconfig_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv,
                     {"HOME=" + dir_, "HELM_CACHE_HOME=" + dir_ + "/helm/cache",
                      "HELM_CONFIG_HOME=" + dir_ + "/helm/config", "HELM_DATA_HOME=" + dir_ + "/helm/data"},
                     std::chrono::seconds(180));
}

void DevServer::admin(const std::string& method, const std::string& path, const json& body) {
  const HttpResult r = request(method, path, body.is_null() ? "" : body.dump());
  if (r.status != 200) throw std::runtime_error("devserver admin " + path + " failed: " + r.body);
}

void DevServer::fail_next(int count, int code, const std::string& method, const std::string& path_contains) {
  admin("POST", "/admin/faults",
        {{"failNext", {{"count", count}, {"code", code}, {"method", method}, {"pathContains", path_contains}}}});
}
void DevServer::close_watches_after(int seconds) { admin("POST", "/admin/faults", {{"closeWatchesAfterSeconds", seconds}}); }
void DevServer::set_latency_ms(int ms) { admin("POST", "/admin/faults", {{"latencyMs", ms}}); }
void DevServer::clear_faults() { admin("DELETE", "/admin/faults", nullptr); }
void DevServer::compact_history() { admin("POST", "/admin/compact", nullptr); }
void DevServer::close_watches_now() { admin("POST", "/admin/close-watches", nullptr); }

}  // namespace redraft::testing

namespace redraft::testing {

int DevServer::open_watches() {
  const HttpResult r = request("GET", "/admin/stats");
  if (r.status != 200) throw std::runtime_error("devserver /admin/stats failed: " + r.body);
  return r.json()["openWatches"].get<int>();
}

}  // namespace redraft::testing
