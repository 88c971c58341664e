#include "tls_cert.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <stdexcept>

namespace redraft::devserver {

namespace {

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

using Key = Owned<EVP_PKEY, EVP_PKEY_free>;
using Cert = Owned<X509, X509_free>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("generating the TLS certificate failed at ") + what);
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  check(bio && write(bio.get()) == 1, "PEM encoding");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// `issuer` is the signing CA's certificate, or nullptr for a self-signed one (ctx issuer = cert).
void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()),
                                   static_cast<int>(value.size()), -1, 0) == 1,
        "subject name");
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "key generation");
  return key;
}

// A v3 certificate for `key` with a random serial, the given validity and subject CN; the
// caller sets the issuer, adds extensions and signs.
Cert new_certificate(EVP_PKEY* key, const std::string& common_name, std::chrono::seconds not_before,
                     std::chrono::seconds not_after) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  Owned<BIGNUM, BN_free> bn(BN_new());
  check(bn && BN_rand(bn.get(), sizeof serial * 8 - 1, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "serial");
  check(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count())) != nullptr,
        "validity");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count())) != nullptr,
        "validity");
  add_name_entry(X509_get_subject_name(cert.get()), "CN", common_name);
  check(X509_set_pubkey(cert.get(), key) == 1, "public key");
  return cert;
}

TlsMaterial pem_pair(X509* cert, EVP_PKEY* key) {
  TlsMaterial m;
  m.cert_pem = pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
  m.key_pem = pem_of([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  ERR_clear_error();  // leave no stale entries behind for the caller's own OpenSSL checks
  return m;
}

constexpr std::chrono::seconds kHourAgo{-3600};
constexpr std::chrono::seconds kOneYear{60L * 60 * 24 * 365};

}  // namespace

TlsMaterial generate_self_signed_certificate() {
  Key key = new_key();
  Cert cert = new_certificate(key.get(), "redraft-devserver", kHourAgo, kOneYear);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_ext(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), nullptr, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign");
  add_ext(cert.get(), nullptr, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), nullptr, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
  return pem_pair(cert.get(), key.get());
}

TlsMaterial generate_client_ca(const std::string& common_name) {
  Key key = new_key();
  Cert cert = new_certificate(key.get(), common_name, kHourAgo, kOneYear);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  // A pure CA: it signs certificates and is never a TLS endpoint itself.
  add_ext(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), nullptr, NID_subject_key_identifier, "hash");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
  return pem_pair(cert.get(), key.get());
}

TlsMaterial issue_client_certificate(const TlsMaterial& ca, const ClientCertificateRequest& request) {
  if (request.user.empty()) throw std::invalid_argument("client certificate: user (CN) must not be empty");
  Owned<BIO, BIO_free_all> cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  Owned<BIO, BIO_free_all> key_bio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  check(cert_bio && key_bio, "reading the CA");
  Cert ca_cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Key ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca_cert || !ca_key || X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("client certificate: the CA certificate/key is not a valid matching PEM pair");
  }

  Key key = new_key();
  Cert cert = new_certificate(key.get(), request.user, request.not_before, request.not_after);
  // Groups as O entries: that is how the apiserver's x509 authenticator reads them.
  for (const auto& group : request.groups) add_name_entry(X509_get_subject_name(cert.get()), "O", group);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1, "issuer");
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "signing");
  return pem_pair(cert.get(), key.get());
}

}  // namespace redraft::devserver
