#include "operator/runtime/client/transport.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/errors.hpp"

namespace redraft::runtime {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

// Non-watch answers above this size are refused rather than exhausting memory.
constexpr std::uint64_t kMaxBodyBytes = 512ull * 1024 * 1024;
constexpr std::size_t kMaxIdleConnections = 8;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Runs one asynchronous operation to completion on the connection's private io_context. Timeouts
// are enforced by beast::tcp_stream's expiry, so run() always returns.
template <class Start>
error_code run_op(asio::io_context& ioc, Start&& start) {
  error_code result;
  std::forward<Start>(start)([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

std::string describe(const error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  if (ec.category() == asio::error::get_ssl_category()) {
    // OpenSSL's reason string ("certificate verify failed") is what users need to see.
    std::string reason = ec.message();
    return "TLS: " + reason;
  }
  return ec.message();
}

std::shared_ptr<ssl::context> make_tls_context(const TlsSettings& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ec;
  if (tls.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (tls.ca_pem.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) throw ConfigError("certificate-authority: cannot load the system trust store");
    } else {
      ctx->add_certificate_authority(asio::buffer(tls.ca_pem), ec);
      if (ec) throw ConfigError("certificate-authority: not a valid PEM certificate");
    }
  }
  if (!tls.client_cert_pem.empty() || !tls.client_key_pem.empty()) {
    if (tls.client_cert_pem.empty() || tls.client_key_pem.empty()) {
      throw ConfigError("client-certificate/client-key: both are needed");
    }
    ctx->use_certificate_chain(asio::buffer(tls.client_cert_pem), ec);
    if (ec) throw ConfigError("client-certificate: not a valid PEM certificate");
    ctx->use_private_key(asio::buffer(tls.client_key_pem), ssl::context::pem, ec);
    if (ec) {
      // OpenSSL refuses a key that does not belong to the certificate with the same error as
      // an unreadable one; tell them apart for the message.
      ERR_clear_error();
      BIO* bio = BIO_new_mem_buf(tls.client_key_pem.data(), static_cast<int>(tls.client_key_pem.size()));
      EVP_PKEY* key = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
      const bool readable = key != nullptr;
      EVP_PKEY_free(key);
      BIO_free(bio);
      ERR_clear_error();
      throw ConfigError(readable ? "client-key: does not match client-certificate"
                                 : "client-key: not a valid PEM private key");
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      ERR_clear_error();
      throw ConfigError("client-key: does not match client-certificate");
    }
  }
  return ctx;
}

// One HTTP/1.1 connection with its own io_context, so concurrent requests on different
// connections never share an event loop (the client is synchronous and thread-safe).
class Connection {
 public:
  Connection(const Endpoint& endpoint, const TlsSettings& tls, std::shared_ptr<ssl::context> ctx)
      : endpoint_(endpoint), ctx_(std::move(ctx)) {
    if (endpoint.tls) {
      tls_.emplace(ioc_, *ctx_);
      server_name_ = tls.server_name.empty() ? endpoint.host : tls.server_name;
      insecure_ = tls.insecure_skip_verify;
    } else {
      plain_.emplace(ioc_);
    }
  }
  ~Connection() { close(); }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <class F>
  auto with_stream(F&& f) {
    if (tls_) return f(*tls_);
    return f(*plain_);
  }

  // Returns an empty string on success, else the failure ("connect: Connection refused").
  std::string connect(std::chrono::milliseconds timeout) {
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type results;
    error_code ec = run_op(ioc_, [&](auto handler) {
      resolver.async_resolve(endpoint_.host, endpoint_.port,
                             [&results, handler](error_code e, tcp::resolver::results_type r) {
                               results = std::move(r);
                               handler(e);
                             });
    });
    if (ec) return "resolve " + endpoint_.host + ": " + describe(ec);
    lowest().expires_after(timeout);
    ec = run_op(ioc_, [&](auto handler) { lowest().async_connect(results, handler); });
    if (ec) return "connect: " + describe(ec);
    if (tls_) {
      SSL* native = tls_->native_handle();
      if (!is_ip_literal(server_name_)) {
        // SNI must not carry IP literals (RFC 6066).
        SSL_set_tlsext_host_name(native, server_name_.c_str());
      }
      if (!insecure_) tls_->set_verify_callback(ssl::host_name_verification(server_name_));
      lowest().expires_after(timeout);
      ec = run_op(ioc_, [&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); });
      if (ec) return "TLS handshake: " + describe(ec);
    }
    lowest().expires_never();
    return {};
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
    // Let aborted handlers run so nothing refers to this object afterwards.
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context& ioc() { return ioc_; }
  beast::flat_buffer& buffer() { return buffer_; }
  bool reused = false;

 private:
  Endpoint endpoint_;
  std::shared_ptr<ssl::context> ctx_;  // must outlive the ssl stream
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::string server_name_;
  bool insecure_ = false;
  bool closed_ = false;
};

http::request<http::string_body> to_beast(const Endpoint& endpoint, const HttpRequest& request) {
  http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    throw std::invalid_argument("method: unsupported \"" + request.method + "\"");
  }
  http::request<http::string_body> req{verb, endpoint.base_path + request.target, 11};
  req.set(http::field::host, endpoint.authority);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::patch) {
    req.body() = request.body;
    req.prepare_payload();
  }
  req.keep_alive(true);
  return req;
}

std::map<std::string, std::string> header_map(const http::fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& field : fields) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out[name] = std::string(field.value());
  }
  return out;
}

