#ifndef STRESS_TESTING_FAULT_PROXY_TOXIPROXY_SERVER_HPP
#define STRESS_TESTING_FAULT_PROXY_TOXIPROXY_SERVER_HPP

/** Toxiproxy's HTTP API over our fault proxies (docs/fault_proxy.md, "Toxiproxy's API"), so that
    Toxiproxy's clients (Go, Ruby, Java, Python, `toxiproxy-node-client`, ...) drive them:

      GET    /proxies                       200, {name: proxy, ...}
      POST   /proxies                       201 and the proxy; 400, 409 (name taken), 500 (bind)
      POST   /populate                      201 {"proxies": [...]}: create or replace a list
      GET    /proxies/{proxy}               200 or 404
      POST   /proxies/{proxy}               200: update listen, upstream, enabled (PATCH too)
      DELETE /proxies/{proxy}               204 or 404
      GET    /proxies/{proxy}/toxics        200, [toxic, ...]
      POST   /proxies/{proxy}/toxics        200 and the toxic; 400, 404, 409 (name taken)
      GET    /proxies/{proxy}/toxics/{t}    200 or 404
      POST   /proxies/{proxy}/toxics/{t}    200: update attributes and toxicity (PATCH too)
      DELETE /proxies/{proxy}/toxics/{t}    204 or 404
      POST   /reset                         204: every proxy enabled, every toxic removed
      GET    /version                       200 {"version": "..."}

    Errors are Toxiproxy's body `{"error": "...", "status": N}`. Every proxy listens on loopback
    only and reaches a loopback upstream only, unless `proxy.allow_non_loopback` is set. */

#include <stress_testing/detail/host_port.hpp>
#include <stress_testing/detail/http_server.hpp>
#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/toxiproxy_json.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/system_error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::fault {

/// Settings of a `toxiproxy_server`.
struct toxiproxy_server_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  ///< 0: any free port (`local_endpoint()`); Toxiproxy's is 8474
  /// Settings every created proxy starts from (mode, limits, seed, `allow_non_loopback`); its
  /// addresses are the request's. A request's `"mode"` overrides `proxy.mode`.
  proxy_options proxy;
  /// The API's own listen address may be non-loopback (anyone who reaches it controls traffic).
  bool allow_non_loopback = false;
  /// Memory bound: more proxies, or more toxics on one proxy, are refused with a 400.
  std::size_t max_proxies = 256;
  std::size_t max_toxics = 64;
};

/// The version `GET /version` reports: the Toxiproxy API it follows, then our name.
inline constexpr std::string_view toxiproxy_api_version = "2.12.0+stress_testing";

namespace detail {

class toxiproxy_state : public std::enable_shared_from_this<toxiproxy_state> {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;
  using json = nlohmann::json;
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  using response_type = boost::beast::http::response<boost::beast::http::string_body>;

  toxiproxy_state(boost::asio::any_io_executor ex, toxiproxy_server_options options)
      : strand_(boost::asio::make_strand(ex)), options_(std::move(options)), http_(strand_, http_options(options_)) {
    error_code ec;
    local_endpoint_ = http_.listen(ec);
    if (ec) throw boost::system::system_error(ec, "toxiproxy_server: listen");
  }

  tcp::endpoint local_endpoint() const { return local_endpoint_; }
  const boost::asio::strand<boost::asio::any_io_executor>& strand() const noexcept { return strand_; }

  void start() {
    http_.start([weak = weak_from_this()](std::shared_ptr<stress_testing::detail::http_connection> c) {
      return session(weak.lock(), std::move(c));
    });
  }

  void stop() {
    http_.stop();
    boost::asio::post(strand_, [self = shared_from_this()] {
      for (auto& [name, p] : self->proxies_) self->disable(p);
    });
  }

