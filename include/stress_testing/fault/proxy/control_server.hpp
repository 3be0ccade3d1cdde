#ifndef STRESS_TESTING_FAULT_PROXY_CONTROL_SERVER_HPP
#define STRESS_TESTING_FAULT_PROXY_CONTROL_SERVER_HPP

/** The fault proxy's control API: HTTP/1.1 with JSON bodies on a loopback port, shaped like
    Toxiproxy's toxics API so that a script (curl) or another process can change the faults while
    traffic flows (docs/fault_proxy.md):

      GET    /faults        200, the faults as a JSON array
      POST   /faults        201 and the fault, 400 naming the field, 409 if the name is taken
      GET    /faults/NAME   200 or 404
      DELETE /faults/NAME   204 or 404
      POST   /reset         200 {"removed": N}: removes every fault
      GET    /stats         200, the proxy's `proxy_stats` */

#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/detail/http_server.hpp>
#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/system_error.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace stress_testing::fault {

/// Settings of a `control_server`.
struct control_server_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  ///< 0: any free port (see `local_endpoint()`)
  /// Listen on a non-loopback address: anyone who can reach it can break your traffic.
  bool allow_non_loopback = false;
};

namespace detail {

class control_state : public std::enable_shared_from_this<control_state> {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  using response_type = boost::beast::http::response<boost::beast::http::string_body>;

  control_state(boost::asio::any_io_executor ex, std::shared_ptr<proxy_state> target, control_server_options options)
      : strand_(boost::asio::make_strand(ex)), proxy_(std::move(target)), http_(strand_, http_options(options)) {
    error_code ec;
    local_endpoint_ = http_.listen(ec);
    if (ec) throw boost::system::system_error(ec, "control_server: listen");
  }

  tcp::endpoint local_endpoint() const { return local_endpoint_; }
  const boost::asio::strand<boost::asio::any_io_executor>& strand() const noexcept { return strand_; }

  void start() {
    // A weak reference: the core keeps its session function, and this state owns the core.
    http_.start([weak = weak_from_this()](std::shared_ptr<stress_testing::detail::http_connection> c) {
      return session(weak.lock(), std::move(c));
    });
  }

  void stop() { http_.stop(); }

  /// Answers one request (pure apart from the proxy calls; also usable without sockets).
  response_type handle(const request_type& req) {
    namespace bh = boost::beast::http;
    std::string const target(req.target());
    std::string path = target.substr(0, target.find('?'));
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    auto const method = req.method();
    if (path == "/faults") {
      if (method == bh::verb::get) {
        nlohmann::json list = nlohmann::json::array();
        for (auto const& f : proxy_->faults()) list.push_back(to_json(f));
        return json_response(bh::status::ok, list, req);
      }
      if (method == bh::verb::post) return add(req);
      return error(bh::status::method_not_allowed, "GET or POST " + path, req);
    }
    if (path.rfind("/faults/", 0) == 0) {
      std::string const name = path.substr(8);
      if (method == bh::verb::get) {
        for (auto const& f : proxy_->faults())
          if (f.name == name) return json_response(bh::status::ok, to_json(f), req);
        return error(bh::status::not_found, "no fault named '" + name + "'", req);
      }
      if (method == bh::verb::delete_) {
        if (proxy_->remove_fault(name)) return empty(bh::status::no_content, req);
        return error(bh::status::not_found, "no fault named '" + name + "'", req);
      }
      return error(bh::status::method_not_allowed, "GET or DELETE " + path, req);
    }
    if (path == "/reset") {
      if (method != bh::verb::post) return error(bh::status::method_not_allowed, "POST /reset", req);
      return json_response(bh::status::ok, nlohmann::json{{"removed", proxy_->reset_faults()}}, req);
    }
    if (path == "/stats") {
      if (method != bh::verb::get) return error(bh::status::method_not_allowed, "GET /stats", req);
      return json_response(bh::status::ok, to_json(proxy_->stats()), req);
    }
    return error(bh::status::not_found, "no route " + path + " (see docs/fault_proxy.md)", req);
  }

