#pragma once
/// The TLS context of the reference peers: one protocol floor for both.

#include <boost/asio/ssl/context.hpp>

namespace wsconform::beast_peers {

/// A context for `method` (tls_server, tls_client) that speaks TLS 1.2 or later (SSLv2, SSLv3,
/// TLS 1.0 and 1.1 refused), with OpenSSL's workarounds for peers' bugs.
inline boost::asio::ssl::context make_tls_context(boost::asio::ssl::context::method method) {
    boost::asio::ssl::context ctx(method);
    ctx.set_options(boost::asio::ssl::context::default_workarounds |
                    boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                    boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
    return ctx;
}

} // namespace wsconform::beast_peers
