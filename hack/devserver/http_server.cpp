#include "http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace redraft::devserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

HttpRequest convert(const http::request<http::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  auto parsed = boost::urls::parse_origin_form(req.target());
  if (parsed) {
    r.path = parsed->path();
    for (auto p : parsed->params()) r.query[p.key] = p.has_value ? p.value : "";
  } else {
    r.path = std::string(req.target());
  }
  r.content_type = std::string(req[http::field::content_type]);
  r.accept = std::string(req[http::field::accept]);
  r.authorization = std::string(req[http::field::authorization]);
  r.body = req.body();
  return r;
}

template <class Stream>
class StreamWriter : public ChunkedWriter {
 public:
  StreamWriter(Stream& s, int fd, unsigned version) : stream_(s), fd_(fd), version_(version) {}
  bool peer_closed() const override {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) != 0;
  }
  bool begin(int status, const std::string& content_type) override {
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "redraft-devserver");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache, private");
    res.chunked(true);
    res.keep_alive(false);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(stream_, sr, ec);
    started_ = !ec;
    return started_;
  }
  bool chunk(std::string_view data) override {
    if (!started_ || data.empty()) return started_;
    beast::error_code ec;
    asio::write(stream_, http::make_chunk(asio::buffer(data.data(), data.size())), ec);
    if (ec) started_ = false;
    return !ec;
  }
  void finish() {
    if (!started_) return;
    beast::error_code ec;
    asio::write(stream_, http::make_chunk_last(), ec);
  }
  bool started() const { return started_; }

 private:
  Stream& stream_;
  int fd_;
  unsigned version_;
  bool started_ = false;
};

}  // namespace

struct HttpServer::Impl {
  RequestHandler& handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<asio::ssl::context> ssl;
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable drained;
  std::set<int> open_fds;

  explicit Impl(RequestHandler& h) : handler(h) {}

  template <class Stream>
  void serve(Stream& stream, int fd) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u * 1024 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      StreamWriter<Stream> writer(stream, fd, req.version());
      std::optional<HttpResponse> resp;
      try {
        resp = handler.handle(convert(req), writer);
      } catch (const std::exception& e) {
        spdlog::error("unhandled error serving {} {}: {}", std::string(req.method_string()),
                      std::string(req.target()), e.what());
        if (!writer.started())
          resp = HttpResponse{500, "application/json",
                              R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"InternalError","code":500,"message":"internal error"})",
                              {}};
      }
      if (!resp) {
        writer.finish();
        return;  // streamed responses end the connection
      }
      http::response<http::string_body> res{static_cast<http::status>(resp->status), req.version()};
      res.set(http::field::server, "redraft-devserver");
      res.set(http::field::content_type, resp->content_type);
      for (const auto& [k, v] : resp->headers) res.set(k, v);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(resp->body);
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }

  // Removes the fd from open_fds while the socket is still open (declared after the socket,
  // so destroyed before it): a reused fd number can never be forgotten by mistake.
  struct FdRegistration {
    Impl& impl;
    int fd;
    FdRegistration(Impl& i, int f) : impl(i), fd(f) {
      std::lock_guard lock(impl.mu);
      impl.open_fds.insert(fd);
    }
    ~FdRegistration() {
      std::lock_guard lock(impl.mu);
      impl.open_fds.erase(fd);
      impl.drained.notify_all();
    }
    FdRegistration(const FdRegistration&) = delete;
    FdRegistration& operator=(const FdRegistration&) = delete;
  };

  void connection(tcp::socket socket) {
    const int fd = socket.native_handle();
    try {
      if (ssl) {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *ssl);
        FdRegistration registered(*this, fd);
        beast::error_code ec;
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (!ec) {
          serve(stream, fd);
          stream.shutdown(ec);
        }
      } else {
        FdRegistration registered(*this, fd);
        serve(socket, fd);
        beast::error_code ec;
        socket.shutdown(tcp::socket::shutdown_both, ec);
      }
    } catch (const std::exception& e) {
      spdlog::debug("connection ended: {}", e.what());
    }
  }
};

HttpServer::HttpServer(RequestHandler& handler, unsigned short port, const TlsMaterial* tls)
    : impl_(std::make_shared<Impl>(handler)) {
  if (tls) {
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    impl_->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    impl_->ssl->use_certificate_chain(asio::buffer(tls->cert_pem));
    impl_->ssl->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  beast::error_code ec;
  impl_->acceptor.bind(ep, ec);
  if (ec) throw std::runtime_error("cannot bind 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() { stop(); }

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::start() {
  auto impl = impl_;
  impl->accept_thread = std::thread([impl] {
    while (!impl->stopping) {
      tcp::socket socket(impl->ioc);
      beast::error_code ec;
      impl->acceptor.accept(socket, ec);
      if (ec) {
        if (impl->stopping) return;
        continue;
      }
      // Connection threads hold the Impl alive; stop() waits for them to drain.
      std::thread([impl, s = std::move(socket)]() mutable { impl->connection(std::move(s)); })
          .detach();
    }
  });
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  // shutdown() wakes a thread blocked in accept()/read() on Linux; close() alone would not.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  std::unique_lock lock(impl_->mu);
  for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
  impl_->drained.wait_for(lock, std::chrono::seconds(5), [&] { return impl_->open_fds.empty(); });
}

}  // namespace redraft::devserver