  /** Answers one request. Runs on (a strand inside) `strand_`, like every proxy it made, so the
      registry needs no lock and `disable` frees a port at once. */
  response_type handle(const request_type& req) {
    namespace bh = boost::beast::http;
    if (req[bh::field::user_agent].starts_with("Mozilla/"))  // as Toxiproxy: no browser-driven requests
      return error(403, "User agent not allowed", req);
    std::string const target(req.target());
    std::string path = target.substr(0, target.find('?'));
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    std::vector<std::string> parts;
    for (std::size_t at = 1; at <= path.size();) {
      auto const next = std::min(path.find('/', at), path.size());
      parts.push_back(path.substr(at, next - at));
      at = next + 1;
    }
    auto const m = req.method();
    bool const get = m == bh::verb::get, post = m == bh::verb::post, del = m == bh::verb::delete_;
    bool const update = post || m == bh::verb::patch;
    auto const n = parts.size();
    if (n == 1 && parts[0] == "version" && get)
      return respond(200, json{{"version", std::string(toxiproxy_api_version)}}, req);
    if (n == 1 && parts[0] == "reset" && post) return reset(req);
    if (n == 1 && parts[0] == "populate" && post) return populate(req);
    if (n >= 1 && parts[0] == "proxies") {
      if (n == 1 && get) {
        json all = json::object();
        for (auto const& [name, p] : proxies_) all[name] = to_json(p);
        return respond(200, all, req);
      }
      if (n == 1 && post) return create(req);
      if (n >= 2) {
        auto it = proxies_.find(parts[1]);
        if (it == proxies_.end()) return error(404, "proxy not found", req);
        auto& p = it->second;
        if (n == 2 && get) return respond(200, to_json(p), req);
        if (n == 2 && update) return update_proxy(p, req);
        if (n == 2 && del) {
          disable(p);
          proxies_.erase(it);
          return respond(204, nullptr, req);
        }
        if (n == 3 && parts[2] == "toxics" && get) return respond(200, toxics_json(p), req);
        if (n == 3 && parts[2] == "toxics" && post) return create_toxic(p, req);
        if (n == 4 && parts[2] == "toxics") {
          auto t = std::find_if(p.toxics.begin(), p.toxics.end(), [&](auto const& f) { return f.name == parts[3]; });
          if (t == p.toxics.end()) return error(404, "toxic not found", req);
          if (get) return respond(200, to_toxiproxy_json(*t), req);
          if (update) return update_toxic(p, t, req);
          if (del) {
            if (p.live) p.live->remove_fault(t->name);
            p.toxics.erase(t);
            return respond(204, nullptr, req);
          }
        }
      }
    }
    return error(404, "no route " + std::string(m == bh::verb::unknown ? "?" : bh::to_string(m)) + " " + path +
                          " (see docs/fault_proxy.md)",
                 req);
  }

 private:
  /// One named proxy: its document and, while enabled, the running proxy. The toxics are kept
  /// here too, so that a disabled proxy keeps them for when it is enabled again.
  struct named_proxy {
    std::string name, listen, upstream;
    proxy_mode mode = proxy_mode::tcp;
    bool enabled = false;
    std::shared_ptr<proxy_state> live;
    std::vector<fault_spec> toxics;
  };

  /// A failed request: Toxiproxy's status and message.
  struct failure {
    unsigned status;
    std::string message;
  };

  static stress_testing::detail::http_server_options http_options(const toxiproxy_server_options& options) {
    error_code ec;
    auto const address = boost::asio::ip::make_address(options.listen_host, ec);
    if (ec)
      throw std::invalid_argument("toxiproxy_server: listen_host: '" + options.listen_host + "' is not an IP address");
    if (!options.allow_non_loopback && !stress_testing::detail::is_loopback_address(address))
      throw std::invalid_argument("toxiproxy_server: listen_host: " + options.listen_host +
                                  " is not a loopback address (set allow_non_loopback)");
    stress_testing::detail::http_server_options o;
    o.listen = tcp::endpoint(address, options.listen_port);
    o.allow_non_loopback = options.allow_non_loopback;
    o.max_connections = 256;
    o.body_limit = 256 * 1024;  // a populate of a few hundred proxies
    o.idle_timeout = std::chrono::seconds(60);
    return o;
  }

  json to_json(const named_proxy& p) const {
    return json{{"name", p.name},         {"listen", p.listen},   {"upstream", p.upstream},
                {"enabled", p.enabled},   {"toxics", toxics_json(p)},
                {"mode", p.mode == proxy_mode::http ? "http" : "tcp"}};
  }

  static json toxics_json(const named_proxy& p) {
    json list = json::array();
    for (auto const& t : p.toxics) list.push_back(to_toxiproxy_json(t));
    return list;
  }

