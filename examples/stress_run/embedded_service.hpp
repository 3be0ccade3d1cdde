// The sample fraud-detection service (examples/fraud_service) inside stress-run: started on a
// loopback port on its own thread for `scenario --target embedded`, or in the foreground for
// `serve-fraud`.
#ifndef STRESS_RUN_EMBEDDED_SERVICE_HPP
#define STRESS_RUN_EMBEDDED_SERVICE_HPP

#include "cli_util.hpp"

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stress_run {

/// The sample service on 127.0.0.1 (ephemeral port), served by one thread of its own.
class embedded_service {
 public:
  /// `max_concurrency` 0 keeps the service's default.
  embedded_service(std::size_t max_concurrency, std::uint64_t seed) {
    fraud_service::service_options o;
    if (max_concurrency != 0) o.max_concurrency = max_concurrency;
    o.seed = seed;
    server_.emplace(io_, o);
    endpoint_ = server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~embedded_service() {
    server_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  embedded_service(const embedded_service&) = delete;
  embedded_service& operator=(const embedded_service&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(endpoint_.port()) + "/v1/transactions/score";
  }
  fraud_service::server& server() { return *server_; }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::optional<fraud_service::server> server_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::thread thread_;
};

struct serve_settings {
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 1;
  std::size_t max_concurrency = 0;
  std::size_t max_queue = 0;
  std::uint64_t seed = 1;

  void add_to(CLI::App& app) {
    app.add_option("--listen", listen, "address:port (loopback only)");
    app.add_option("--threads", threads, "threads serving the one io_context")->check(CLI::Range(1, 64));
    app.add_option("--max-concurrency", max_concurrency, "processing slots (0: default)");
    app.add_option("--max-queue", max_queue, "requests waiting for a slot before 503 (0: default)");
    app.add_option("--seed", seed, "seed of the agents' latencies and failures");
  }
};

/// `stress-run serve-fraud`: serves until SIGINT/SIGTERM. Exit codes as stress-run's.
inline int run_serve(const serve_settings& s) {
  auto const hp = parse_listen(s.listen);
  boost::system::error_code ec;
  auto const address = hp ? boost::asio::ip::make_address(hp->first, ec) : boost::asio::ip::address{};
  if (!hp || ec) {
    std::cerr << "stress-run: --listen '" << s.listen << "': expected address:port, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  fraud_service::service_options o;
  o.listen = {address, hp->second};
  if (s.max_concurrency != 0) o.max_concurrency = s.max_concurrency;
  if (s.max_queue != 0) o.max_queue = s.max_queue;
  o.seed = s.seed;
  if (auto problems = o.validate(); !problems.empty()) {
    for (auto const& p : problems) std::cerr << "stress-run: " << stress_testing::to_string(p) << '\n';
    return 2;
  }
  boost::asio::io_context io(static_cast<int>(s.threads));
  fraud_service::server server(io, o);
  boost::asio::ip::tcp::endpoint bound;
  try {
    bound = server.start();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return 2;
  }
  std::printf("fraud service on http://%s:%u/v1/transactions/score (capacity ~%.0f TPS); Ctrl-C stops\n",
              bound.address().to_string().c_str(), static_cast<unsigned>(bound.port()), server.nominal_capacity_tps());
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { server.stop(); });
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < s.threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace stress_run

#endif
