// `stress-run serve-fraud [--listen 127.0.0.1:8080]`: the sample fraud-detection service
// (examples/fraud_service) in the foreground until Ctrl-C.
#ifndef STRESS_RUN_CMD_SERVE_HPP
#define STRESS_RUN_CMD_SERVE_HPP

#include "autoscale_settings.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace stress_run {

struct serve_settings {
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 1;
  std::size_t max_concurrency = 0;
  std::size_t max_queue = 0;
  std::uint64_t seed = 1;
  autoscale_settings autoscale;

  void add_to(CLI::App& app) {
    app.add_option("--listen", listen, "address:port (loopback only)");
    app.add_option("--threads", threads, "threads serving the one io_context")->check(CLI::Range(1, 64));
    app.add_option("--max-concurrency", max_concurrency, "processing slots (0: default)");
    app.add_option("--max-queue", max_queue, "requests waiting for a slot before 503 (0: default)");
    app.add_option("--seed", seed, "seed of the agents' latencies and failures");
    autoscale.add_to(app, "serve-fraud");
  }
};

/// Serves until SIGINT/SIGTERM (cmd_serve.cpp). Exit codes as stress-run's.
int run_serve(const serve_settings& s);

}  // namespace stress_run

#endif