// Errors meaning "the server had closed this pooled connection before we used it".
bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated;
}

class StreamImpl final : public HttpTransport::Stream {
 public:
  StreamImpl(std::unique_ptr<Connection> conn, std::string what)
      : conn_(std::move(conn)), what_(std::move(what)) {
    parser_.body_limit(boost::none);  // a watch body never ends on its own
  }
  ~StreamImpl() override { conn_->close(); }

  std::string send(const HttpRequest& request, const Endpoint& endpoint,
                   std::chrono::milliseconds header_timeout) {
    auto req = to_beast(endpoint, request);
    conn_->lowest().expires_after(header_timeout);
    error_code ec = conn_->with_stream(
        [&](auto& s) { return run_op(conn_->ioc(), [&](auto h) { http::async_write(s, req, h); }); });
    if (ec) return "write: " + describe(ec);
    ec = conn_->with_stream([&](auto& s) {
      return run_op(conn_->ioc(),
                    [&](auto h) { http::async_read_header(s, conn_->buffer(), parser_, h); });
    });
    if (ec) return "read header: " + describe(ec);
    conn_->lowest().expires_never();
    return {};
  }

  int status() const override { return static_cast<int>(parser_.get().result_int()); }

  Read read_some(std::string& out, std::chrono::milliseconds wait) override {
    if (take_body(out)) return Read::Data;
    if (parser_.is_done()) return Read::End;
    if (!pending_) {
      pending_ = true;
      done_ = false;
      conn_->with_stream([&](auto& s) {
        http::async_read_some(s, conn_->buffer(), parser_, [this](error_code ec, std::size_t) {
          result_ = ec;
          done_ = true;
        });
      });
    }
    conn_->ioc().restart();
    conn_->ioc().run_for(wait);
    if (!done_) return take_body(out) ? Read::Data : Read::Waiting;
    pending_ = false;
    if (result_ && result_ != http::error::end_of_stream) {
      throw TransportError(what_ + ": stream cut: " + describe(result_));
    }
    if (result_ == http::error::end_of_stream && !parser_.is_done()) {
      throw TransportError(what_ + ": stream cut: connection closed mid-body");
    }
    if (take_body(out)) return Read::Data;
    return parser_.is_done() ? Read::End : Read::Waiting;
  }

  std::string read_all(std::chrono::milliseconds timeout) override {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (read_some(out, std::max(left, std::chrono::milliseconds(1))) == Read::End) return out;
      if (out.size() > (1u << 20)) return out;  // enough to explain an error
    }
    return out;
  }

 private:
  bool take_body(std::string& out) {
    std::string& body = parser_.get().body();
    if (body.empty()) return false;
    // Beast's string body appends at the end, so draining the front between reads is safe.
    out.append(body);
    body.clear();
    return true;
  }

  std::unique_ptr<Connection> conn_;
  std::string what_;
  http::response_parser<http::string_body> parser_;
  bool pending_ = false;
  bool done_ = false;
  error_code result_;
};

}  // namespace

std::string shown_server_url(std::string_view server) {
  // An unparseable URL has no reliable structure (a password may hold spaces or '/'), so
  // everything between the scheme and the LAST '@' counts as userinfo, not just what
  // redact_url_credentials() would recognise in prose.
  const std::size_t at = server.rfind('@');
  if (at == std::string_view::npos) return std::string(server);
  const std::size_t sep = server.find("://");
  const std::size_t keep = sep != std::string_view::npos && sep < at ? sep + 3 : 0;
  return std::string(server.substr(0, keep)) + "***" + std::string(server.substr(at));
}

