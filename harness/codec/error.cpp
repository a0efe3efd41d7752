#include "harness/codec/error.hpp"

#include "harness/codec/rules.hpp"

#include <string>

namespace wsconform::codec {

namespace {
// Names and messages are the rules table's (rules.cpp): one list of the errors.
class category : public std::error_category {
  public:
    const char* name() const noexcept override { return "websocket.protocol"; }
    std::string message(int ev) const override {
        return std::string(rule_for(static_cast<protocol_error>(ev)).message);
    }
};
} // namespace

const std::error_category& protocol_category() {
    static const category instance;
    return instance;
}

std::string_view to_string(protocol_error e) {
    return rule_for(e).name;
}

} // namespace wsconform::codec
