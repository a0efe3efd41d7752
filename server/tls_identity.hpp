#pragma once
/// In-memory, throw-away TLS identity for `wsconform-server --tls`: a fresh EC P-256 key and a
/// self-signed X.509 v3 certificate for CN=localhost (SAN DNS:localhost, IP:127.0.0.1, IP:::1).
/// Nothing is written to disk; clients are expected to turn certificate verification off.

#include <boost/asio/ssl/context.hpp>

namespace wsconform::server {

/// Generates the key and certificate and installs both into `ctx`.
/// Throws std::runtime_error (with the OpenSSL error text) on failure.
void install_self_signed_identity(boost::asio::ssl::context& ctx);

} // namespace wsconform::server
