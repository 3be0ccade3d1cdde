#ifndef STRESS_TESTING_TARGET_HTTP_STATS_PROBE_HPP
#define STRESS_TESTING_TARGET_HTTP_STATS_PROBE_HPP

/** A small HTTP/1.1 client for a service's `GET /stats` (`target/service_stats.hpp`): one GET
    per `read()`, bounded in time and size, on a connection of its own (never one of the load's),
    so a host can poll the service once per sampling interval (`run::run_options::target_stats`).
    Its transport, `bounded_get`, also polls other loopback JSON endpoints.
    Loopback only unless allowed. Network + files layer (Beast, nlohmann_json). */

#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/target/http/url.hpp>
#include <stress_testing/target/prometheus_query.hpp>
#include <stress_testing/target/service_stats.hpp>
#include <stress_testing/target/service_stats_json.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::target::http {

struct stats_probe_options {
  /// The longest one `read()` may take (connect, request, response); then it gives up.
  std::chrono::milliseconds timeout{500};
  /// The largest body it reads; a longer one is an error (memory stays bounded).
  std::size_t max_body = 64 * 1024;
  /// Allow a host that is not 127.0.0.0/8 or ::1.
  bool allow_non_loopback = false;
};

/** One bounded `GET` of a URL at a time: a small HTTP/1.1 client on a connection of its own,
    for polling a service's `/stats` (`stats_probe`) or a dashboard's `/api/snapshot`
    (`stress-run dashboard --follow`).

    - `get()` blocks the calling thread for at most `timeout` and uses an `io_context` of its
      own, so it may be called from a run's executor as long as the server is not served by
      that same thread.
    - Not thread-safe: one `get()` at a time. */
class bounded_get {
 public:
  /** Resolves `url` (an `http://` URL) once. Throws `std::invalid_argument` naming the problem
      (prefixed by `what`): not a URL, `https`, a name that does not resolve, or an address that
      is not loopback without `allow_non_loopback`. */
  explicit bounded_get(std::string_view url, stats_probe_options options = {}, std::string_view what = "url")
      : options_(options) {
    std::string const prefix = std::string(what) + ": ";
    std::string why;
    auto u = stress_testing::target::http::url::parse(url, &why);
    if (!u) throw std::invalid_argument(prefix + why);
    if (u->tls()) throw std::invalid_argument(prefix + "only http:// is supported");
    url_ = *u;
    text_ = std::string(url);
    boost::system::error_code ec;
    boost::asio::ip::tcp::resolver resolver(io_);
    auto const found = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec || found.empty()) throw std::invalid_argument(prefix + "cannot resolve " + url_.host);
    for (auto const& e : found) {
      if (!options_.allow_non_loopback && !stress_testing::detail::is_loopback_address(e.endpoint().address()))
        throw std::invalid_argument(prefix + url_.host + " is not a loopback address");
      endpoints_.push_back(e.endpoint());
    }
  }

  const std::string& url() const noexcept { return text_; }

  using response = boost::beast::http::response<boost::beast::http::string_body>;

  /// One GET: the answer whatever its status, or nullopt with `error` saying why (refused, timed
  /// out, body too large).
  std::optional<response> fetch(std::string& error) {
    namespace net = boost::asio;
    namespace bh = boost::beast::http;
    using tcp = net::ip::tcp;
    io_.restart();
    tcp::socket socket(io_);
    boost::beast::flat_buffer buffer;
    bh::response_parser<bh::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(options_.max_body);
    bh::request<bh::empty_body> req{bh::verb::get, url_.target, 11};
    req.set(bh::field::host, url_.host_header());
    req.set(bh::field::connection, "close");
    boost::system::error_code ec = net::error::timed_out;
    bool done = false;
    auto finish = [&](boost::system::error_code e) {
      ec = e;
      done = true;
    };
    net::async_connect(socket, endpoints_, [&](boost::system::error_code e, const tcp::endpoint&) {
      if (e) return finish(e);
      bh::async_write(socket, req, [&](boost::system::error_code e2, std::size_t) {
        if (e2) return finish(e2);
        bh::async_read(socket, buffer, parser, [&](boost::system::error_code e3, std::size_t) { finish(e3); });
      });
    });
    io_.run_for(options_.timeout);
    if (!done) {  // timed out: abort what is pending and let its handlers run (they see the close)
      boost::system::error_code ignored;
      socket.close(ignored);
      io_.run();
      ec = net::error::timed_out;
    }
    if (ec) {
      error = "GET " + text_ + ": " + (ec == bh::error::body_limit ? "body larger than " +
                                                                         std::to_string(options_.max_body) + " bytes"
                                                                   : ec.message());
      return std::nullopt;
    }
    return parser.release();
  }

  /// One GET: the body of a 200 answer, or nullopt with `error` saying why (refused, timed out,
  /// not 200, body too large).
  std::optional<std::string> get(std::string& error) {
    auto res = fetch(error);
    if (!res) return std::nullopt;
    if (res->result_int() != 200) {
      error = "GET " + text_ + ": answered " + std::to_string(res->result_int());
      return std::nullopt;
    }
    return std::move(res->body());
  }

 private:
  stats_probe_options options_;
  stress_testing::target::http::url url_;
  std::string text_;
  boost::asio::io_context io_{1};
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
};

