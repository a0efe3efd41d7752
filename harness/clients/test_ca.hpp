#pragma once
/// The test PKI of a client run (TLS cases, wss:// for --serve-autobahn): a CA made at run time
/// (EC P-256, OpenSSL's C API, no `openssl` command), and server certificates it signs, each one
/// wrong in one way a client MUST notice, plus one signed by a second CA the client never sees.

#include <filesystem>
#include <optional>
#include <string>

namespace wsconform::clients {

/// A server's certificate chain (leaf first) and private key, PEM.
struct tls_identity {
    std::string chain_pem;
    std::string key_pem;
};

struct test_pki {
    std::string ca_pem;      ///< the CA a client under test is given ({ca})
    tls_identity valid;      ///< for DNS localhost, IP 127.0.0.1 and ::1, valid now
    tls_identity expired;    ///< as `valid`, but its notAfter is a day ago
    tls_identity wrong_host; ///< valid now, for wrong-host.invalid only
    /// Valid now for localhost, but signed by another CA (sent with the chain), never given out.
    tls_identity untrusted;
};

/// Makes a fresh CA and its certificates; nothing on `error`.
std::optional<test_pki> make_test_pki(std::string& error);

/// Writes `dir`/ca.pem (and, for people looking at a run, the servers' chains), each file
/// written next to its name and renamed, so a client never reads half a CA. Returns the path of
/// ca.pem, or nothing with `error` set.
std::optional<std::filesystem::path>
write_test_pki(const test_pki& pki, const std::filesystem::path& dir, std::string& error);

} // namespace wsconform::clients
