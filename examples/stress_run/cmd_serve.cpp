// `stress-run serve-fraud` (cmd_serve.hpp).

#include "cmd_serve.hpp"

#include "app.hpp"
#include "cli_util.hpp"

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

namespace stress_run {

int run_serve(const serve_settings& s) {
  auto const hp = parse_listen(s.listen);
  boost::system::error_code ec;
  auto const address = hp ? boost::asio::ip::make_address(hp->first, ec) : boost::asio::ip::address{};
  if (!hp || ec) {
    std::cerr << "stress-run: --listen '" << s.listen << "': expected address:port, e.g. 127.0.0.1:8080\n";
    return usage_error;
  }
  fraud_service::service_options o;
  o.listen = {address, hp->second};
  if (s.max_concurrency != 0) o.max_concurrency = s.max_concurrency;
  if (s.max_queue != 0) o.max_queue = s.max_queue;
  o.seed = s.seed;
  if (!s.autoscale.apply(o, s.max_concurrency != 0)) return usage_error;
  if (auto problems = o.validate(); !problems.empty()) {
    for (auto const& p : problems) std::cerr << "stress-run: " << stress_testing::to_string(p) << '\n';
    return usage_error;
  }
  boost::asio::io_context io(static_cast<int>(s.threads));
  fraud_service::server server(io, o);
  boost::asio::ip::tcp::endpoint bound;
  try {
    bound = server.start();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  std::printf("fraud service on http://%s:%u/v1/transactions/score (capacity ~%.0f TPS", bound.address().to_string().c_str(),
              static_cast<unsigned>(bound.port()), server.nominal_capacity_tps());
  if (auto const& a = o.autoscaling; a.enabled)
    std::printf(" at %zu slots, autoscaling %zu..%zu at %.0f%% utilization", o.max_concurrency, a.min_slots, a.max_slots,
                100 * a.threshold);
  std::printf("); Ctrl-C stops\n");
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { server.stop(); });
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < s.threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return passed;
}

}  // namespace stress_run
