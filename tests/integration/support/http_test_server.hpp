#ifndef STRESS_TESTING_TESTS_HTTP_TEST_SERVER_HPP
#define STRESS_TESTING_TESTS_HTTP_TEST_SERVER_HPP

// A scripted HTTP/1.1 server on 127.0.0.1 (plain or TLS) for the HTTP target's known answers.
// It runs on its own thread; the request path chooses the behaviour:
//   /delay      body = milliseconds to wait, then 200 "ok"
//   /delay/N    waits N milliseconds, then 200 with the request body (a fixed delay per path)
//   /status/N   answers status N (with Retry-After: 1 for 429 and 503)
//   /close      200 with Connection: close
//   /reset      reads the request, then resets the connection (RST, no response)
//   /garbage    answers bytes that are not HTTP, then closes
//   /big        announces a 20 MB body
//   /chunked    200 with a chunked body "hello, chunked world"
//   /timing     200 with Server-Timing over two header lines
//   /partial    headers announcing 100 bytes, 3 bytes of body, then closes
//   /hang       never answers (a black hole)
//   /idle-close 200 keep-alive, then closes the connection 50 ms later while it is idle
//   /echo       200 with the request body
// Hostile servers (issue 19), each bounded so that it ends by itself:
//   /trickle         a complete 200 "ok", one byte every 5 ms (about 200 ms in all)
//   /endless-headers a status line, then header lines without end (at most 64 MiB)
//   /endless-chunked a chunked 200, then 4 KiB chunks without end (at most 64 MiB)
//   /huge-length     headers announcing 8,000,000 bytes, then nothing (holds the connection)
//   /reset-mid-body  headers announcing 100 bytes, 3 of them, then a reset (RST)
//   /half-close      reads the request, shuts down its sending side, waits for the peer to close
//   /malformed/N     malformed_responses()[N], then closes
//   anything else: 200 "ok"

#include <stress_testing/detail/http_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace http_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;

/// A self-signed certificate for 127.0.0.1 and localhost, made with OpenSSL at run time.
struct test_certificate {
  std::string cert_pem;
  std::string key_pem;

  static test_certificate make() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    auto add_ext = [&](int nid, const char* value) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    };
    add_ext(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_ext(NID_basic_constraints, "critical,CA:TRUE");
    X509_sign(x, key, EVP_sha256());
    test_certificate out;
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    out.cert_pem.assign(data, static_cast<std::size_t>(n));
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    n = BIO_get_mem_data(b, &data);
    out.key_pem.assign(data, static_cast<std::size_t>(n));
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
  }
};

/// Responses that are not HTTP/1.1, each with a complete header block so that the parser, not
/// the end of the stream, rejects them.
inline const std::vector<std::string>& malformed_responses() {
  static const std::vector<std::string> all{
      "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",                        // four-digit status
      "HTTP/1.1 abc Bad\r\nContent-Length: 0\r\n\r\n",                        // status not a number
      "HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",                         // not HTTP
      "SSH-2.0-OpenSSH_9.2\r\n\r\n",                                          // another protocol's banner
      "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",                       // length not a number
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",   // length overflows
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",  // two lengths
      "HTTP/1.1 200 OK\r\nno colon in this line\r\n\r\n",                     // not a header field
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n",     // chunk size not hex
  };
  return all;
}

