// `stress-run dashboard --follow URL...`: one live dashboard for a sharded run (docs/sharding.md).
// Polls every shard's live page (`GET URL/api/snapshot`, shards started with `--dashboard`),
// merges what they have published (stress_testing/dashboard/follow.hpp) and serves the whole
// run's live page; when every shard has finished, the merged results (results.json, report.html
// with `--out`) - the same document as `stress-run merge`.
#ifndef STRESS_RUN_CMD_FOLLOW_HPP
#define STRESS_RUN_CMD_FOLLOW_HPP

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace stress_run {

struct follow_settings {
  std::vector<std::string> urls;  ///< the shards' dashboards, e.g. http://127.0.0.1:8091
  std::string listen = "127.0.0.1:8090";
  std::string out;               ///< "" = write nothing; else OUT/results.json and OUT/report.html
  double poll_seconds = 1.0;
  double linger_seconds = 0;     ///< keep serving the merged results this long at the end
  double give_up_seconds = 300;  ///< stop when no shard has answered for this long

  void add_to(CLI::App& app) {
    // Without --follow, `stress-run dashboard` is the run supervisor (cmd_supervise.hpp).
    app.add_option("--follow", urls, "the shards' live dashboards (http://127.0.0.1:PORT, loopback), in any order")
        ->expected(1, 4096);
    app.add_option("--listen", listen, "HOST:PORT of the live page (loopback)");
    app.add_option("--out", out,
                   "--follow: directory for the merged results.json and report.html when every shard ends; "
                   "run supervisor: where each run writes run-ID-SCENARIO/ (default stress-results)");
    app.add_option("--poll", poll_seconds, "seconds between two reads of the shards, 0.05..60")
        ->check(CLI::Range(0.05, 60.0));
    app.add_option("--linger", linger_seconds, "seconds to keep serving the merged results at the end, 0..86400")
        ->check(CLI::Range(0.0, 86400.0));
    app.add_option("--give-up", give_up_seconds, "stop (exit 1) when no shard has answered for this many seconds")
        ->check(CLI::Range(1.0, 86400.0));
  }
};

/// Follows until every shard has finished, Ctrl-C, or --give-up (cmd_follow.cpp). Exit codes as
/// stress-run's: the merged run's verdict, 1 when it stopped before every shard finished.
int run_follow(const follow_settings& s);

}  // namespace stress_run

#endif
