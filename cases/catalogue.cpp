#include "cases/catalogue.hpp"

namespace wsconform::cases {

const std::vector<runner::case_def>& all_cases() {
    static const std::vector<runner::case_def> cases = [] {
        std::vector<runner::case_def> out;
        add_framing_cases(out);
        add_ping_pong_cases(out);
        add_reserved_bits_cases(out);
        add_opcode_cases(out);
        add_fragmentation_cases(out);
        add_utf8_cases(out);
        add_close_cases(out);
        add_limits_performance_cases(out);
        add_auto_fragmentation_cases(out);
        add_compression_cases(out);
        add_utf8_beyond_autobahn_cases(out);
        add_handshake_cases(out);
        add_masking_cases(out);
        add_limit_cases(out);
        add_security_cases(out);
        add_http2_cases(out);
        add_client_handshake_cases(out);
        add_client_masking_cases(out);
        add_client_request_cases(out);
        add_client_limit_cases(out);
        add_client_closing_cases(out);
        add_client_tls_cases(out);
        add_client_across_run_cases(out); // last: they compare every connection before them
        return out;
    }();
    return cases;
}

} // namespace wsconform::cases
