#include "harness/codec/opcode.hpp"

namespace wsconform::codec {

std::string_view to_string(opcode op) {
    switch (op) {
    case opcode::continuation:
        return "continuation";
    case opcode::text:
        return "text";
    case opcode::binary:
        return "binary";
    case opcode::close:
        return "close";
    case opcode::ping:
        return "ping";
    case opcode::pong:
        return "pong";
    case opcode::rsv3:
        return "reserved-0x3";
    case opcode::rsv4:
        return "reserved-0x4";
    case opcode::rsv5:
        return "reserved-0x5";
    case opcode::rsv6:
        return "reserved-0x6";
    case opcode::rsv7:
        return "reserved-0x7";
    case opcode::crsvb:
        return "reserved-0xb";
    case opcode::crsvc:
        return "reserved-0xc";
    case opcode::crsvd:
        return "reserved-0xd";
    case opcode::crsve:
        return "reserved-0xe";
    case opcode::crsvf:
        return "reserved-0xf";
    }
    return "?";
}

} // namespace wsconform::codec