class server {
 public:
  /// Plain HTTP, or TLS with `certificate` when given.
  explicit server(std::optional<test_certificate> certificate = std::nullopt) : http_(io_.get_executor(), options()) {
    if (certificate) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(certificate->cert_pem));
      tls_->use_private_key(asio::buffer(certificate->key_pem), asio::ssl::context::pem);
    }
    boost::system::error_code ec;
    port_ = http_.listen(ec).port();
    if (ec) throw boost::system::system_error(ec, "http_test::server");
    http_.start([self = this](std::shared_ptr<stress_testing::detail::http_connection> c) { return session(std::move(c), self); });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~server() {
    io_.stop();
    thread_.join();
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t connections() const { return connections_.load(); }

 private:
  /// The project's server core with limits wide enough for every scripted behaviour.
  static stress_testing::detail::http_server_options options() {
    stress_testing::detail::http_server_options o;
    o.max_connections = 100'000;
    o.body_limit = 1024 * 1024;  // Beast's default for requests, as before
    o.idle_timeout = std::chrono::minutes(10);
    return o;
  }

  template <class Stream>
  static asio::awaitable<void> respond(Stream& stream, tcp::socket& socket, bh::request<bh::string_body>& req,
                                       bool keep_alive, bool& keep_going) {
    std::string const target(req.target());
    bh::response<bh::string_body> res{bh::status::ok, 11};
    res.body() = "ok";
    if (target == "/delay") {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(std::stoll(req.body())));
      co_await t.async_wait(asio::use_awaitable);
    } else if (target.rfind("/delay/", 0) == 0) {  // a delay per path: /delay/30 waits 30 ms, then echoes
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(std::stoll(target.substr(7))));
      co_await t.async_wait(asio::use_awaitable);
      res.body() = req.body();
    } else if (target.rfind("/status/", 0) == 0) {
      res.result(static_cast<unsigned>(std::stoi(target.substr(8))));
      if (res.result_int() == 429 || res.result_int() == 503) res.set(bh::field::retry_after, "1");
      if (res.result_int() == 204 || res.result_int() == 304) res.body().clear();
    } else if (target == "/close") {
      res.keep_alive(false);
    } else if (target == "/reset") {
      socket.set_option(asio::socket_base::linger(true, 0));
      socket.close();
      keep_going = false;
      co_return;
    } else if (target == "/garbage") {
      co_await asio::async_write(stream, asio::buffer(std::string_view("NOT HTTP AT ALL\r\n\r\n")), asio::use_awaitable);
      keep_going = false;
      co_return;
    } else if (target == "/big") {
      co_await asio::async_write(stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 20000000\r\n\r\n")),
                                 asio::use_awaitable);
      keep_going = false;
      co_return;
    } else if (target == "/chunked") {
      co_await asio::async_write(
          stream,
          asio::buffer(std::string_view(
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nhello, \r\nd\r\nchunked world\r\n0\r\n\r\n")),
          asio::use_awaitable);
      co_return;
    } else if (target == "/timing") {
      res.insert("Server-Timing", "rules;dur=1.5, ml;desc=\"model, v2\";dur=2.25");
      res.insert("Server-Timing", "geo;dur=3");
    } else if (target == "/partial") {
      co_await asio::async_write(stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")),
                                 asio::use_awaitable);
      keep_going = false;
      co_return;
    } else if (target == "/hang") {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      keep_going = false;
      co_return;
    } else if (target == "/interim") {  // 100 and 103 before the final answer, a 500
      co_await asio::async_write(stream, asio::buffer(std::string_view(
                                             "HTTP/1.1 100 Continue\r\n\r\n"
                                             "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                                             "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno")),
                                 asio::use_awaitable);
      co_return;
    } else if (target == "/switching") {  // 101: a protocol the client never asked for
      co_await asio::async_write(
          stream, asio::buffer(std::string_view("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")),
          asio::use_awaitable);
      keep_going = false;
      co_return;
    } else if (target == "/extra" || target == "/late-extra") {  // a 500, then an unsolicited 200
      co_await asio::async_write(
          stream, asio::buffer(std::string_view("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno")),
          asio::use_awaitable);
      if (target == "/late-extra") {  // once the client is idle
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::use_awaitable);
      }
      co_await asio::async_write(stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")),
                                 asio::use_awaitable);
      co_return;
    } else if (target == "/echo") {
      res.body() = req.body();
    } else if (target == "/trickle") {
      std::string_view const whole = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      asio::steady_timer t(co_await asio::this_coro::executor);
      for (char const ch : whole) {
        t.expires_after(std::chrono::milliseconds(5));
        co_await t.async_wait(asio::use_awaitable);
        co_await asio::async_write(stream, asio::buffer(&ch, 1), asio::use_awaitable);
      }
      co_return;
    } else if (target == "/endless-headers" || target == "/endless-chunked") {
      bool const headers = target == "/endless-headers";
      co_await asio::async_write(stream, asio::buffer(std::string_view(
                                             headers ? "HTTP/1.1 200 OK\r\n"
                                                     : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")),
                                 asio::use_awaitable);
      std::string const piece = headers ? "X-Filler: " + std::string(88, 'a') + "\r\n"
                                        : "1000\r\n" + std::string(4096, 'b') + "\r\n";
      // Until the client gives up (the write then throws) or 64 MiB: never without end.
      for (std::size_t sent = 0; sent < (std::size_t{64} << 20); sent += piece.size())
        co_await asio::async_write(stream, asio::buffer(piece), asio::use_awaitable);
      keep_going = false;
      co_return;
    } else if (target == "/huge-length") {
      co_await asio::async_write(stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 8000000\r\n\r\n")),
                                 asio::use_awaitable);
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::hours(1));
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      keep_going = false;
      co_return;
    } else if (target == "/reset-mid-body") {
      co_await asio::async_write(stream, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")),
                                 asio::use_awaitable);
      socket.set_option(asio::socket_base::linger(true, 0));
      socket.close();
      keep_going = false;
      co_return;
    } else if (target == "/half-close") {
      socket.shutdown(tcp::socket::shutdown_send);
      char sink[512];
      boost::system::error_code ec;
      while (!ec) co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      keep_going = false;
      co_return;
    } else if (target.rfind("/malformed/", 0) == 0) {
      auto const& bad = malformed_responses().at(std::stoul(target.substr(11)));
      co_await asio::async_write(stream, asio::buffer(bad), asio::use_awaitable);
      keep_going = false;
      co_return;
    }
    if (!keep_alive) res.keep_alive(false);
    res.prepare_payload();
    co_await bh::async_write(stream, res, asio::use_awaitable);
    if (target == "/idle-close") {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::use_awaitable);
      keep_going = false;
      co_return;
    }
    if (!res.keep_alive()) keep_going = false;
  }

  /// The core's request handler: counts the request and plays the path's behaviour.
  template <class Stream>
  struct handler {
    Stream& stream;
    tcp::socket& socket;
    server* self;

    asio::awaitable<bool> operator()(stress_testing::detail::http_request& req, bool keep_alive) {
      ++self->requests_;
      bool keep_going = true;
      try {
        co_await respond(stream, socket, req, keep_alive, keep_going);
      } catch (const std::exception&) {
        keep_going = false;  // a client that went away
      }
      co_return keep_going;
    }
  };

  static asio::awaitable<void> session(std::shared_ptr<stress_testing::detail::http_connection> c, server* self) {
    ++self->connections_;
    try {
      if (self->tls_) {
        asio::ssl::stream<tcp::socket&> stream(c->socket(), *self->tls_);
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        handler<asio::ssl::stream<tcp::socket&>> h{stream, c->socket(), self};
        co_await stress_testing::detail::serve_requests(stream, *c, h);
      } else {
        handler<tcp::socket> h{c->socket(), c->socket(), self};
        co_await stress_testing::detail::serve_requests(c->socket(), *c, h);
      }
    } catch (const std::exception&) {
      // a failed handshake: the session ends
    }
  }

  asio::io_context io_{1};
  stress_testing::detail::http_server http_;
  std::uint16_t port_ = 0;
  std::optional<asio::ssl::context> tls_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::thread thread_;
};

}  // namespace http_test

#endif
