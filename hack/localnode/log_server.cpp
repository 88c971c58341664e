#include "hack/localnode/log_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <fstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
#include <spdlog/spdlog.h>

#include "hack/localnode/pod_status.hpp"

namespace redraft::localnode {
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::optional<int64_t> int_param(const boost::urls::params_view& params, const char* name, bool& bad) {
  auto it = params.find(name);
  if (it == params.end() || !(*it).has_value) return std::nullopt;
  const std::string v = (*it).value;
  try {
    std::size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used == v.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  bad = true;
  return std::nullopt;
}

bool bool_param(const boost::urls::params_view& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end()) return false;
  const std::string v = (*it).has_value ? std::string((*it).value) : "true";
  return v == "true" || v == "1";
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<fs::path> find_pod_dir(const fs::path& root, std::string_view ns, std::string_view name) {
  const std::string prefix = std::string(ns) + "_" + std::string(name) + "_";
  std::optional<fs::path> best;
  fs::file_time_type best_time;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root / "pods", ec)) {
    const std::string dir = entry.path().filename().string();
    if (!dir.starts_with(prefix) || dir.find('_', prefix.size()) != std::string::npos) continue;
    auto t = fs::last_write_time(entry.path(), ec);
    if (!best || t > best_time) {
      best = entry.path();
      best_time = t;
    }
  }
  return best;
}

LogAnswer answer_log_request(const fs::path& root, std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return {400, "bad request target"};
  std::vector<std::string> segs;
  for (auto s : parsed->segments()) segs.push_back(s);
  if (segs.size() != 4 || segs[0] != "containerLogs") return {404, "not found"};
  for (const auto& s : segs)
    if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos) return {400, "bad path"};
  const auto params = parsed->params();
  bool bad = false;
  auto tail = int_param(params, "tailLines", bad);
  auto limit = int_param(params, "limitBytes", bad);
  if (bad) return {400, "tailLines and limitBytes must be non-negative integers"};
  auto dir = find_pod_dir(root, segs[1], segs[2]);
  if (!dir) return {404, "pod " + segs[1] + "/" + segs[2] + " not found on this node"};
  const fs::path log = *dir / "logs" / (segs[3] + ".log");
  if (bool_param(params, "previous"))
    return {400, "previous terminated container \"" + segs[3] + "\" in pod \"" + segs[2] +
                     "\" not found"};
  std::error_code ec;
  if (!fs::exists(log, ec)) {
    // Known pod, container not started (yet) or unknown.
    return {404, "container \"" + segs[3] + "\" in pod \"" + segs[2] + "\" has no logs on this node"};
  }
  std::string body = read_all(log);
  if (tail) body = *tail == 0 ? std::string() : log_tail(body, static_cast<std::size_t>(*tail), body.size());
  if (limit && body.size() > static_cast<std::size_t>(*limit)) body.resize(static_cast<std::size_t>(*limit));
  return {200, std::move(body)};
}

struct LogServer::Impl {
  fs::path root;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      serve(std::move(socket));
      accept();
    });
  }

  void serve(tcp::socket socket) {
    // One short request per connection; a client that stalls cannot hold the server for long.
    timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    LogAnswer answer;
    if (req.method() != http::verb::get) {
      answer = {405, "method not allowed"};
    } else {
      try {
        answer = answer_log_request(root, req.target());
      } catch (const std::exception& e) {
        answer = {500, e.what()};
      }
    }
    http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = std::move(answer.body);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

LogServer::LogServer(fs::path root) : impl_(std::make_unique<Impl>()) { impl_->root = std::move(root); }
LogServer::~LogServer() { stop(); }

std::uint16_t LogServer::start(std::uint16_t port) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  const auto bound = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return bound;
}

void LogServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace redraft::localnode
