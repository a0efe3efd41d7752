#pragma once
/// The reference client's text handling, without I/O: the query values it writes, the case
/// count Autobahn sends, and what it prints of what a server sent. URLs and the handshake
/// response are the codec's and net's (one parser in the project).

#include <optional>
#include <string>
#include <string_view>

namespace wsconform::client {

/// Percent-encodes all but RFC 3986's unreserved characters (§2.3), for a query value.
std::string percent_encode(std::string_view text);

/// What a peer wrote, made fit for one line of our stderr: no control characters, bounded.
std::string printable(std::string_view text, std::size_t limit = 160);

/// The case count Autobahn's /getCaseCount sends, a JSON number (e.g. "517"), up to `max`.
std::optional<unsigned> parse_case_count(std::string_view text, unsigned max);

} // namespace wsconform::client
