// fraud-service: the sample multi-agent fraud-detection service as a standalone program
// (the service is the stress_testing_fraud_service library, include/fraud_service/; README.md describes it).
//
//   fraud-service [--listen 127.0.0.1:8080] [--threads 1] [--max-concurrency N] [--max-queue N]
//                 [--seed N] [--latency-scale X] [--orchestrator-ms X]
//
// Prints the bound address on stdout, serves until Ctrl-C (or SIGTERM), then stops accepting,
// lets the requests in flight finish, and exits 0. Exit 2 for usage errors, 1 when it cannot
// listen. With --threads N, N threads run one io_context (connections on strands, one shared
// scoring core), so the per-card agent state is the same whatever the thread count.

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace {

/// "127.0.0.1:8080", "[::1]:8080", "localhost:8080".
bool parse_listen(const std::string& text, asio::ip::tcp::endpoint& out, std::string& why) {
  auto const colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    why = "expected HOST:PORT";
    return false;
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    why = "bad port";
    return false;
  }
  boost::system::error_code ec;
  auto const address = asio::ip::make_address(host, ec);
  if (ec) {
    why = "bad address \"" + host + "\"";
    return false;
  }
  out = {address, static_cast<unsigned short>(port)};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fraud-service: the sample multi-agent fraud-detection service (HTTP/1.1, JSON)"};
  fraud_service::service_options options;
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 1;
  double latency_scale = 1;
  bool allow_non_loopback = false;
  app.add_option("--listen", listen, "HOST:PORT to listen on (loopback only unless --allow-non-loopback)")
      ->capture_default_str();
  app.add_option("--threads", threads, "threads running the service")->check(CLI::Range(1u, 256u))->capture_default_str();
  app.add_option("--max-concurrency", options.max_concurrency, "requests processed at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--max-queue", options.max_queue, "requests waiting for a slot before 503")->capture_default_str();
  app.add_option("--seed", options.seed, "seed of the agents' simulated latencies and failures")->capture_default_str();
  app.add_option("--latency-scale", latency_scale,
                 "multiply every agent's median, p99 and budget (0 makes the agents instant)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--orchestrator-ms", options.orchestrator_ms, "orchestrator overhead added to each request")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--allow-non-loopback", allow_non_loopback, "allow listening on a non-loopback address");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::string why;
  if (!parse_listen(listen, options.listen, why)) {
    std::cerr << "fraud-service: --listen " << listen << ": " << why << '\n';
    return 2;
  }
  options.allow_non_loopback = allow_non_loopback;
  for (auto& a : options.agents) {
    a.median_ms *= latency_scale;
    a.p99_ms *= latency_scale;
    // A budget of 0 would be invalid; instant agents keep a token budget and never miss it.
    a.budget_ms = latency_scale > 0 ? a.budget_ms * latency_scale : 1.0;
  }

  asio::io_context io(static_cast<int>(threads));
  std::optional<fraud_service::server> server;
  try {
    server.emplace(io, options);
  } catch (const std::exception& e) {
    std::cerr << "fraud-service: " << e.what() << '\n';
    return 2;
  }
  boost::system::error_code ec;
  auto const bound = server->start(ec);
  if (ec) {
    std::cerr << "fraud-service: cannot listen on " << listen << ": " << ec.message() << '\n';
    return 1;
  }
  std::printf("fraud-service listening on http://%s:%u  (%u thread%s, max concurrency %zu, max queue %zu, "
              "nominal capacity %.0f TPS)\n",
              bound.address().to_string().c_str(), static_cast<unsigned>(bound.port()), threads,
              threads == 1 ? "" : "s", options.max_concurrency, options.max_queue, server->nominal_capacity_tps());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code e, int) {
    if (e) return;
    std::fprintf(stderr, "fraud-service: stopping (finishing requests in flight)\n");
    server->stop();
  });

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  try {
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "fraud-service: " << e.what() << '\n';
    io.stop();
    for (auto& t : pool) t.join();
    return 1;
  }
  for (auto& t : pool) t.join();
  auto const s = server->stats();
  std::fprintf(stderr, "fraud-service: %llu scored (approve %llu, review %llu, decline %llu), %llu throttled\n",
               static_cast<unsigned long long>(s.count(200)), static_cast<unsigned long long>(s.approved),
               static_cast<unsigned long long>(s.reviewed), static_cast<unsigned long long>(s.declined),
               static_cast<unsigned long long>(s.count(503)));
  return 0;
}
