// `stress-run proxy` (cmd_proxy.hpp).

#include "cmd_proxy.hpp"

#include "app.hpp"
#include "cli_util.hpp"

#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/control_server.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>
#include <stress_testing/fault/proxy/site.hpp>
#include <stress_testing/fault/proxy/toxiproxy_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

namespace stress_run {

int run_proxy(const proxy_settings& s) {
  namespace fault = stress_testing::fault;
  using address = std::optional<std::pair<std::string, std::uint16_t>>;
  // An address option: nullopt when not given; false (after saying why) when it is not HOST:PORT;
  // `connect`: an address to connect to, whose port cannot be 0.
  auto read_address = [](const std::string& text, const char* flag, const char* example, address& out,
                         bool connect = false) {
    if (text.empty()) return true;
    out = parse_listen(text);
    if (out && (!connect || out->second != 0)) return true;
    std::cerr << "stress-run: " << flag << " '" << text << "': expected address:port, e.g. " << example << '\n';
    return false;
  };
  address listen, upstream, control, toxiproxy_api;
  if (!read_address(s.listen, "--listen", "127.0.0.1:9000", listen) ||
      !read_address(s.upstream, "--upstream", "127.0.0.1:8080", upstream, true) ||
      !read_address(s.control, "--control", "127.0.0.1:9001", control) ||
      !read_address(s.toxiproxy_api, "--toxiproxy-api", "127.0.0.1:8474", toxiproxy_api))
    return usage_error;
  if (!listen) listen.emplace("127.0.0.1", 0);
  if (!upstream && !toxiproxy_api) {
    std::cerr << "stress-run: proxy: --upstream is required (or --toxiproxy-api, whose clients create proxies)\n";
    return usage_error;
  }
  if (!upstream && (!s.faults.empty() || control)) {
    std::cerr << "stress-run: --fault and --control need --upstream (with --toxiproxy-api, add toxics over the API)\n";
    return usage_error;
  }
  std::vector<fault::fault_spec> faults;
  for (auto const& text : s.faults) {
    std::vector<std::string> problems;
    auto f = fault::parse_fault_text(text, problems);
    if (!f) {
      for (auto const& p : problems) std::cerr << "stress-run: --fault '" << text << "': " << p << '\n';
      return usage_error;
    }
    faults.push_back(std::move(*f));
  }

  boost::asio::io_context io(1);
  fault::proxy_options o;
  o.listen_host = listen->first;
  o.listen_port = listen->second;
  o.mode = s.http ? fault::proxy_mode::http : fault::proxy_mode::tcp;
  o.seed = s.seed;
  o.allow_non_loopback = s.allow_remote;
  std::optional<fault::proxy> proxy;
  std::optional<fault::control_server> control_server;
  std::optional<fault::toxiproxy_server> toxiproxy_server;
  try {
    if (toxiproxy_api) {
      fault::toxiproxy_server_options t;
      t.listen_host = toxiproxy_api->first;
      t.listen_port = toxiproxy_api->second;
      t.allow_non_loopback = s.allow_remote;
      t.proxy = o;  // mode, seed and the loopback rule of every proxy its clients create
      toxiproxy_server.emplace(io.get_executor(), t);
    }
    if (upstream) {
      o.upstream_host = upstream->first;
      o.upstream_port = upstream->second;
      proxy.emplace(io.get_executor(), o);
    }
    for (auto& f : faults) proxy->add_fault(std::move(f));
    if (control) {
      fault::control_server_options c;
      c.listen_host = control->first;
      c.listen_port = control->second;
      c.allow_non_loopback = s.allow_remote;
      control_server.emplace(io.get_executor(), *proxy, c);
    }
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  if (proxy) {
    auto const bound = proxy->local_endpoint();
    std::printf("fault proxy (%s) on %s:%u -> %s:%u\n", s.http ? "http" : "tcp", bound.address().to_string().c_str(),
                static_cast<unsigned>(bound.port()), upstream->first.c_str(), static_cast<unsigned>(upstream->second));
  }
  if (control_server) {
    auto const c = control_server->local_endpoint();
    std::printf("control API on http://%s:%u/faults\n", c.address().to_string().c_str(),
                static_cast<unsigned>(c.port()));
  }
  if (toxiproxy_server) {
    auto const t = toxiproxy_server->local_endpoint();
    std::printf("Toxiproxy API on http://%s:%u/proxies\n", t.address().to_string().c_str(),
                static_cast<unsigned>(t.port()));
  }
  if (proxy)
    for (auto const& f : proxy->faults()) std::printf("fault %s\n", fault::to_json(f).dump().c_str());
  std::printf("Ctrl-C stops\n");
  std::fflush(stdout);
  if (proxy) proxy->start();
  if (control_server) control_server->start();
  if (toxiproxy_server) toxiproxy_server->start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    if (proxy) proxy->stop();
    if (control_server) control_server->stop();
    if (toxiproxy_server) toxiproxy_server->stop();
  });
  io.run();
  return passed;
}

proxy_chain_site start_proxy_chain(const std::string& target_url, bool allow_remote, std::uint64_t seed) {
  namespace fault = stress_testing::fault;
  auto chain = std::make_shared<fault::proxy_chain>(target_url, allow_remote, seed);
  proxy_chain_site s;
  s.url = chain->url();
  // The site refers to the chain; its deleter keeps the chain alive until the site is gone.
  s.site = std::shared_ptr<fault::failure_site>(new fault::proxy_failure_site(*chain),
                                                [chain](fault::failure_site* p) { delete p; });
  return s;
}

}  // namespace stress_run
