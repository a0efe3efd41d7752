#include "harness/net/tls_key_log.hpp"

#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace wsconform::net {

namespace {

struct close_file {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

/// The one key log of the process: OpenSSL's callback carries no user data, and contexts of
/// several threads (one event loop per job) write to it.
struct key_log {
    std::mutex lock;
    std::string path;
    std::unique_ptr<std::FILE, close_file> file;
    bool warned = false;
};

key_log& the_log() {
    static key_log log;
    return log;
}

void append_line(const SSL* /*ssl*/, const char* line) {
    auto& log = the_log();
    const std::scoped_lock hold(log.lock);
    if (!log.file)
        return;
    // One write per line, so that other processes appending to the same file (a client
    // under test, say) never split it.
    std::string out(line);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), log.file.get());
    std::fflush(log.file.get());
}

} // namespace

void log_tls_keys_if_asked(SSL_CTX* ctx) {
    const char* path = std::getenv("SSLKEYLOGFILE");
    if (path == nullptr || *path == '\0')
        return;
    auto& log = the_log();
    const std::scoped_lock hold(log.lock);
    if (!log.file || log.path != path) {
        log.path = path;
        log.file.reset(std::fopen(path, "a"));
        if (!log.file) {
            if (!std::exchange(log.warned, true))
                std::fprintf(stderr,
                             "wsconform: SSLKEYLOGFILE: cannot append to %s: %s; TLS secrets "
                             "are not logged\n",
                             path, std::strerror(errno));
            return;
        }
    }
    SSL_CTX_set_keylog_callback(ctx, append_line);
}

} // namespace wsconform::net
