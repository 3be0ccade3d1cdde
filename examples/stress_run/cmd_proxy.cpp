// `stress-run proxy` (cmd_proxy.hpp).

#include "cmd_proxy.hpp"

#include "app.hpp"
#include "cli_util.hpp"

#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/control_server.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>
#include <stress_testing/fault/proxy/site.hpp>

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
  auto const listen = parse_listen(s.listen);
  if (!listen) {
    std::cerr << "stress-run: --listen '" << s.listen << "': expected address:port, e.g. 127.0.0.1:9000\n";
    return usage_error;
  }
  auto const upstream = parse_listen(s.upstream);
  if (!upstream || upstream->second == 0) {
    std::cerr << "stress-run: --upstream '" << s.upstream << "': expected address:port, e.g. 127.0.0.1:8080\n";
    return usage_error;
  }
  std::optional<std::pair<std::string, std::uint16_t>> control;
  if (!s.control.empty()) {
    control = parse_listen(s.control);
    if (!control) {
      std::cerr << "stress-run: --control '" << s.control << "': expected address:port, e.g. 127.0.0.1:9001\n";
      return usage_error;
    }
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
  o.upstream_host = upstream->first;
  o.upstream_port = upstream->second;
  o.mode = s.http ? fault::proxy_mode::http : fault::proxy_mode::tcp;
  o.seed = s.seed;
  o.allow_non_loopback = s.allow_remote;
  std::optional<fault::proxy> proxy;
  std::optional<fault::control_server> control_server;
  try {
    proxy.emplace(io.get_executor(), o);
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
  auto const bound = proxy->local_endpoint();
  std::printf("fault proxy (%s) on %s:%u -> %s:%u\n", s.http ? "http" : "tcp", bound.address().to_string().c_str(),
              static_cast<unsigned>(bound.port()), upstream->first.c_str(), static_cast<unsigned>(upstream->second));
  if (control_server) {
    auto const c = control_server->local_endpoint();
    std::printf("control API on http://%s:%u/faults\n", c.address().to_string().c_str(),
                static_cast<unsigned>(c.port()));
  }
  for (auto const& f : proxy->faults()) std::printf("fault %s\n", fault::to_json(f).dump().c_str());
  std::printf("Ctrl-C stops\n");
  std::fflush(stdout);
  proxy->start();
  if (control_server) control_server->start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    proxy->stop();
    if (control_server) control_server->stop();
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
