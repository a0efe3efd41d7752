#pragma once
/// SSLKEYLOGFILE, the convention curl, browsers and OpenSSL-based tools share: when the
/// variable names a file, every TLS connection made with a context passed here appends its
/// secrets to it in the NSS key log format, so a packet capture of a wss:// run opens
/// decrypted in Wireshark.

#include <openssl/types.h>

namespace wsconform::net {

/// Reads SSLKEYLOGFILE now and, when it is set, has `ctx` append the secrets of each of its
/// connections to that file (opened once for appending, shared by all contexts and threads).
/// A file that cannot be opened is said once on stderr, in one line; the connections go ahead.
void log_tls_keys_if_asked(SSL_CTX* ctx);

} // namespace wsconform::net
