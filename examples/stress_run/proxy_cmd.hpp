#ifndef STRESS_RUN_PROXY_CMD_HPP
#define STRESS_RUN_PROXY_CMD_HPP

// `stress-run proxy`: the fault proxy (include/stress_testing/fault/proxy.hpp) as a stand-alone
// process, like `toxiproxy-server` with its toxics given on the command line and, optionally, its
// control API on a loopback port (docs/fault_proxy.md):
//
//   stress-run proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:8080 [--http]
//                    [--control 127.0.0.1:9001] [--fault latency:downstream:latency_ms=100]...
//                    [--seed N] [--allow-remote]

#include "cli_util.hpp"

#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/control_server.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace stress_run {

struct proxy_settings {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  bool http = false;
  std::string control;
  std::vector<std::string> faults;
  std::uint64_t seed = 1;
  bool allow_remote = false;

  void add_to(CLI::App& app) {
    app.add_option("--listen", listen, "address:port the clients connect to (port 0: any free port)");
    app.add_option("--upstream", upstream, "address:port of the server behind the proxy")->required();
    app.add_flag("--http", http, "parse HTTP/1.1 (enables http_status, fail_first and http_delay faults)");
    app.add_option("--control", control, "address:port of the HTTP control API (docs/fault_proxy.md)");
    app.add_option("--fault", faults,
                   "TYPE[:STREAM][:KEY=VALUE,...], repeatable, e.g. latency:downstream:latency_ms=100,jitter_ms=10");
    app.add_option("--seed", seed, "seed of toxicity, jitter, slicing and http_status decisions");
    app.add_flag("--allow-remote", allow_remote, "allow non-loopback listen or upstream addresses");
  }
};

/// Runs the proxy until SIGINT/SIGTERM. Exit codes as stress-run's: 2 for a usage error.
inline int run_proxy(const proxy_settings& s) {
  namespace fault = stress_testing::fault;
  auto const listen = parse_listen(s.listen);
  if (!listen) {
    std::cerr << "stress-run: --listen '" << s.listen << "': expected address:port, e.g. 127.0.0.1:9000\n";
    return 2;
  }
  auto const upstream = parse_listen(s.upstream);
  if (!upstream || upstream->second == 0) {
    std::cerr << "stress-run: --upstream '" << s.upstream << "': expected address:port, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  std::optional<std::pair<std::string, std::uint16_t>> control;
  if (!s.control.empty()) {
    control = parse_listen(s.control);
    if (!control) {
      std::cerr << "stress-run: --control '" << s.control << "': expected address:port, e.g. 127.0.0.1:9001\n";
      return 2;
    }
  }
  std::vector<fault::fault_spec> faults;
  for (auto const& text : s.faults) {
    std::vector<std::string> problems;
    auto f = fault::parse_fault_text(text, problems);
    if (!f) {
      for (auto const& p : problems) std::cerr << "stress-run: --fault '" << text << "': " << p << '\n';
      return 2;
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
    return 2;
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
  return 0;
}

}  // namespace stress_run

#endif
