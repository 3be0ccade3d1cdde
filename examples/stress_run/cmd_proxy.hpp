// `stress-run proxy`: the fault proxy (include/stress_testing/fault/proxy.hpp) as a stand-alone
// process, like `toxiproxy-server` with its toxics given on the command line and, optionally, its
// control API on a loopback port (docs/fault_proxy.md):
//
//   stress-run proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:8080 [--http]
//                    [--control 127.0.0.1:9001] [--fault latency:downstream:latency_ms=100]...
//                    [--seed N] [--allow-remote]
//   stress-run proxy --toxiproxy-api 127.0.0.1:8474 [--http] [--seed N]   Toxiproxy's API, proxies made by clients
#ifndef STRESS_RUN_CMD_PROXY_HPP
#define STRESS_RUN_CMD_PROXY_HPP

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stress_testing::fault {
class failure_site;
}

namespace stress_run {

struct proxy_settings {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  bool http = false;
  std::string control;
  std::string toxiproxy_api;
  std::vector<std::string> faults;
  std::uint64_t seed = 1;
  bool allow_remote = false;

  void add_to(CLI::App& app) {
    app.add_option("--listen", listen, "address:port the clients connect to (port 0: any free port)");
    app.add_option("--upstream", upstream,
                   "address:port of the server behind the proxy (required unless --toxiproxy-api is given)");
    app.add_flag("--http", http, "parse HTTP/1.1 (enables http_status, fail_first and http_delay faults)");
    app.add_option("--control", control, "address:port of the HTTP control API (docs/fault_proxy.md)");
    app.add_option("--toxiproxy-api", toxiproxy_api,
                   "address:port of Toxiproxy's HTTP API (its clients create the proxies; docs/fault_proxy.md)");
    app.add_option("--fault", faults,
                   "TYPE[:STREAM][:KEY=VALUE,...], repeatable, e.g. latency:downstream:latency_ms=100,jitter_ms=10");
    app.add_option("--seed", seed, "seed of toxicity, jitter, slicing and http_status decisions");
    app.add_flag("--allow-remote", allow_remote, "allow non-loopback listen or upstream addresses");
  }
};

/// Runs the proxy until SIGINT/SIGTERM (cmd_proxy.cpp). Exit codes as stress-run's: 2 for a usage error.
int run_proxy(const proxy_settings& s);

/// A fault proxy chain started in front of a target, for `scenario --inject-at proxy`.
struct proxy_chain_site {
  std::string url;  // the target's URL through the chain
  std::shared_ptr<stress_testing::fault::failure_site> site;  // owns the chain (fault/proxy/site.hpp)
};

/** Starts the chain of an HTTP and a TCP fault proxy between the harness and `target_url`, as the
    run's failure site; throws with a message when it cannot. Here rather than in
    cmd_scenario.cpp because GCC 12 emits the proxy's coroutines (static members of an inline
    class) in a way that does not link from two translation units ("defined in discarded
    section"), so every use of fault/proxy.hpp stays in this one. */
proxy_chain_site start_proxy_chain(const std::string& target_url, bool allow_remote, std::uint64_t seed);

}  // namespace stress_run

#endif
