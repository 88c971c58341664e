#include "operator/runtime/health/server.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace redraft::runtime::health {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

BindAddress parse_bind_address(std::string_view address) {
  const auto fail = [&](const char* why) {
    return std::invalid_argument("invalid bind address \"" + std::string(address) + "\": " + why);
  };
  std::string_view host;
  std::string_view port;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      throw fail("expected [ipv6]:port");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      throw fail("expected host:port or :port");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      throw fail("IPv6 addresses must be written in brackets, e.g. [::1]:8081");
    }
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    throw fail("port must be a number from 0 to 65535");
  }
  return BindAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

struct Server::Impl {
  ServerOptions options;
  CheckSet healthz;
  CheckSet readyz;
  std::thread thread;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
  // Declared last: destroyed first, which destroys any suspended session coroutines while the
  // check sets they point to are still alive.
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    const Endpoints endpoints{&healthz, &readyz, options.registry};
    for (;;) {
      // A probe is tiny: a slow or idle client must not hold a connection forever.
      stream.expires_after(std::chrono::seconds(30));
      http::request_parser<http::empty_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      auto [read_ec, read_bytes] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)read_bytes;
      if (read_ec) {
        if (read_ec != http::error::end_of_stream && read_ec != asio::error::operation_aborted) {
          // Answer garbage with 400 rather than silently dropping it; ignore write failures.
          http::response<http::string_body> bad{http::status::bad_request, 11};
          bad.set(http::field::content_type, "text/plain; charset=utf-8");
          bad.body() = "bad request\n";
          bad.keep_alive(false);
          bad.prepare_payload();
          co_await http::async_write(stream, bad, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      const auto& request = parser.get();
      const Reply reply = respond(request.method_string(), request.target(), endpoints);
      http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                                 request.version()};
      response.set(http::field::content_type, reply.content_type);
      if (reply.status == 405) {
        response.set(http::field::allow, "GET, HEAD");
      }
      response.keep_alive(request.keep_alive());
      response.body() = reply.body;
      response.prepare_payload();
      if (request.method() == http::verb::head) {
        response.body().clear();  // Content-Length still announces the GET body's size
      }
      auto [write_ec, written] =
          co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (write_ec || !response.keep_alive()) {
        break;
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
        co_return;
      }
      if (ec) {
        spdlog::warn("health server: accept failed: {}", ec.message());
        continue;
      }
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }
};

namespace {
tcp::acceptor open_acceptor(asio::io_context& io, const tcp::endpoint& endpoint, bool dual_stack) {
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (dual_stack) {
    acceptor.set_option(asio::ip::v6_only(false));
  }
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor;
}
}  // namespace

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  (void)parse_bind_address(options.bind_address);  // fail early, naming the value
  impl_->options = std::move(options);
}

Server::~Server() { stop(); }

void Server::add_healthz_check(const std::string& name, Check check) {
  impl_->healthz.add(name, std::move(check));
}

void Server::add_readyz_check(const std::string& name, Check check) {
  impl_->readyz.add(name, std::move(check));
}

void Server::start() {
  if (impl_->started || impl_->stopped) {
    throw std::logic_error("health server can only be started once");
  }
  const auto bind = parse_bind_address(impl_->options.bind_address);
  try {
    if (bind.host.empty()) {
      // ":port" means every interface: dual-stack IPv6 when the host has IPv6, else IPv4.
      try {
        impl_->acceptor.emplace(open_acceptor(impl_->io, tcp::endpoint(tcp::v6(), bind.port), true));
      } catch (const boost::system::system_error&) {
        impl_->acceptor.emplace(open_acceptor(impl_->io, tcp::endpoint(tcp::v4(), bind.port), false));
      }
    } else {
      // Names like "localhost" resolve too; the first address is used.
      tcp::resolver resolver(impl_->io);
      const tcp::endpoint endpoint = *resolver.resolve(bind.host, std::to_string(bind.port)).begin();
      impl_->acceptor.emplace(open_acceptor(impl_->io, endpoint, false));
    }
    impl_->port = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    impl_->acceptor.reset();
    throw std::runtime_error("health server cannot listen on " + impl_->options.bind_address +
                             ": " + e.code().message());
  }
  impl_->started = true;
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  spdlog::info("health server listening on {} (port {})", impl_->options.bind_address, impl_->port);
}

std::uint16_t Server::port() const { return impl_->port; }

void Server::stop() {
  if (!impl_ || !impl_->started) {
    return;
  }
  impl_->started = false;
  impl_->stopped = true;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor->close(ignored);
    impl->io.stop();  // abandons open sessions; their frames are destroyed with io
  });
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

}  // namespace redraft::runtime::health
