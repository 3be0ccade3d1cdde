#ifndef STRESS_TESTING_FAULT_PROXY_SITE_HPP
#define STRESS_TESTING_FAULT_PROXY_SITE_HPP

/** The fault proxy as a failure site (`fault/site.hpp`): the proxy row of the failure model
    (`fault/failure_model.hpp`) as proxy faults, and `proxy_chain`, two in-process proxies in
    front of an HTTP service that a run injects into when a failure's `target_component` is
    "proxy".

    The chain is client → HTTP proxy → TCP proxy → service: HTTP faults (a status) need a proxy
    that parses HTTP, network faults (latency, black hole) one that relays bytes, and one proxy
    does one or the other.

    | effect                  | proxy fault                                                        |
    |-------------------------|--------------------------------------------------------------------|
    | errors: status on f     | http_status `status` on a fraction f of requests (+ Retry-After: 1) |
    | latency fixed m on f    | latency downstream m, on a fraction f of the connections           |
    | latency uniform [a, b]  | latency (a + b) / 2 ± (b − a) / 2                                  |
    | latency long tail m     | latency m ± m / 2 (the proxy's jitter is uniform)                  |
    | black hole on f         | timeout 0 both ways on a fraction f of the connections; data held is released when it ends |
*/

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/site.hpp>
#include <stress_testing/target/http/url.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stress_testing::fault {

/// The proxy faults of the effects in `active` (the table above), named uniquely per effect.
inline std::vector<fault_spec> proxy_faults_of(std::span<const active_effect> active) {
  std::vector<fault_spec> out;
  for (auto const& a : active) {
    auto const& e = *a.effect;
    auto const phase = static_cast<std::size_t>(a.effect - a.failure->effects.data());
    std::string const base = std::string(to_string(a.failure->failure.failure_type)) + "-" +
                             std::to_string(a.failure->index) + "-" + std::to_string(phase);
    if (e.error_fraction > 0) {
      http_status_fault h;
      h.status = e.status;
      h.fraction = e.error_fraction;
      if (e.retry_after) h.retry_after_seconds = 1;
      h.body = "injected by the fault proxy: " + std::string(to_string(a.failure->failure.failure_type));
      out.push_back(fault_spec{base + "-status", stream_direction::downstream, 1.0, h});
    }
    if (e.latency_fraction > 0) {
      latency_fault l{e.latency_ms, 0};
      if (e.latency_shape == delay_shape::uniform) l = {(e.latency_ms + e.latency_max_ms) / 2, (e.latency_max_ms - e.latency_ms) / 2};
      if (e.latency_shape == delay_shape::long_tail) l = {e.latency_ms, e.latency_ms / 2};
      out.push_back(fault_spec{base + "-latency", stream_direction::downstream, e.latency_fraction, l});
    }
    if (e.black_hole_fraction > 0) {
      out.push_back(fault_spec{base + "-partition-up", stream_direction::upstream, e.black_hole_fraction, timeout_fault{0}});
      out.push_back(fault_spec{base + "-partition-down", stream_direction::downstream, e.black_hole_fraction,
                               timeout_fault{0}});
    }
  }
  return out;
}

/** Two in-process proxies in front of the service at `target_url` (HTTP, loopback unless
    `allow_remote`), on one thread of their own. `url()` is the target URL with the HTTP proxy's
    address: point the client there. Destruction stops the proxies (after the run that used
    them). */
class proxy_chain {
 public:
  proxy_chain(const std::string& target_url, bool allow_remote, std::uint64_t seed) {
    std::string why;
    auto u = target::http::url::parse(target_url, &why);
    if (!u) throw std::invalid_argument("target URL: " + why);
    if (u->tls()) throw std::invalid_argument("target URL: the fault proxy relays plain HTTP, not https");
    proxy_options tcp;
    tcp.upstream_host = u->host;
    tcp.upstream_port = u->port;
    tcp.mode = proxy_mode::tcp;
    tcp.seed = seed;
    tcp.allow_non_loopback = allow_remote;
    tcp_.emplace(io_.get_executor(), tcp);
    proxy_options http;
    http.upstream_port = tcp_->local_endpoint().port();
    http.mode = proxy_mode::http;
    http.seed = seed ^ 0x9e37'79b9'7f4a'7c15ULL;
    http_.emplace(io_.get_executor(), http);
    tcp_->start();
    http_->start();
    url_ = "http://127.0.0.1:" + std::to_string(http_->local_endpoint().port()) + u->target;
    thread_ = std::thread([this] { io_.run(); });
  }
  proxy_chain(const proxy_chain&) = delete;
  proxy_chain& operator=(const proxy_chain&) = delete;
  ~proxy_chain() {
    http_->stop();
    tcp_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  const std::string& url() const noexcept { return url_; }
  proxy& http_proxy() { return *http_; }
  proxy& tcp_proxy() { return *tcp_; }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::optional<proxy> tcp_;
  std::optional<proxy> http_;
  std::string url_;
  std::thread thread_;
};

/** A `proxy_chain` as the failure site "proxy": each `apply` removes the faults whose effects
    ended and adds those that began (HTTP faults on the HTTP proxy, network faults on the TCP
    proxy). A fault the proxy refuses is reported on stderr and skipped. */
class proxy_failure_site : public failure_site {
 public:
  explicit proxy_failure_site(proxy_chain& chain) : chain_(chain) {}

  std::vector<std::string> components() const override { return {"proxy"}; }
  site_kind kind_of(std::string_view) const override { return site_kind::proxy; }

  void apply(double, std::span<const active_effect> active) override {
    std::lock_guard lock(mutex_);
    auto const wanted = proxy_faults_of(active);
    for (auto it = current_.begin(); it != current_.end();) {
      bool keep = false;
      for (auto const& w : wanted) keep = keep || w.name == it->first;
      if (keep) {
        ++it;
        continue;
      }
      (void)(it->second ? chain_.http_proxy() : chain_.tcp_proxy()).remove_fault(it->first);
      it = current_.erase(it);
    }
    for (auto const& w : wanted) {
      if (current_.count(w.name)) continue;
      std::string error;
      auto& p = w.is_http() ? chain_.http_proxy() : chain_.tcp_proxy();
      if (p.add_fault(w, error)) current_.emplace(w.name, w.is_http());
      else std::fprintf(stderr, "stress_testing: proxy fault %s: %s\n", w.name.c_str(), error.c_str());
    }
  }

 private:
  proxy_chain& chain_;
  std::mutex mutex_;
  std::map<std::string, bool> current_;  // name → on the HTTP proxy
};

}  // namespace stress_testing::fault

#endif
