#include "harness/http2/client_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace wsconform::http2 {

std::string error_name(std::uint32_t code) {
    static constexpr std::array<const char*, 14> names = {"NO_ERROR",
                                                          "PROTOCOL_ERROR",
                                                          "INTERNAL_ERROR",
                                                          "FLOW_CONTROL_ERROR",
                                                          "SETTINGS_TIMEOUT",
                                                          "STREAM_CLOSED",
                                                          "FRAME_SIZE_ERROR",
                                                          "REFUSED_STREAM",
                                                          "CANCEL",
                                                          "COMPRESSION_ERROR",
                                                          "CONNECT_ERROR",
                                                          "ENHANCE_YOUR_CALM",
                                                          "INADEQUATE_SECURITY",
                                                          "HTTP_1_1_REQUIRED"};
    if (code < names.size())
        return names[code];
    std::array<char, 16> hex{};
    std::snprintf(hex.data(), hex.size(), "0x%x", code);
    return hex.data();
}

namespace {

std::string_view as_view(const std::uint8_t* p, std::size_t n) {
    return {reinterpret_cast<const char*>(p), n};
}

} // namespace

/// nghttp2's callbacks, each turning what happened into an event of the session in user_data.
struct client_session::callbacks {
    static client_session& self(void* user_data) {
        return *static_cast<client_session*>(user_data);
    }

    static int begin_headers(nghttp2_session*, const nghttp2_frame*, void* user_data) {
        self(user_data).headers_.clear();
        return 0;
    }

    static int header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t* name,
                      std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                      std::uint8_t, void* user_data) {
        self(user_data).headers_.push_back(
            {std::string(as_view(name, namelen)), std::string(as_view(value, valuelen))});
        return 0;
    }

    static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
        auto& s = self(user_data);
        const std::int32_t stream = frame->hd.stream_id;
        const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
            s.events_.push_back({.what = event::kind::headers,
                                 .stream = stream,
                                 .end_stream = end_stream,
                                 .headers = std::move(s.headers_)});
            s.headers_.clear();
            break;
        case NGHTTP2_DATA:
            if (end_stream)
                s.events_.push_back({.what = event::kind::end_stream, .stream = stream});
            break;
        case NGHTTP2_RST_STREAM:
            s.events_.push_back({.what = event::kind::reset,
                                 .stream = stream,
                                 .code = frame->rst_stream.error_code});
            break;
        case NGHTTP2_SETTINGS:
            if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
                s.settings_received_ = true;
                s.events_.push_back({.what = event::kind::settings});
            }
            break;
        case NGHTTP2_GOAWAY:
            s.events_.push_back({.what = event::kind::goaway,
                                 .stream = frame->goaway.last_stream_id,
                                 .code = frame->goaway.error_code});
            break;
        default:
            break;
        }
        return 0;
    }

    static int invalid_frame(nghttp2_session*, const nghttp2_frame* frame, int lib_error_code,
                             void* user_data) {
        self(user_data).events_.push_back({.what = event::kind::invalid_frame,
                                           .stream = frame->hd.stream_id,
                                           .detail = nghttp2_strerror(lib_error_code)});
        return 0;
    }

    static int data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream,
                          const std::uint8_t* data, std::size_t len, void* user_data) {
        self(user_data).events_.push_back(
            {.what = event::kind::data, .stream = stream, .data = codec::bytes(data, data + len)});
        return 0;
    }

    static int frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
        auto& s = self(user_data);
        if (frame->hd.type == NGHTTP2_GOAWAY)
            s.events_.push_back({.what = event::kind::sent_goaway,
                                 .stream = frame->goaway.last_stream_id,
                                 .code = frame->goaway.error_code});
        else if (frame->hd.type == NGHTTP2_RST_STREAM)
            s.events_.push_back({.what = event::kind::sent_reset,
                                 .stream = frame->hd.stream_id,
                                 .code = frame->rst_stream.error_code});
        return 0;
    }

    static int stream_close(nghttp2_session*, std::int32_t stream, std::uint32_t code,
                            void* user_data) {
        auto& s = self(user_data);
        s.outboxes_.erase(stream);
        s.events_.push_back({.what = event::kind::closed, .stream = stream, .code = code});
        return 0;
    }

    /// Hands nghttp2 what is queued on the stream, up to `length`; waits (DEFERRED) when
    /// nothing is, and ends the stream once it is asked to and everything went out.
    static ssize_t read_data(nghttp2_session*, std::int32_t stream, std::uint8_t* buf,
                             std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                             void* user_data) {
        auto& s = self(user_data);
        auto it = s.outboxes_.find(stream);
        if (it == s.outboxes_.end()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        auto& box = it->second;
        const std::size_t n = std::min(length, box.bytes.size());
        std::copy_n(box.bytes.begin(), n, buf);
        box.bytes.erase(box.bytes.begin(), box.bytes.begin() + static_cast<std::ptrdiff_t>(n));
        if (box.bytes.empty() && box.end) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return static_cast<ssize_t>(n);
        }
        if (n == 0) {
            box.deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
        return static_cast<ssize_t>(n);
    }
};

