#pragma once
/// Every case wsconform knows, in report order. Each RFC area has its own file; this is the
/// one place that lists them.

#include "harness/runner/case.hpp"

#include <vector>

namespace wsconform::cases {

/// All cases, built once.
const std::vector<runner::case_def>& all_cases();

// One function per area, each appending its cases (Autobahn categories in brackets).
void add_framing_cases(std::vector<runner::case_def>& out);              // [1] RFC 6455 5.6
void add_ping_pong_cases(std::vector<runner::case_def>& out);            // [2] 5.5.2, 5.5.3
void add_reserved_bits_cases(std::vector<runner::case_def>& out);        // [3] 5.2
void add_opcode_cases(std::vector<runner::case_def>& out);               // [4] 5.2
void add_fragmentation_cases(std::vector<runner::case_def>& out);        // [5] 5.4
void add_utf8_cases(std::vector<runner::case_def>& out);                 // [6] 8.1
void add_close_cases(std::vector<runner::case_def>& out);                // [7] 5.5.1, 7.4
void add_limits_performance_cases(std::vector<runner::case_def>& out);   // [9] 5.2, 5.4, 10.4
void add_auto_fragmentation_cases(std::vector<runner::case_def>& out);   // [10] 5.4
void add_compression_cases(std::vector<runner::case_def>& out);          // [12], [13], [C] RFC 7692
void add_utf8_beyond_autobahn_cases(std::vector<runner::case_def>& out); // [U] 8.1
// Cases Autobahn does not have, with their own id prefixes.
void add_handshake_cases(std::vector<runner::case_def>& out);        // [H] 4.1, 4.2, 4.4, 9.1
void add_masking_cases(std::vector<runner::case_def>& out);          // [M] 5.1, 5.3
void add_limit_cases(std::vector<runner::case_def>& out);            // [L] 5.2, 10.4
void add_security_cases(std::vector<runner::case_def>& out);         // [S] 10.2
void add_http2_cases(std::vector<runner::case_def>& out);            // [H2] RFC 8441
void add_client_handshake_cases(std::vector<runner::case_def>& out); // [R] clients only
void add_client_masking_cases(std::vector<runner::case_def>& out);   // [K] clients only
void add_client_request_cases(std::vector<runner::case_def>& out);   // [Q] clients only
void add_client_limit_cases(std::vector<runner::case_def>& out);     // [B] clients only
void add_client_closing_cases(std::vector<runner::case_def>& out);   // [E] clients only
void add_client_tls_cases(std::vector<runner::case_def>& out);       // [T] clients only
/// The checks across a run's connections (Q.1.7, K.1.6): added last, as they start last.
void add_client_across_run_cases(std::vector<runner::case_def>& out);

} // namespace wsconform::cases