 private:
  /// The listen address checked (loopback unless allowed), the core's limits for a control API.
  static stress_testing::detail::http_server_options http_options(const control_server_options& options) {
    error_code ec;
    auto const address = boost::asio::ip::make_address(options.listen_host, ec);
    if (ec)
      throw std::invalid_argument("control_server: listen_host: '" + options.listen_host +
                                  "' is not an IP address");
    if (!options.allow_non_loopback && !stress_testing::detail::is_loopback_address(address))
      throw std::invalid_argument("control_server: listen_host: " + options.listen_host +
                                  " is not a loopback address (set allow_non_loopback)");
    stress_testing::detail::http_server_options o;
    o.listen = tcp::endpoint(address, options.listen_port);
    o.allow_non_loopback = options.allow_non_loopback;
    o.max_connections = 256;
    o.body_limit = 64 * 1024;
    o.idle_timeout = std::chrono::seconds(60);
    return o;
  }

  response_type add(const request_type& req) {
    namespace bh = boost::beast::http;
    std::string invalid;
    auto const body = stress_testing::detail::try_parse_bounded_json(req.body(), invalid, {.max_depth = 16, .max_bytes = 64u << 10});
    if (!body) return error(bh::status::bad_request, "body: not valid JSON: " + invalid, req);
    std::vector<std::string> problems;
    auto spec = parse_fault_spec(*body, problems);
    if (!spec) return error(bh::status::bad_request, problems, req);
    for (auto const& f : proxy_->faults())
      if (f.name == spec->name)
        return error(bh::status::conflict, "name: a fault named '" + spec->name + "' already exists", req);
    auto json = to_json(*spec);
    std::string why;
    if (!proxy_->add_fault(std::move(*spec), why)) {
      bool const taken = why.find("already exists") != std::string::npos;
      return error(taken ? bh::status::conflict : bh::status::bad_request, why, req);
    }
    return json_response(bh::status::created, json, req);
  }

  static response_type json_response(boost::beast::http::status status, const nlohmann::json& j,
                                     const request_type& req) {
    response_type res{status, req.version()};
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = j.dump() + "\n";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  static response_type error(boost::beast::http::status status, const std::vector<std::string>& problems,
                             const request_type& req) {
    std::string text;
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
    return json_response(status, nlohmann::json{{"error", text}, {"problems", problems}}, req);
  }

  static response_type error(boost::beast::http::status status, const std::string& message, const request_type& req) {
    return error(status, std::vector<std::string>{message}, req);
  }

  static response_type empty(boost::beast::http::status status, const request_type& req) {
    response_type res{status, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  static boost::asio::awaitable<void> session(std::shared_ptr<control_state> self,
                                              std::shared_ptr<stress_testing::detail::http_connection> c) {
    if (!self) co_return;  // the control server is gone
    auto answer = [self](const request_type& req) { return self->handle(req); };
    stress_testing::detail::sync_handler<tcp::socket, decltype(answer)> handler(c->socket(), std::move(answer));
    co_await stress_testing::detail::serve_requests(c->socket(), *c, handler);
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::shared_ptr<proxy_state> proxy_;
  stress_testing::detail::http_server http_;  // on strand_: requests are answered one at a time
  tcp::endpoint local_endpoint_;
};

}  // namespace detail

/** The HTTP control API of one `proxy` (routes above; errors are JSON `{"error", "problems"}`).

    Threading and lifetime: runs on a strand of `ex`; `start`/`stop` from any thread. It shares
    the proxy's state, so either may be destroyed first; destroying it stops it. */
class control_server {
 public:
  /// Binds and listens (throws `std::invalid_argument` for a non-loopback address without
  /// `allow_non_loopback`, `boost::system::system_error` if the port cannot be bound).
  control_server(boost::asio::any_io_executor ex, proxy& target, control_server_options options = {})
      : state_(std::make_shared<detail::control_state>(std::move(ex), target.state_, std::move(options))) {}

  control_server(const control_server&) = delete;
  control_server& operator=(const control_server&) = delete;
  ~control_server() {
    if (state_) state_->stop();
  }

  boost::asio::any_io_executor get_executor() const noexcept { return state_->strand(); }
  boost::asio::ip::tcp::endpoint local_endpoint() const { return state_->local_endpoint(); }
  void start() { state_->start(); }
  /// Closes the listener and every control connection. Any thread; idempotent.
  void stop() { state_->stop(); }

 private:
  std::shared_ptr<detail::control_state> state_;
};

}  // namespace stress_testing::fault

#endif
