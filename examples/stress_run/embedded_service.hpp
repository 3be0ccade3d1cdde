// The sample fraud-detection service (examples/fraud_service) inside stress-run: started on a
// loopback port on its own thread for `scenario --target embedded` (`serve-fraud`, in the
// foreground, is cmd_serve.cpp).
#ifndef STRESS_RUN_EMBEDDED_SERVICE_HPP
#define STRESS_RUN_EMBEDDED_SERVICE_HPP

#include "autoscale_settings.hpp"

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace stress_run {

/// The sample service on 127.0.0.1 (ephemeral port), served by one thread of its own.
class embedded_service {
 public:
  /// `max_concurrency` 0 keeps the service's default.
  embedded_service(std::size_t max_concurrency, std::uint64_t seed)
      : embedded_service(options(max_concurrency, seed)) {}
  /// Any configuration (a known-capacity service: one agent of constant latency).
  explicit embedded_service(const fraud_service::service_options& o) {
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

  /** The service's defaults with `max_concurrency` slots (0: the default), `seed` and the
      autoscaler; nullopt with every problem on stderr (each naming its option or field). */
  static std::optional<fraud_service::service_options> options(std::size_t max_concurrency, std::uint64_t seed,
                                                                const autoscale_settings& autoscale) {
    auto o = options(max_concurrency, seed);
    if (!autoscale.apply(o, max_concurrency != 0)) return std::nullopt;
    auto const problems = o.validate();
    for (auto const& p : problems) std::cerr << "stress-run: the sample service: " << stress_testing::to_string(p) << '\n';
    if (!problems.empty()) return std::nullopt;
    return o;
  }

  /// The service's defaults with `max_concurrency` slots (0: the default) and `seed`.
  static fraud_service::service_options options(std::size_t max_concurrency, std::uint64_t seed) {
    fraud_service::service_options o;
    if (max_concurrency != 0) o.max_concurrency = max_concurrency;
    o.seed = seed;
    return o;
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::optional<fraud_service::server> server_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::thread thread_;
};

}  // namespace stress_run

#endif