  /// Starts `p` on its listen address with its toxics; its `listen` becomes the bound address.
  std::optional<failure> enable(named_proxy& p) {
    if (p.enabled) return std::nullopt;
    auto const listen = stress_testing::detail::split_host_port(p.listen);
    if (!listen) return failure{400, "listen: '" + p.listen + "' is not HOST:PORT"};
    auto const upstream = stress_testing::detail::split_host_port(p.upstream);
    if (!upstream || upstream->second == 0) return failure{400, "upstream: '" + p.upstream + "' is not HOST:PORT"};
    proxy_options o = options_.proxy;
    o.listen_host = listen->first;
    o.listen_port = listen->second;
    o.upstream_host = upstream->first;
    o.upstream_port = upstream->second;
    o.mode = p.mode;
    std::shared_ptr<proxy_state> live;
    try {
      // On our strand: its handlers run inside ours (see `handle`).
      live = std::make_shared<proxy_state>(strand_, o);
    } catch (const std::invalid_argument& e) {
      std::string const what = e.what();
      return failure{400, what.rfind("proxy: ", 0) == 0 ? what.substr(7) : what};
    } catch (const std::exception& e) {
      return failure{500, "listen tcp " + p.listen + ": " + e.what()};
    }
    for (auto const& t : p.toxics) {
      std::string why;
      live->add_fault(t, why);  // checked when the toxic was added
    }
    live->start();
    auto const ep = live->local_endpoint();
    p.listen = ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                    : ep.address().to_string() + ":" + std::to_string(ep.port());
    p.live = std::move(live);
    p.enabled = true;
    return std::nullopt;
  }

  static void disable(named_proxy& p) {
    if (p.live) p.live->stop_now();  // the port is free for a re-enable in the same request
    p.live.reset();
    p.enabled = false;
  }

  std::optional<json> body_json(const request_type& req, std::optional<failure>& fail) {
    auto j = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      fail = failure{400, "bad request body: not valid JSON"};
      return std::nullopt;
    }
    return j;
  }

  static std::string joined(const std::vector<std::string>& problems) {
    std::string text;
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
    return text;
  }

  /// A new proxy from a request document (checked; not yet in the registry, not started).
  std::optional<named_proxy> new_proxy(const toxiproxy_proxy_request& r, std::optional<failure>& fail,
                                       const std::string& where = {}) {
    if (!r.name || r.name->empty()) fail = failure{400, "missing required field: name" + where};
    else if (!r.upstream || r.upstream->empty()) fail = failure{400, "missing required field: upstream" + where};
    if (fail) return std::nullopt;
    named_proxy p;
    p.name = *r.name;
    p.upstream = *r.upstream;
    p.listen = r.listen && !r.listen->empty() ? *r.listen : "127.0.0.1:0";
    p.mode = r.mode ? (*r.mode == "http" ? proxy_mode::http : proxy_mode::tcp) : options_.proxy.mode;
    return p;
  }

  response_type create(const request_type& req) {
    std::optional<failure> fail;
    auto body = body_json(req, fail);
    std::vector<std::string> problems;
    std::optional<toxiproxy_proxy_request> r;
    if (body) r = parse_toxiproxy_proxy(*body, problems);
    if (body && !r) fail = failure{400, "bad request body: " + joined(problems)};
    std::optional<named_proxy> p;
    if (r) p = new_proxy(*r, fail);
    if (p && proxies_.count(p->name)) fail = failure{409, "proxy already exists"};
    if (p && !fail && proxies_.size() >= options_.max_proxies)
      fail = failure{400, "too many proxies (max_proxies " + std::to_string(options_.max_proxies) + ")"};
    if (!fail && r->enabled.value_or(true)) fail = enable(*p);
    if (fail) return error(fail->status, fail->message, req);
    auto& added = proxies_[p->name] = std::move(*p);
    return respond(201, to_json(added), req);
  }

