// stress-run's output subcommands, on results.json files of finished runs:
//
//   stress-run report RESULTS.json [-o report.html]     the static HTML report (docs/dashboard.md)
//   stress-run compare BASE.json NEW.json [--threshold metric=+10%]... [--junit out.xml]
//   stress-run junit RESULTS.json [-o out.xml]
//   stress-run metrics RESULTS.json                     Prometheus text exposition on stdout
//   stress-run merge OUT [-o DIR]                       one run from its shards' results
//   stress-run percentiles RESULTS.json|LOG.hlog|HIST   HdrHistogram's .hgrm percentile table on stdout
//
// Exit codes as elsewhere in stress-run: 0 fine, 99 compare found a regression, 2 bad input (the
// message names the file and the field), 1 an output file could not be written.
#ifndef STRESS_RUN_CMD_OUTPUTS_HPP
#define STRESS_RUN_CMD_OUTPUTS_HPP

#include "app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace stress_run {

/// Adds `report` to `app`, its arguments bound to `ctx.report_args`.
inline CLI::App* add_report_command(CLI::App& app, app_context& ctx) {
  auto& settings = ctx.report_args;
  auto* cmd = app.add_subcommand("report", "write the HTML report (the dashboard, offline) of a results.json");
  cmd->add_option("results", settings.results, "results.json of a run")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", settings.out, "the HTML file to write (default: report.html next to the results)");
  return cmd;
}

/// Adds `--hdr-log FILE` (a run's output) to a run subcommand (quick mode, `scenario`).
inline void add_hdr_log_option(CLI::App& app, app_context& ctx) {
  app.add_option("--hdr-log", ctx.hdr_log_file,
                 "also write each interval's response-time histogram as an HdrHistogram interval log "
                 "(format 1.3; Interval_Max in ms) for HistogramLogAnalyzer, hdr-plot, `stress-run percentiles`");
}

/// `stress-run report`.
int run_report_command(const app_context& ctx);

/// The command lines of `compare`, `junit`, `metrics`, `percentiles` and `merge`, and what they do.
struct exporter_commands {
  CLI::App* compare_cmd = nullptr;
  CLI::App* junit_cmd = nullptr;
  CLI::App* metrics_cmd = nullptr;
  CLI::App* merge_cmd = nullptr;
  CLI::App* percentiles_cmd = nullptr;
  std::string base, current, results, junit_out, out;
  std::vector<std::string> thresholds;
  std::vector<std::string> shard_results;  ///< merge: directories (their shard-*/results.json) or files
  std::string histogram_name = "response_time";  ///< percentiles: which histogram of a results.json
  int ticks = 5;                                 ///< percentiles: ticks per half distance
  double scale = 1'000'000;                      ///< percentiles: value divisor (ns -> ms)

  /// Adds the subcommands to `app`.
  void add_to(CLI::App& app) {
    compare_cmd = app.add_subcommand("compare", "compare two results.json files; exit 99 on a regression");
    compare_cmd->add_option("base", base, "results.json of the reference run")->required();
    compare_cmd->add_option("new", current, "results.json of the run to judge")->required();
    compare_cmd->add_option("--threshold", thresholds,
                            "metric=+10% (relative), metric=+5 (absolute, metric's unit) or metric=+10%,+5; "
                            "repeatable; replaces that metric's default threshold");
    compare_cmd->add_option("--junit", junit_out, "also write the comparison as JUnit XML to this file");

    junit_cmd = app.add_subcommand("junit", "convert a results.json to JUnit XML (one testcase per criterion)");
    junit_cmd->add_option("results", results, "results.json of a run")->required();
    junit_cmd->add_option("-o,--out", out, "output file (default: stdout)");

    metrics_cmd = app.add_subcommand("metrics", "print a results.json as Prometheus text exposition (0.0.4)");
    metrics_cmd->add_option("results", results, "results.json of a run")->required();

    merge_cmd = app.add_subcommand("merge", "merge the results of a sharded run (docs/sharding.md): exit as the run would");
    merge_cmd->add_option("results", shard_results,
                          "the --out directory of the shards (reads its shard-*/results.json), or their results.json files")
        ->required();
    merge_cmd->add_option("-o,--out", out, "where to write the merged results.json, junit.xml and report.html "
                                           "(default: the first directory given)");
    percentiles_cmd = app.add_subcommand(
        "percentiles", "print HdrHistogram's percentile distribution (.hgrm) of a results.json, of an HdrHistogram "
                       "interval log (every interval merged) or of one base64 HdrHistogram");
    percentiles_cmd->add_option("file", results, "results.json, an interval log (--hdr-log), or a base64 histogram")
        ->required();
    percentiles_cmd->add_option("--histogram", histogram_name, "of a results.json: response_time, service_time or send_lag")
        ->check(CLI::IsMember({"response_time", "service_time", "send_lag"}));
    percentiles_cmd->add_option("--ticks", ticks, "percentile ticks per half distance (HdrHistogram's default: 5)")
        ->check(CLI::Range(1, 1000));
    percentiles_cmd->add_option("--scale", scale,
                                "divide values by this (default 1000000: our nanoseconds printed as milliseconds)")
        ->check(CLI::PositiveNumber);
  }

  /// The exit code when one of the subcommands was given, nullopt otherwise (cmd_outputs.cpp).
  std::optional<int> run() const;
};

}  // namespace stress_run

#endif
