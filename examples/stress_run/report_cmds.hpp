// stress-run's exporter subcommands (docs/exporters.md), on results.json files of finished runs:
//
//   stress-run compare BASE.json NEW.json [--threshold metric=+10%]... [--junit out.xml]
//   stress-run junit RESULTS.json [-o out.xml]
//   stress-run metrics RESULTS.json          Prometheus text exposition on stdout
//
// Exit codes as elsewhere in stress-run: 0 fine, 99 compare found a regression, 2 bad input (the
// message names the file and the field), 1 an output file could not be written.
#ifndef STRESS_RUN_REPORT_CMDS_HPP
#define STRESS_RUN_REPORT_CMDS_HPP

#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/prometheus.hpp>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace stress_run {

/// The command lines of `compare`, `junit` and `metrics`, and what they do.
struct exporter_commands {
  static constexpr int ok = 0, write_error = 1, bad_input = 2, regression = 99;

  CLI::App* compare_cmd = nullptr;
  CLI::App* junit_cmd = nullptr;
  CLI::App* metrics_cmd = nullptr;
  std::string base, current, results, junit_out, out;
  std::vector<std::string> thresholds;

  /// Adds the three subcommands to `app`.
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
  }

  /// The exit code when one of the subcommands was given, nullopt otherwise.
  std::optional<int> run() const {
    if (compare_cmd && compare_cmd->parsed()) return run_compare();
    if (junit_cmd && junit_cmd->parsed()) return run_junit();
    if (metrics_cmd && metrics_cmd->parsed()) return run_metrics();
    return std::nullopt;
  }

 private:
  /// Reads a results document; prints "stress-run: FILE: why" and returns nullopt on failure.
  static std::optional<nlohmann::json> load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "stress-run: " << path << ": cannot open\n";
      return std::nullopt;
    }
    try {
      auto doc = nlohmann::json::parse(in);
      if (!doc.is_object() || doc.value("schema", std::string()) != "stress_testing.results") {
        std::cerr << "stress-run: " << path << ": field \"schema\" is not \"stress_testing.results\"\n";
        return std::nullopt;
      }
      return doc;
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << path << ": not valid JSON: " << e.what() << '\n';
      return std::nullopt;
    }
  }

  static bool write(const std::string& path, const std::string& text) {
    try {
      stress_testing::detail::write_file_atomically(path, text);
      return true;
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << e.what() << '\n';
      return false;
    }
  }

  int run_compare() const {
    namespace rp = stress_testing::report;
    auto rules = rp::default_compare_rules();
    for (auto const& t : thresholds) {
      std::string why;
      if (!rp::apply_threshold_override(rules, t, why)) {
        std::cerr << "stress-run: --threshold " << why << '\n';
        return bad_input;
      }
    }
    auto const b = load(base);
    if (!b) return bad_input;
    auto const n = load(current);
    if (!n) return bad_input;
    rp::comparison c;
    try {
      c = rp::compare_results(*b, *n, rules);
    } catch (const std::exception& e) {
      // The library names the document "base" or "new"; the user knows it by its file name.
      std::string msg = e.what();
      if (msg.starts_with("base: ")) msg = base + msg.substr(4);
      else if (msg.starts_with("new: ")) msg = current + msg.substr(3);
      std::cerr << "stress-run: " << msg << '\n';
      return bad_input;
    }
    std::fputs(rp::format_comparison(c).c_str(), stdout);
    if (!junit_out.empty() && !write(junit_out, rp::to_junit(c))) return write_error;
    return c.regression() ? regression : ok;
  }

  int run_junit() const {
    auto const doc = load(results);
    if (!doc) return bad_input;
    std::string xml;
    try {
      xml = stress_testing::report::to_junit(*doc);
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << results << ": " << e.what() << '\n';
      return bad_input;
    }
    if (out.empty()) {
      std::fputs(xml.c_str(), stdout);
      return ok;
    }
    return write(out, xml) ? ok : write_error;
  }

  int run_metrics() const {
    auto const doc = load(results);
    if (!doc) return bad_input;
    try {
      std::fputs(stress_testing::report::to_prometheus(*doc).c_str(), stdout);
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << results << ": " << e.what() << '\n';
      return bad_input;
    }
    return ok;
  }
};

}  // namespace stress_run

#endif
