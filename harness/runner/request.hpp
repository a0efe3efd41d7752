#pragma once
/// The opening handshake's request (RFC 6455 §4.1) as a case plans it: the one request
/// builder of the project's client side (the cases' connections and the live fuzzer's).

#include "harness/codec/handshake.hpp"
#include "harness/net/url.hpp"
#include "harness/runner/case.hpp"

#include <span>
#include <string_view>

namespace wsconform::runner {

/// A credential header (Cookie, Authorization): cases that test without them leave them out.
bool is_credential(std::string_view header);

/// The conforming request (§4.1) with the plan's changes applied; `extra` (the run's --header
/// values) is set first so a plan can still override it. `{host}`, `{port}`, `{key}`,
/// `{origin...}` in the plan's values are filled from `url`, `key` and `allowed_origin`.
codec::upgrade_request build_request(const request_plan& plan, const net::target_url& url,
                                     std::string_view key,
                                     std::span<const codec::header_field> extra = {},
                                     std::string_view allowed_origin = {});

/// What the request offers, for judging the response (§4.1).
codec::upgrade_offer offer_of(const codec::upgrade_request& request);

} // namespace wsconform::runner
