#include "http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;
using X509Ptr = Owned<X509, X509_free>;

std::size_t count_pem_certificates(const std::string& pem) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = pem.find("-----BEGIN CERTIFICATE-----", at)) != std::string::npos; ++at) ++n;
  return n;
}

std::string name_entry_text(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (len < 0) return "";
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// The x509 authenticator's reading of a verified certificate: CN = user, each O = a group.
ClientIdentity identity_of(const X509* cert) {
  ClientIdentity id;
  const X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
    id.user = name_entry_text(X509_NAME_get_entry(subject, i));  // the last CN wins
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) >= 0;)
    id.groups.push_back(name_entry_text(X509_NAME_get_entry(subject, i)));
  return id;
}

// Authenticated only when the peer presented a certificate AND it chained to the client CA
// (validity, clientAuth purpose and signatures included). The handshake itself never fails
// on a bad certificate (see configure_client_certificates), so this is the one decision.
ClientIdentity verified_peer(SSL* ssl) {
  const X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  return identity_of(cert);
}

// Every certificate of a PEM bundle (a --client-ca-file may hold several CAs); throws
// std::invalid_argument when there is none or one does not parse.
std::vector<X509Ptr> read_pem_bundle(const std::string& pem) {
  Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certs;
  for (std::size_t i = 0, n = bio ? count_pem_certificates(pem) : 0; i < n; ++i) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();
  if (certs.empty() || certs.size() != count_pem_certificates(pem))
    throw std::invalid_argument("client CA: not a valid PEM certificate bundle");
  return certs;
}

void configure_client_certificates(asio::ssl::context& ctx, const std::string& client_ca_pem) {
  SSL_CTX* native = ctx.native_handle();
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  for (const auto& ca : read_pem_bundle(client_ca_pem)) {
    // Trusted for verifying client certificates only: the server never verifies anything else.
    // Advertised in the CertificateRequest too, as the apiserver does: Go clients (kubectl)
    // only send a certificate that chains to one of the advertised names.
    if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(native, ca.get()) != 1)
      throw std::runtime_error("client CA: cannot install it");
  }
  // Request a certificate but accept the handshake whatever it brings (like Go's
  // tls.RequestClientCert in the apiserver): a missing or unverifiable certificate makes the
  // request anonymous, answered 401 unless a bearer token authenticates it. The verification
  // result is still recorded and read per connection by verified_peer().
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  // Verifying peers requires a session id context, or a resumed session fails the handshake.
  static constexpr unsigned char kSessionContext[] = "redraft-devserver";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
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
  bool client_certificates = false;
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
  void serve(Stream& stream, int fd, const ClientIdentity& peer) {
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
        HttpRequest request = convert(req);
        request.peer = peer;
        resp = handler.handle(request, writer);
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
          serve(stream, fd, client_certificates ? verified_peer(stream.native_handle()) : ClientIdentity{});
          stream.shutdown(ec);
        }
      } else {
        FdRegistration registered(*this, fd);
        serve(socket, fd, ClientIdentity{});
        beast::error_code ec;
        socket.shutdown(tcp::socket::shutdown_both, ec);
      }
    } catch (const std::exception& e) {
      spdlog::debug("connection ended: {}", e.what());
    }
  }
};

HttpServer::HttpServer(RequestHandler& handler, unsigned short port, const TlsMaterial* tls,
                       const std::string& client_ca_pem)
    : impl_(std::make_shared<Impl>(handler)) {
  if (!client_ca_pem.empty() && !tls)
    throw std::invalid_argument("client certificate authentication needs TLS");
  if (tls) {
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    impl_->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    impl_->ssl->use_certificate_chain(asio::buffer(tls->cert_pem));
    impl_->ssl->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    if (!client_ca_pem.empty()) {
      configure_client_certificates(*impl_->ssl, client_ca_pem);
      impl_->client_certificates = true;
    }
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
      // No Nagle (Go's net package, so kube-apiserver, does the same): a watch event written
      // right after another would otherwise wait for the client's delayed ACK, ~40 ms.
      socket.set_option(tcp::no_delay(true), ec);
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