Endpoint parse_server_url(std::string_view server) {
  if (server.empty()) throw ConfigError("server: must not be empty");
  auto parsed = boost::urls::parse_absolute_uri(server);
  // Without "//" there is no host, and what looks like a scheme may be a user name
  // ("user:secret@host" parses as scheme "user"), so it is not quoted as a scheme.
  if (!parsed || !parsed->has_authority()) {
    throw ConfigError("server: not an absolute URL: \"" + shown_server_url(server) + "\"");
  }
  const auto& url = *parsed;
  Endpoint endpoint;
  std::string scheme(url.scheme());
  if (scheme == "https") {
    endpoint.tls = true;
  } else if (scheme == "http") {
    endpoint.tls = false;
  } else {
    throw ConfigError("server: unsupported scheme \"" + scheme + "\" (http or https)");
  }
  if (url.has_userinfo()) throw ConfigError("server: must not contain user information");
  endpoint.host = std::string(url.host_address());
  if (endpoint.host.empty()) throw ConfigError("server: has no host");
  endpoint.port = url.has_port() ? std::string(url.port()) : (endpoint.tls ? "443" : "80");
  endpoint.authority = std::string(url.encoded_host_and_port());
  std::string path(url.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  endpoint.base_path = path;
  if (url.has_query() || url.has_fragment()) {
    throw ConfigError("server: must not have a query or fragment");
  }
  return endpoint;
}

struct HttpTransport::Impl {
  Endpoint endpoint;
  TlsSettings tls;
  std::chrono::milliseconds connect_timeout;
  std::mutex mutex;
  std::shared_ptr<ssl::context> ctx;                 // guarded by mutex
  std::vector<std::unique_ptr<Connection>> idle;     // guarded by mutex
  std::uint64_t generation = 0;                      // bumps when TLS settings change

  std::unique_ptr<Connection> fresh(const std::string& what) {
    std::shared_ptr<ssl::context> context;
    TlsSettings settings;
    {
      // set_client_certificate() may swap both at any time (exec plugin rotation).
      std::lock_guard lock(mutex);
      context = ctx;
      settings = tls;
    }
    auto conn = std::make_unique<Connection>(endpoint, settings, context);
    std::string failure = conn->connect(connect_timeout);
    if (!failure.empty()) throw TransportError(what + ": " + failure);
    return conn;
  }

  std::unique_ptr<Connection> take_idle() {
    std::lock_guard lock(mutex);
    if (idle.empty()) return nullptr;
    auto conn = std::move(idle.back());
    idle.pop_back();
    conn->reused = true;
    return conn;
  }

  void give_back(std::unique_ptr<Connection> conn, std::uint64_t gen) {
    std::lock_guard lock(mutex);
    if (gen == generation && idle.size() < kMaxIdleConnections) idle.push_back(std::move(conn));
  }
};

HttpTransport::HttpTransport(Endpoint endpoint, TlsSettings tls,
                             std::chrono::milliseconds connect_timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->tls = std::move(tls);
  impl_->connect_timeout = connect_timeout;
  if (impl_->endpoint.tls) impl_->ctx = make_tls_context(impl_->tls);
}

HttpTransport::~HttpTransport() = default;

const Endpoint& HttpTransport::endpoint() const { return impl_->endpoint; }

void HttpTransport::set_client_certificate(const std::string& cert_pem,
                                           const std::string& key_pem) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->tls.client_cert_pem == cert_pem && impl_->tls.client_key_pem == key_pem) return;
  TlsSettings next = impl_->tls;
  next.client_cert_pem = cert_pem;
  next.client_key_pem = key_pem;
  auto ctx = impl_->endpoint.tls ? make_tls_context(next) : nullptr;
  impl_->tls = std::move(next);
  impl_->ctx = std::move(ctx);
  impl_->idle.clear();
  ++impl_->generation;
}

HttpResponse HttpTransport::round_trip(const HttpRequest& request,
                                       std::chrono::milliseconds timeout) {
  const std::string what = request.method + " " + impl_->endpoint.base_path +
                           request.target.substr(0, request.target.find('?'));
  auto req = to_beast(impl_->endpoint, request);
  for (int attempt = 0;; ++attempt) {
    std::uint64_t gen;
    {
      std::lock_guard lock(impl_->mutex);
      gen = impl_->generation;
    }
    std::unique_ptr<Connection> conn = attempt == 0 ? impl_->take_idle() : nullptr;
    if (!conn) conn = impl_->fresh(what);

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    conn->lowest().expires_after(timeout);
    error_code ec = conn->with_stream(
        [&](auto& s) { return run_op(conn->ioc(), [&](auto h) { http::async_write(s, req, h); }); });
    std::string stage = "write";
    if (!ec) {
      stage = "read";
      ec = conn->with_stream([&](auto& s) {
        return run_op(conn->ioc(), [&](auto h) { http::async_read(s, conn->buffer(), parser, h); });
      });
    }
    if (ec) {
      bool nothing_received = !parser.got_some();
      if (conn->reused && nothing_received && is_stale_connection_error(ec)) continue;
      throw TransportError(what + ": " + stage + ": " + describe(ec));
    }
    conn->lowest().expires_never();
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.headers = header_map(res.base());
    out.body = std::move(res.body());
    if (res.keep_alive()) {
      conn->reused = false;
      impl_->give_back(std::move(conn), gen);
    }
    return out;
  }
}

std::unique_ptr<HttpTransport::Stream> HttpTransport::open_stream(
    const HttpRequest& request, std::chrono::milliseconds header_timeout) {
  const std::string what = request.method + " " + impl_->endpoint.base_path +
                           request.target.substr(0, request.target.find('?'));
  auto stream = std::make_unique<StreamImpl>(impl_->fresh(what), what);
  std::string failure = stream->send(request, impl_->endpoint, header_timeout);
  if (!failure.empty()) throw TransportError(what + ": " + failure);
  return stream;
}

}  // namespace redraft::runtime
