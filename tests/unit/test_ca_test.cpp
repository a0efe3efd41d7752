// The run's test PKI: each server certificate is what its case says it is, checked with
// OpenSSL's own verifier (X509_verify_cert, X509_check_host), as a client would check it.

#include "harness/clients/test_ca.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace {

using namespace wsconform;

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;

/// Every certificate in `pem`, in order.
std::vector<x509_ptr> certs_of(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    std::vector<x509_ptr> out;
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(x);
    return out;
}

/// X509_verify_cert of `chain` (leaf first) against `ca` alone, checking `host` when given:
/// X509_V_OK or the error.
int verify(const std::string& chain, const std::string& ca, const char* host = nullptr) {
    auto leaf_and_more = certs_of(chain);
    auto anchors = certs_of(ca);
    if (leaf_and_more.empty() || anchors.size() != 1)
        return -1;
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    X509_STORE_add_cert(store.get(), anchors[0].get());
    // sk_X509_free is a macro: no address to take.
    struct stack_free {
        void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
    };
    std::unique_ptr<STACK_OF(X509), stack_free> untrusted(sk_X509_new_null());
    for (std::size_t i = 1; i < leaf_and_more.size(); ++i)
        sk_X509_push(untrusted.get(), leaf_and_more[i].get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf_and_more[0].get(), untrusted.get());
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    if (host)
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx.get()), host, 0);
    if (X509_verify_cert(ctx.get()) == 1)
        return X509_V_OK;
    return X509_STORE_CTX_get_error(ctx.get());
}

bool names_host(const std::string& chain, const std::string& host) {
    auto certs = certs_of(chain);
    return !certs.empty() &&
           X509_check_host(certs[0].get(), host.c_str(), host.size(), 0, nullptr) == 1;
}

TEST(TestCa, TheValidCertificateVerifiesForLocalhostAndTheLoopbackAddress) {
    std::string error;
    auto pki = clients::make_test_pki(error);
    ASSERT_TRUE(pki) << error;
    EXPECT_EQ(verify(pki->valid.chain_pem, pki->ca_pem, "localhost"), X509_V_OK);
    EXPECT_TRUE(names_host(pki->valid.chain_pem, "localhost"));
    auto leaf = certs_of(pki->valid.chain_pem);
    ASSERT_EQ(leaf.size(), 1u);
    EXPECT_EQ(X509_check_ip_asc(leaf[0].get(), "127.0.0.1", 0), 1);
}

TEST(TestCa, TheExpiredOneFailsAsExpired) {
    std::string error;
    auto pki = clients::make_test_pki(error);
    ASSERT_TRUE(pki) << error;
    EXPECT_EQ(verify(pki->expired.chain_pem, pki->ca_pem), X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_TRUE(names_host(pki->expired.chain_pem, "localhost")); // only its dates are wrong
}

TEST(TestCa, TheWrongHostOneChainsButNamesAnotherHost) {
    std::string error;
    auto pki = clients::make_test_pki(error);
    ASSERT_TRUE(pki) << error;
    EXPECT_EQ(verify(pki->wrong_host.chain_pem, pki->ca_pem), X509_V_OK);
    EXPECT_FALSE(names_host(pki->wrong_host.chain_pem, "localhost"));
    EXPECT_TRUE(names_host(pki->wrong_host.chain_pem, "wrong-host.invalid"));
    EXPECT_EQ(verify(pki->wrong_host.chain_pem, pki->ca_pem, "localhost"),
              X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST(TestCa, TheUntrustedOneDoesNotChainToTheTestCa) {
    std::string error;
    auto pki = clients::make_test_pki(error);
    ASSERT_TRUE(pki) << error;
    EXPECT_TRUE(names_host(pki->untrusted.chain_pem, "localhost"));
    EXPECT_EQ(certs_of(pki->untrusted.chain_pem).size(), 2u); // it sends its own CA along
    auto result = verify(pki->untrusted.chain_pem, pki->ca_pem, "localhost");
    EXPECT_TRUE(result == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        << X509_verify_cert_error_string(result);
}

TEST(TestCa, EachRunHasItsOwnCa) {
    std::string error;
    auto a = clients::make_test_pki(error);
    auto b = clients::make_test_pki(error);
    ASSERT_TRUE(a && b) << error;
    EXPECT_NE(a->ca_pem, b->ca_pem);
    EXPECT_NE(verify(a->valid.chain_pem, b->ca_pem), X509_V_OK);
}

TEST(TestCa, WritesTheCaAndTheCertificatesButNoKey) {
    std::string error;
    auto pki = clients::make_test_pki(error);
    ASSERT_TRUE(pki) << error;
    auto dir =
        std::filesystem::temp_directory_path() /
        ("wsconform-test-ca-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&*pki)));
    auto ca = clients::write_test_pki(*pki, dir / "tls", error);
    ASSERT_TRUE(ca) << error;
    EXPECT_EQ(*ca, dir / "tls" / "ca.pem");
    std::ifstream in(*ca);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), pki->ca_pem);
    for (const auto& entry : std::filesystem::directory_iterator(dir / "tls")) {
        std::ifstream f(entry.path());
        std::stringstream s;
        s << f.rdbuf();
        EXPECT_EQ(s.str().find("PRIVATE KEY"), std::string::npos) << entry.path();
        EXPECT_FALSE(entry.path().string().ends_with(".partial"));
    }
    std::filesystem::remove_all(dir);
}

} // namespace
