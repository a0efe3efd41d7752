#pragma once
/// The loads a peer must bear on either side of the connection (RFC 6455 §10.4): the server
/// cases of limits.cpp (L.7, L.8, L.11, L.12) and the client cases of client_limits.cpp (B.1.3,
/// B.1.4, B.1.6, B.1.7) send the same frames and expect the same; each file words the case for
/// its peer. Everything here only fills in case values.

#include "cases/builders.hpp"

#include <string_view>
#include <vector>

namespace wsconform::cases {

/// The close codes of a clean refusal of a load: 1008, 1009, 1011, 1013.
const std::vector<codec::close_code>& load_refusals();

/// 10,000 pings back to back in one write: pongs in order ending with the last ping's (§5.5.3:
/// only the most recent may be answered), or a clean refusal; answering after 5 s is a stall.
void add_ping_flood(case_def& c);

/// One text message of 100,000 bytes as one-byte fragments in one write: echoed, or a clean
/// refusal, within `limit` seconds.
void add_fragment_flood(case_def& c, double limit);

/// 1 GiB of zeros in DEFLATE (about 1 MiB): the payload of the decompression bombs.
const bytes& deflate_bomb();

/// A decompression bomb sent as `frames` over permessage-deflate: the `peer` ("server",
/// "client") stops inflating at its limit and closes with 1009 (OK); echoing it or neither
/// within 10 s is NON-STRICT (a limit is a SHOULD).
void add_decompression_bomb(case_def& c, std::string_view peer, std::vector<frame> frames);

} // namespace wsconform::cases