  response_type update_proxy(named_proxy& p, const request_type& req) {
    std::optional<failure> fail;
    auto body = body_json(req, fail);
    std::vector<std::string> problems;
    std::optional<toxiproxy_proxy_request> r;
    if (body) r = parse_toxiproxy_proxy(*body, problems);
    if (body && !r) fail = failure{400, "bad request body: " + joined(problems)};
    if (r && r->name && *r->name != p.name)
      fail = failure{400, "name: cannot be changed (delete the proxy and create it)"};
    if (r && r->mode && (*r->mode == "http") != (p.mode == proxy_mode::http))
      fail = failure{400, "mode: cannot be changed (delete the proxy and create it)"};
    if (fail) return error(fail->status, fail->message, req);
    // As Toxiproxy: a new address restarts the proxy (open connections are closed).
    bool const moved = (r->listen && *r->listen != p.listen) || (r->upstream && *r->upstream != p.upstream);
    bool const was_enabled = p.enabled;
    if (moved) {
      disable(p);
      if (r->listen) p.listen = *r->listen;
      if (r->upstream) p.upstream = *r->upstream;
    }
    bool const want = r->enabled.value_or(was_enabled);
    if (!want) disable(p);
    else fail = enable(p);
    if (fail) return error(fail->status, fail->message, req);
    return respond(200, to_json(p), req);
  }

  /// `toxic` checked for the proxy's mode; nullopt when it fits.
  std::optional<failure> fits(const named_proxy& p, const fault_spec& toxic) const {
    if (auto why = mode_problem(toxic, p.mode)) return failure{400, "bad request body: " + *why};
    return std::nullopt;
  }

  response_type create_toxic(named_proxy& p, const request_type& req) {
    std::optional<failure> fail;
    auto body = body_json(req, fail);
    std::vector<std::string> problems;
    std::optional<fault_spec> t;
    if (body) t = parse_toxiproxy_toxic(*body, problems);
    if (body && !t) {
      bool const bad_type = problems.size() == 1 && problems[0].rfind("type: unknown", 0) == 0;
      fail = bad_type ? failure{400, "invalid toxic type: " + problems[0].substr(6)}
                      : failure{400, "bad request body: " + joined(problems)};
    }
    if (t && std::any_of(p.toxics.begin(), p.toxics.end(), [&](auto const& f) { return f.name == t->name; }))
      fail = failure{409, "toxic already exists"};
    if (t && !fail && p.toxics.size() >= options_.max_toxics)
      fail = failure{400, "too many toxics on this proxy (max_toxics " + std::to_string(options_.max_toxics) + ")"};
    if (t && !fail) fail = fits(p, *t);
    if (fail) return error(fail->status, fail->message, req);
    if (p.live) {
      std::string why;
      if (!p.live->add_fault(*t, why)) return error(400, "bad request body: " + why, req);
    }
    p.toxics.push_back(*t);
    return respond(200, to_toxiproxy_json(*t), req);
  }

  response_type update_toxic(named_proxy& p, std::vector<fault_spec>::iterator t, const request_type& req) {
    std::optional<failure> fail;
    auto body = body_json(req, fail);
    std::vector<std::string> problems;
    std::optional<fault_spec> updated;
    if (body) updated = update_toxiproxy_toxic(*t, *body, problems);
    if (body && !updated) fail = failure{400, "bad request body: " + joined(problems)};
    if (fail) return error(fail->status, fail->message, req);
    // Re-applied to open connections: remove and add run back to back on the proxy's strand.
    if (p.live) {
      std::string why;
      p.live->remove_fault(t->name);
      p.live->add_fault(*updated, why);
    }
    *t = std::move(*updated);
    return respond(200, to_toxiproxy_json(*t), req);
  }

  response_type reset(const request_type& req) {
    for (auto& [name, p] : proxies_) {
      if (auto fail = enable(p)) return error(fail->status, fail->message, req);
      p.toxics.clear();
      if (p.live) p.live->reset_faults();
    }
    return respond(204, nullptr, req);
  }

