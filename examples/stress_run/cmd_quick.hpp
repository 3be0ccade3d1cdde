// Quick mode: `stress-run URL [--rate N] [--duration 30s] [-c CONNECTIONS] [-t THREADS] ...`,
// wrk's and hey's command line: one URL, a fixed rate (open model) or as fast as the connections
// allow (closed model).
#ifndef STRESS_RUN_CMD_QUICK_HPP
#define STRESS_RUN_CMD_QUICK_HPP

#include "app.hpp"
#include "http_settings.hpp"

#include <string>
#include <vector>

namespace stress_run {

struct quick_settings {
  std::string url;
  double rate = 0;
  std::string duration = "10s";
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string body_file;
};

/// Runs quick mode (cmd_quick.cpp); the process exit code.
int run_quick(app_context& ctx, const quick_settings& q, const http_settings& h);

}  // namespace stress_run

#endif
