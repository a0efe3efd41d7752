#include "harness/clients/test_ca.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <vector>

namespace wsconform::clients {

namespace {

template <auto Free>
struct freer {
    template <typename T>
    void operator()(T* p) const {
        Free(p);
    }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, freer<BIO_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, freer<BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, freer<X509_EXTENSION_free>>;

/// OpenSSL's reason for the last failure, for `error`.
std::string openssl_reason(const std::string& what) {
    char buf[256] = {};
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    return what + ": " + buf;
}

struct issued {
    pkey_ptr key;
    x509_ptr cert;
};

constexpr long day = 24 * 3600;

struct cert_spec {
    std::string common_name;
    std::string subject_alt_names; ///< empty: a CA
    long not_before = -day;        ///< seconds from now
    long not_after = 30 * day;
};

/// A fresh P-256 key and a certificate for it, signed by `issuer` (self-signed without one).
std::optional<issued> make_cert(const cert_spec& spec, const issued* issuer, std::string& error) {
    issued out{pkey_ptr(EVP_EC_gen("P-256")), x509_ptr(X509_new())};
    if (!out.key || !out.cert) {
        error = openssl_reason("cannot make a key");
        return std::nullopt;
    }
    X509* x = out.cert.get();
    // A random 64-bit serial: RFC 5280 4.1.2.2 wants it unique per CA, and clients cache.
    bn_ptr serial(BN_new());
    bool ok = serial && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
              BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)) != nullptr &&
              X509_set_version(x, X509_VERSION_3) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(x), spec.not_before) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(x), spec.not_after) != nullptr &&
              X509_set_pubkey(x, out.key.get()) == 1;
    X509_NAME* name = X509_get_subject_name(x);
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>("wsconform test"), -1,
                                    -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(
             name, "CN", MBSTRING_ASC,
             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0) == 1;
    X509* signer = issuer ? issuer->cert.get() : x;
    ok = ok && X509_set_issuer_name(x, X509_get_subject_name(signer)) == 1;
    if (!ok) {
        error = openssl_reason("cannot make the certificate " + spec.common_name);
        return std::nullopt;
    }
    const bool ca = spec.subject_alt_names.empty();
    std::vector<std::pair<int, std::string>> exts;
    if (ca) {
        exts = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                {NID_key_usage, "critical,keyCertSign,cRLSign"},
                {NID_subject_key_identifier, "hash"}};
    } else {
        // What RFC 5280 and strict verifiers (Python 3.13's VERIFY_X509_STRICT) expect of a
        // server's certificate: not a CA, for TLS servers, its key's issuer named.
        exts = {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, "serverAuth"},
                {NID_subject_key_identifier, "hash"},
                {NID_authority_key_identifier, "keyid:always"},
                {NID_subject_alt_name, spec.subject_alt_names}};
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, signer, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] : exts) {
        ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
        if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
            error = openssl_reason("cannot add " + std::string(OBJ_nid2sn(nid)) + " to " +
                                   spec.common_name);
            return std::nullopt;
        }
    }
    EVP_PKEY* signing_key = issuer ? issuer->key.get() : out.key.get();
    if (X509_sign(x, signing_key, EVP_sha256()) == 0) {
        error = openssl_reason("cannot sign " + spec.common_name);
        return std::nullopt;
    }
    return out;
}

std::string pem_of(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return {};
    char* data = nullptr;
    auto n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char* data = nullptr;
    auto n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

/// The leaf's chain: the leaf, then its CA when `with_ca` (an untrusted server sends the CA it
/// has, which the client must still not trust: it is no anchor of its own).
tls_identity identity(const issued& leaf, const issued* ca) {
    tls_identity id{pem_of(leaf.cert.get()), pem_of(leaf.key.get())};
    if (ca)
        id.chain_pem += pem_of(ca->cert.get());
    return id;
}

bool write_atomically(const std::filesystem::path& path, const std::string& text,
                      std::string& error) {
    auto partial = path;
    partial += ".partial";
    {
        std::ofstream file(partial, std::ios::binary | std::ios::trunc);
        file << text;
        if (!file.flush()) {
            error = "cannot write " + partial.string();
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec) {
        error = "cannot write " + path.string() + ": " + ec.message();
        return false;
    }
    return true;
}

} // namespace

std::optional<test_pki> make_test_pki(std::string& error) {
    const std::string here = "DNS:localhost,IP:127.0.0.1,IP:::1";
    auto ca = make_cert({"wsconform test CA", "", -day, 30 * day}, nullptr, error);
    auto other_ca = ca ? make_cert({"wsconform untrusted CA", "", -day, 30 * day}, nullptr, error)
                       : std::nullopt;
    if (!ca || !other_ca)
        return std::nullopt;
    auto valid = make_cert({"localhost", here}, &*ca, error);
    // Expired yesterday, after a month of validity (RFC 5280 4.1.2.5).
    auto expired =
        valid ? make_cert({"localhost", here, -31 * day, -day}, &*ca, error) : std::nullopt;
    auto wrong_host = expired
                          ? make_cert({"wrong-host.invalid", "DNS:wrong-host.invalid"}, &*ca, error)
                          : std::nullopt;
    auto untrusted = wrong_host ? make_cert({"localhost", here}, &*other_ca, error) : std::nullopt;
    if (!untrusted)
        return std::nullopt;
    test_pki pki;
    pki.ca_pem = pem_of(ca->cert.get());
    pki.valid = identity(*valid, nullptr);
    pki.expired = identity(*expired, nullptr);
    pki.wrong_host = identity(*wrong_host, nullptr);
    pki.untrusted = identity(*untrusted, &*other_ca);
    for (const auto* id : {&pki.valid, &pki.expired, &pki.wrong_host, &pki.untrusted})
        if (id->chain_pem.empty() || id->key_pem.empty()) {
            error = openssl_reason("cannot write a certificate as PEM");
            return std::nullopt;
        }
    return pki;
}

std::optional<std::filesystem::path>
write_test_pki(const test_pki& pki, const std::filesystem::path& dir, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir.string() + ": " + ec.message();
        return std::nullopt;
    }
    // Only certificates: the keys stay in memory (a run's report is for sharing).
    const std::pair<const char*, const std::string*> files[] = {
        {"valid.pem", &pki.valid.chain_pem},
        {"expired.pem", &pki.expired.chain_pem},
        {"wrong-host.pem", &pki.wrong_host.chain_pem},
        {"untrusted.pem", &pki.untrusted.chain_pem},
        {"ca.pem", &pki.ca_pem}, // last: its presence means the folder is complete
    };
    for (const auto& [name, text] : files)
        if (!write_atomically(dir / name, *text, error))
            return std::nullopt;
    return dir / "ca.pem";
}

} // namespace wsconform::clients
