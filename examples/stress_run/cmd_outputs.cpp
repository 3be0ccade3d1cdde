// stress-run's output subcommands (cmd_outputs.hpp): report, compare, junit, metrics.

#include "cmd_outputs.hpp"

#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/report/results_json.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace stress_run {

namespace {

constexpr int ok = passed, write_error = runtime_error, bad_input = usage_error, regression = criterion_failed;

/// Reads a results document (bounded: detail/bounded_json.hpp) and checks its identity and
/// version; prints "stress-run: FILE: why" and returns nullopt on failure.
std::optional<nlohmann::json> load(const std::string& path) {
  namespace rp = stress_testing::report;
  nlohmann::json doc;
  try {
    doc = stress_testing::detail::read_bounded_json_file(path);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return std::nullopt;
  }
  if (!doc.is_object() || doc.value("schema", std::string()) != rp::results_schema) {
    std::cerr << "stress-run: " << path << ": field \"schema\" is not \"" << rp::results_schema
              << "\": not a results document\n";
    return std::nullopt;
  }
  auto const version = doc.find("schema_version");
  if (version == doc.end() || !version->is_number_integer() || version->get<std::int64_t>() < 1 ||
      version->get<std::int64_t>() > rp::results_schema_version) {
    std::cerr << "stress-run: " << path << ": field \"schema_version\" must be an integer from 1 to "
              << rp::results_schema_version << " (this stress-run's), got "
              << (version == doc.end() ? std::string("nothing") : version->dump()) << '\n';
    return std::nullopt;
  }
  return doc;
}

bool write(const std::string& path, const std::string& text) {
  try {
    stress_testing::detail::write_file_atomically(path, text);
    return true;
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return false;
  }
}

int run_compare(const exporter_commands& cmd) {
  namespace rp = stress_testing::report;
  auto rules = rp::default_compare_rules();
  for (auto const& t : cmd.thresholds) {
    std::string why;
    if (!rp::apply_threshold_override(rules, t, why)) {
      std::cerr << "stress-run: --threshold " << why << '\n';
      return bad_input;
    }
  }
  auto const b = load(cmd.base);
  if (!b) return bad_input;
  auto const n = load(cmd.current);
  if (!n) return bad_input;
  rp::comparison c;
  try {
    c = rp::compare_results(*b, *n, rules);
  } catch (const std::exception& e) {
    // The library names the document "base" or "new"; the user knows it by its file name.
    std::string msg = e.what();
    if (msg.starts_with("base: ")) msg = cmd.base + msg.substr(4);
    else if (msg.starts_with("new: ")) msg = cmd.current + msg.substr(3);
    std::cerr << "stress-run: " << msg << '\n';
    return bad_input;
  }
  std::fputs(rp::format_comparison(c).c_str(), stdout);
  if (!cmd.junit_out.empty() && !write(cmd.junit_out, rp::to_junit(c))) return write_error;
  return c.regression() ? regression : ok;
}

int run_junit(const exporter_commands& cmd) {
  auto const doc = load(cmd.results);
  if (!doc) return bad_input;
  std::string xml;
  try {
    xml = stress_testing::report::to_junit(*doc);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << cmd.results << ": " << e.what() << '\n';
    return bad_input;
  }
  if (cmd.out.empty()) {
    std::fputs(xml.c_str(), stdout);
    return ok;
  }
  return write(cmd.out, xml) ? ok : write_error;
}

int run_metrics(const exporter_commands& cmd) {
  auto const doc = load(cmd.results);
  if (!doc) return bad_input;
  try {
    std::fputs(stress_testing::report::to_prometheus(*doc).c_str(), stdout);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << cmd.results << ": " << e.what() << '\n';
    return bad_input;
  }
  return ok;
}

}  // namespace

std::optional<int> exporter_commands::run() const {
  if (compare_cmd && compare_cmd->parsed()) return run_compare(*this);
  if (junit_cmd && junit_cmd->parsed()) return run_junit(*this);
  if (metrics_cmd && metrics_cmd->parsed()) return run_metrics(*this);
  return std::nullopt;
}

int run_report_command(const app_context& ctx) {
  auto const results = ctx.report_args.results;
  auto out = ctx.report_args.out;
  if (out.empty()) out = (std::filesystem::path(results).parent_path() / "report.html").string();
  auto doc = load(results);
  if (!doc) return usage_error;
  try {
    stress_testing::dashboard::write_report(*doc, out);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write " << out << ": " << e.what() << '\n';
    return runtime_error;
  }
  std::printf("report: %s\n", out.c_str());
  return passed;
}

}  // namespace stress_run