  /// Toxiproxy's populate: every entry is checked before any change; an existing proxy with the
  /// same listen and upstream is kept as it is, one that differs is replaced.
  response_type populate(const request_type& req) {
    std::optional<failure> fail;
    auto body = body_json(req, fail);
    if (body && !body->is_array()) fail = failure{400, "bad request body: (root): must be a JSON array of proxies"};
    if (fail) return error(fail->status, fail->message, req);
    std::vector<named_proxy> wanted;
    std::vector<bool> enabled;
    for (std::size_t i = 0; i < body->size() && !fail; ++i) {
      std::string const where = " at proxy " + std::to_string(i + 1);
      std::vector<std::string> problems;
      auto r = parse_toxiproxy_proxy((*body)[i], problems, "[" + std::to_string(i) + "].");
      if (!r) {
        fail = failure{400, "bad request body: " + joined(problems)};
        break;
      }
      auto p = new_proxy(*r, fail, where);
      if (!p) break;
      for (auto const& w : wanted)
        if (w.name == p->name) fail = failure{400, "duplicate proxy name \"" + p->name + "\""};
      enabled.push_back(r->enabled.value_or(true));
      if (p) wanted.push_back(std::move(*p));
    }
    std::size_t fresh = 0;
    for (auto const& w : wanted) fresh += proxies_.count(w.name) ? 0 : 1;
    if (!fail && proxies_.size() + fresh > options_.max_proxies)
      fail = failure{400, "too many proxies (max_proxies " + std::to_string(options_.max_proxies) + ")"};
    if (fail) return error(fail->status, fail->message, req);
    json list = json::array();
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      auto& w = wanted[i];
      auto it = proxies_.find(w.name);
      if (it != proxies_.end() && it->second.listen == w.listen && it->second.upstream == w.upstream) {
        list.push_back(to_json(it->second));
        continue;
      }
      if (it != proxies_.end()) {
        disable(it->second);
        proxies_.erase(it);
      }
      if (enabled[i]) fail = enable(w);
      if (fail) {
        json body_out = toxiproxy_error(fail->message, fail->status);
        body_out["proxies"] = std::move(list);
        return respond(fail->status, body_out, req);
      }
      auto& added = proxies_[w.name] = std::move(w);
      list.push_back(to_json(added));
    }
    return respond(201, json{{"proxies", std::move(list)}}, req);
  }

  static response_type respond(unsigned status, const json& j, const request_type& req) {
    response_type res{static_cast<boost::beast::http::status>(status), req.version()};
    if (!j.is_null()) {
      res.set(boost::beast::http::field::content_type, "application/json");
      res.body() = j.dump() + "\n";
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  static response_type error(unsigned status, const std::string& message, const request_type& req) {
    return respond(status, toxiproxy_error(message, status), req);
  }

  static boost::asio::awaitable<void> session(std::shared_ptr<toxiproxy_state> self,
                                              std::shared_ptr<stress_testing::detail::http_connection> c) {
    if (!self) co_return;  // the server is gone
    auto answer = [self](const request_type& req) { return self->handle(req); };
    stress_testing::detail::sync_handler<tcp::socket, decltype(answer)> handler(c->socket(), std::move(answer));
    co_await stress_testing::detail::serve_requests(c->socket(), *c, handler);
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  toxiproxy_server_options options_;
  stress_testing::detail::http_server http_;  // on strand_: requests are answered one at a time
  tcp::endpoint local_endpoint_;
  std::map<std::string, named_proxy> proxies_;  // strand_ only
};

}  // namespace detail

/** A Toxiproxy-compatible API server (routes above) managing named fault proxies, each a
    `proxy` in TCP mode (or HTTP mode, for our HTTP toxics) between a loopback listen address and
    a loopback upstream.

    Threading: the API and every proxy it creates run on one strand of `ex` (requests and the
    proxies' traffic are serialized; run `ex`'s context on any number of threads). `start` and
    `stop` may be called from any thread.

    Lifetime: destroying it stops it: the listener, every API connection and every proxy close
    (on the executor, shortly after). The executor's context must outlive the object. */
class toxiproxy_server {
 public:
  /// Binds and listens (throws `std::invalid_argument` for a non-loopback address without
  /// `allow_non_loopback`, `boost::system::system_error` if the port cannot be bound).
  toxiproxy_server(boost::asio::any_io_executor ex, toxiproxy_server_options options = {})
      : state_(std::make_shared<detail::toxiproxy_state>(std::move(ex), std::move(options))) {}

  toxiproxy_server(const toxiproxy_server&) = delete;
  toxiproxy_server& operator=(const toxiproxy_server&) = delete;
  ~toxiproxy_server() {
    if (state_) state_->stop();
  }

  boost::asio::any_io_executor get_executor() const noexcept { return state_->strand(); }
  boost::asio::ip::tcp::endpoint local_endpoint() const { return state_->local_endpoint(); }
  /// Starts answering requests. Call once.
  void start() { state_->start(); }
  /// Closes the listener, every API connection and every proxy. Any thread; idempotent.
  void stop() { state_->stop(); }

 private:
  std::shared_ptr<detail::toxiproxy_state> state_;
};

}  // namespace stress_testing::fault

#endif
