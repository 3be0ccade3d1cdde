#ifndef STRESS_TESTING_TARGET_HTTP_RESPONSE_SINK_HPP
#define STRESS_TESTING_TARGET_HTTP_RESPONSE_SINK_HPP

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace stress_testing::target::http {

/** A Beast response parser that keeps only what a load generator needs, in buffers owned by the
    connection, so that parsing allocates nothing once those buffers have grown: the status, the
    body size, the first `keep_body` bytes of the body (for a response observer) and the
    `Server-Timing` header (several lines are joined with ", "; at most 2 KiB is kept). Limits
    on header and body size are the parser's own (`header_limit`, `body_limit`): exceeding them
    is a parse error (`beast::http::error::header_limit` / `body_limit`). One object per
    response (Beast parsers cannot be reset); construct it in place. */
class response_sink final : public boost::beast::http::basic_parser<false> {
 public:
  static constexpr std::size_t server_timing_limit = 2048;

  response_sink(std::string& body, std::size_t keep_body, std::string& server_timing) noexcept
      : body_(body), server_timing_(server_timing), keep_body_(keep_body) {
    body_.clear();
    server_timing_.clear();
  }

  unsigned status() const noexcept { return status_; }
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override {
    if (name != boost::beast::http::field::unknown || !boost::beast::iequals(name_string, "server-timing")) return;
    if (!server_timing_.empty()) server_timing_ += ", ";
    auto const room = server_timing_limit > server_timing_.size() ? server_timing_limit - server_timing_.size() : 0;
    server_timing_.append(value.data(), value.size() < room ? value.size() : room);
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(boost::optional<std::uint64_t> const&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override { return take(body); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override { return take(body); }
  void on_finish_impl(error_code&) override {}

  std::size_t take(string_view part) {
    body_bytes_ += part.size();
    if (body_.size() < keep_body_) {
      auto const room = keep_body_ - body_.size();
      body_.append(part.data(), part.size() < room ? part.size() : room);
    }
    return part.size();
  }

  std::string& body_;
  std::string& server_timing_;
  std::size_t keep_body_;
  unsigned status_ = 0;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace stress_testing::target::http

#endif
