#include "harness/runner/verdict.hpp"

namespace wsconform::runner {

std::string_view to_string(verdict v) {
    switch (v) {
    case verdict::ok:
        return "OK";
    case verdict::non_strict:
        return "NON-STRICT";
    case verdict::informational:
        return "INFORMATIONAL";
    case verdict::unimplemented:
        return "UNIMPLEMENTED";
    case verdict::failed:
        return "FAILED";
    }
    return "FAILED";
}

std::string_view to_string(close_verdict v) {
    switch (v) {
    case close_verdict::ok:
        return "OK";
    case close_verdict::failed:
        return "FAILED";
    case close_verdict::failed_by_client:
        return "FAILED BY CLIENT";
    case close_verdict::wrong_code:
        return "WRONG CODE";
    case close_verdict::unclean:
        return "UNCLEAN";
    case close_verdict::informational:
        return "INFORMATIONAL";
    }
    return "FAILED";
}

std::optional<verdict> verdict_from_string(std::string_view s) {
    for (auto v : {verdict::ok, verdict::non_strict, verdict::informational, verdict::unimplemented,
                   verdict::failed})
        if (to_string(v) == s)
            return v;
    return std::nullopt;
}

} // namespace wsconform::runner