client_session::client_session(const local_settings& settings)
    : session_(nullptr, nghttp2_session_del) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_option* opt = nullptr;
    if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0)
        throw std::bad_alloc();
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, callbacks::begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, callbacks::header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, callbacks::frame_recv);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, callbacks::invalid_frame);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, callbacks::data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, callbacks::frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, callbacks::stream_close);
    // The judge, not nghttp2, decides what is wrong with a response; the reader, not nghttp2,
    // opens the receive windows (consume).
    nghttp2_option_set_no_http_messaging(opt, 1);
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_session* raw = nullptr;
    const int rv = nghttp2_session_client_new2(&raw, cbs, this, opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_option_del(opt);
    if (rv != 0)
        throw std::runtime_error(std::string("nghttp2: ") + nghttp2_strerror(rv));
    session_.reset(raw);

    const std::array<nghttp2_settings_entry, 3> ours = {{
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initial_window_size},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.max_concurrent_streams},
    }};
    nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, ours.data(), ours.size());
    // The connection's own window starts at 65,535 whatever the SETTINGS say (RFC 9113 §6.9.2).
    nghttp2_session_set_local_window_size(session_.get(), NGHTTP2_FLAG_NONE, 0,
                                          static_cast<std::int32_t>(settings.initial_window_size));
}

client_session::~client_session() = default;

std::optional<std::string> client_session::receive(codec::byte_view data) {
    const auto rv = nghttp2_session_mem_recv(session_.get(), data.data(), data.size());
    if (rv < 0)
        return std::string(nghttp2_strerror(static_cast<int>(rv)));
    return std::nullopt;
}

codec::bytes client_session::pending_output() {
    codec::bytes out;
    for (;;) {
        const std::uint8_t* chunk = nullptr;
        const auto n = nghttp2_session_mem_send(session_.get(), &chunk);
        if (n <= 0)
            break;
        out.insert(out.end(), chunk, chunk + n);
    }
    return out;
}

std::vector<event> client_session::take_events() {
    return std::exchange(events_, {});
}

std::pair<std::int32_t, std::string>
client_session::open(std::span<const codec::header_field> headers, bool end_stream) {
    std::vector<nghttp2_nv> nva;
    nva.reserve(headers.size());
    for (const auto& h : headers) {
        nva.push_back(
            {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(h.name.data())),
             const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(h.value.data())),
             h.name.size(), h.value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = callbacks::read_data;
    const std::int32_t id = nghttp2_submit_request(session_.get(), nullptr, nva.data(), nva.size(),
                                                   end_stream ? nullptr : &provider, nullptr);
    if (id < 0)
        return {id, nghttp2_strerror(id)};
    if (!end_stream)
        outboxes_[id];
    return {id, {}};
}

void client_session::send(std::int32_t stream, codec::byte_view data) {
    auto it = outboxes_.find(stream);
    if (it == outboxes_.end() || it->second.end)
        return; // closed, or ended by us: nothing more goes out
    it->second.bytes.insert(it->second.bytes.end(), data.begin(), data.end());
    resume(stream);
}

std::size_t client_session::unsent(std::int32_t stream) const {
    auto it = outboxes_.find(stream);
    return it == outboxes_.end() ? 0 : it->second.bytes.size();
}

void client_session::end(std::int32_t stream) {
    auto it = outboxes_.find(stream);
    if (it == outboxes_.end())
        return;
    it->second.end = true;
    resume(stream);
}

void client_session::resume(std::int32_t stream) {
    auto& box = outboxes_[stream];
    if (box.deferred) {
        box.deferred = false;
        nghttp2_session_resume_data(session_.get(), stream);
    }
}

void client_session::reset(std::int32_t stream, h2_error code) {
    outboxes_.erase(stream);
    nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, stream,
                              static_cast<std::uint32_t>(code));
}

void client_session::consume(std::int32_t stream, std::size_t n) {
    // A stream nghttp2 has closed opens only the connection's window.
    if (nghttp2_session_consume(session_.get(), stream, n) != 0)
        nghttp2_session_consume_connection(session_.get(), n);
}

void client_session::go_away(h2_error code) {
    nghttp2_session_terminate_session(session_.get(), static_cast<std::uint32_t>(code));
}

std::optional<std::uint32_t> client_session::remote_setting(std::int32_t id) const {
    if (!settings_received_)
        return std::nullopt;
    return nghttp2_session_get_remote_settings(session_.get(),
                                               static_cast<nghttp2_settings_id>(id));
}

bool client_session::alive() const {
    return nghttp2_session_want_read(session_.get()) != 0 ||
           nghttp2_session_want_write(session_.get()) != 0;
}

std::int32_t client_session::send_window(std::int32_t stream) const {
    const auto s = nghttp2_session_get_stream_remote_window_size(session_.get(), stream);
    const auto c = nghttp2_session_get_remote_window_size(session_.get());
    return std::max(0, std::min(s, c));
}

} // namespace wsconform::http2