/** Reads a service's stats over HTTP: a `bounded_get` of its `/stats` and the stats document's
    parser (`target/service_stats_json.hpp`). Same blocking and threading rules. */
class stats_probe {
 public:
  /** Throws `std::invalid_argument` like `bounded_get`, prefixed "stats url: ". */
  explicit stats_probe(std::string_view url, stats_probe_options options = {}) : get_(url, options, "stats url") {}

  const std::string& url() const noexcept { return get_.url(); }

  /// One GET: the service's reading, or nullopt with `error` saying why (refused, timed out,
  /// not 200, body too large, not the stats document).
  std::optional<service_stats> read(std::string& error) {
    auto const body = get_.get(error);
    if (!body) return std::nullopt;
    service_stats out;
    std::string why;
    if (!parse_service_stats(*body, out, why)) {
      error = "GET " + get_.url() + ": " + why;
      return std::nullopt;
    }
    return out;
  }

 private:
  bounded_get get_;
};

/** Reads a target's capacity from a Prometheus instant query (`target/prometheus_query.hpp`):
    a `bounded_get` of `<base>/api/v1/query?query=<query>`, loopback only unless allowed. Same
    blocking and threading rules. */
class prometheus_probe {
 public:
  /** Throws `std::invalid_argument` like `bounded_get`, prefixed "prometheus url: ". */
  prometheus_probe(std::string_view base_url, std::string_view query, stats_probe_options options = {})
      : get_(prometheus_query_url(base_url, query), options, "prometheus url"), query_(query) {}

  const std::string& url() const noexcept { return get_.url(); }
  const std::string& query() const noexcept { return query_; }

  /// One query: its value, or nullopt with `error` saying why.
  std::optional<double> read(std::string& error) {
    auto const body = get_.get(error);
    if (!body) return std::nullopt;
    return parse_prometheus_value(*body, error);
  }

 private:
  bounded_get get_;
  std::string query_;
};

/** Reads a target's capacity from a response header (`--capacity-header X-Slots`): a
    `bounded_get` of a URL, whatever the answer's status, and the header's value as a number
    (e.g. the sample service's `X-Slots`). Same blocking and threading rules. */
class header_capacity_probe {
 public:
  /** Throws `std::invalid_argument` like `bounded_get`, prefixed "capacity url: ", or naming
      `header` when it is empty. */
  header_capacity_probe(std::string_view url, std::string header, stats_probe_options options = {})
      : get_(url, options, "capacity url"), header_(std::move(header)) {
    if (header_.empty()) throw std::invalid_argument("capacity header: expected a header name");
  }

  const std::string& url() const noexcept { return get_.url(); }
  const std::string& header() const noexcept { return header_; }

  /// One GET: the header's value, or nullopt with `error` saying why (no answer, no such header,
  /// not a finite number >= 0).
  std::optional<double> read(std::string& error) {
    auto res = get_.fetch(error);
    if (!res) return std::nullopt;
    auto const it = res->find(header_);
    if (it == res->end()) {
      error = "GET " + get_.url() + ": no " + header_ + " header (answered " + std::to_string(res->result_int()) + ")";
      return std::nullopt;
    }
    std::string const text(it->value());
    double v = 0;
    auto const* const first = text.data();
    auto const* const last = text.data() + text.size();
    auto const [end, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || end != last || !std::isfinite(v) || v < 0) {
      error = "GET " + get_.url() + ": " + header_ + " '" + text + "' is not a number >= 0";
      return std::nullopt;
    }
    return v;
  }

 private:
  bounded_get get_;
  std::string header_;
};

}  // namespace stress_testing::target::http

#endif
