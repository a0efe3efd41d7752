#include "server/tls_identity.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace wsconform::server {
namespace {

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct ext_free {
    void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};

[[noreturn]] void fail(const char* what) {
    std::string msg = std::string("TLS identity: ") + what;
    if (unsigned long err = ERR_get_error(); err != 0) {
        char buf[256];
        ERR_error_string_n(err, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    throw std::runtime_error(msg);
}

void check(int ok, const char* what) {
    if (ok != 1)
        fail(what);
}

} // namespace

void install_self_signed_identity(boost::asio::ssl::context& ctx) {
    std::unique_ptr<EVP_PKEY, pkey_free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key)
        fail("EC P-256 key generation failed");

    std::unique_ptr<X509, x509_free> cert(X509_new());
    if (!cert)
        fail("X509_new failed");
    check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

    // Random positive 63-bit serial number.
    std::uint64_t serial = 0;
    check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial), "RAND_bytes");
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1U),
          "ASN1_INTEGER_set_uint64");

    // Valid from one hour ago (clock skew) for 30 days.
    if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600L) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) == nullptr)
        fail("X509_gmtime_adj");

    check(X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    static constexpr unsigned char cn[] = "localhost";
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(cert.get(), name), "X509_set_issuer_name"); // self-signed

    X509V3_CTX v3{};
    X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
    const auto add_ext = [&](int nid, const char* value) {
        std::unique_ptr<X509_EXTENSION, ext_free> ext(
            X509V3_EXT_conf_nid(nullptr, &v3, nid, value));
        if (!ext)
            fail("X509V3_EXT_conf_nid");
        check(X509_add_ext(cert.get(), ext.get(), -1), "X509_add_ext");
    };
    add_ext(NID_basic_constraints, "critical,CA:FALSE");
    add_ext(NID_key_usage, "critical,digitalSignature");
    add_ext(NID_ext_key_usage, "serverAuth");
    add_ext(NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");

    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        fail("X509_sign");

    SSL_CTX* native = ctx.native_handle();
    check(SSL_CTX_use_certificate(native, cert.get()), "SSL_CTX_use_certificate");
    check(SSL_CTX_use_PrivateKey(native, key.get()), "SSL_CTX_use_PrivateKey");
    check(SSL_CTX_check_private_key(native), "SSL_CTX_check_private_key");
}

} // namespace wsconform::server
