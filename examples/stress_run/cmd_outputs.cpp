// stress-run's output subcommands (cmd_outputs.hpp): report, compare, junit, metrics, percentiles.

#include "cmd_outputs.hpp"

#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/metrics/hdr_codec.hpp>
#include <stress_testing/metrics/hdr_log.hpp>
#include <stress_testing/metrics/percentile_output.hpp>
#include <stress_testing/report/histogram_json.hpp>
#include <stress_testing/report/prometheus.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace stress_run {

namespace {

constexpr int ok = passed, write_error = runtime_error, bad_input = usage_error, regression = criterion_failed;

/// Reads a results document; prints "stress-run: FILE: why" and returns nullopt on failure.
std::optional<nlohmann::json> load(const std::string& path) {
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

/** The histogram of an HdrHistogram interval log (every interval merged: its first line that is
    not blank starts with `#`, `"`, a digit or `Tag=`) or of one base64 HdrHistogram (any other
    text). Throws with the reason. */
stress_testing::metrics::histogram read_log_or_histogram(const std::string& content, std::size_t first) {
  namespace m = stress_testing::metrics;
  char const c = content[first];
  if (c == '#' || c == '"' || (c >= '0' && c <= '9') || content.compare(first, 4, "Tag=") == 0) {
    std::istringstream lines(content);
    m::hdr_log_reader reader(lines);
    std::optional<m::histogram> merged;
    while (auto interval = reader.next()) {
      if (!merged) merged.emplace(std::move(interval->h));
      else merged->add(interval->h);
    }
    if (!merged) throw std::invalid_argument("interval log without intervals");
    return std::move(*merged);
  }
  auto const last = content.find_last_not_of(" \t\r\n");
  return m::hdr_codec::from_base64_any(std::string_view(content).substr(first, last - first + 1));
}

/// `stress-run percentiles FILE`: a results document's histogram (`--histogram`), an interval
/// log or one base64 histogram, printed as HdrHistogram's percentile distribution.
int run_percentiles(const exporter_commands& cmd) {
  std::ifstream in(cmd.results, std::ios::binary);
  if (!in) {
    std::cerr << "stress-run: " << cmd.results << ": cannot open\n";
    return bad_input;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string const content = text.str();
  auto const first = content.find_first_not_of(" \t\r\n");
  try {
    if (first == std::string::npos) throw std::invalid_argument("empty file");
    std::optional<stress_testing::metrics::histogram> h;
    if (content[first] == '{') {
      auto const doc = load(cmd.results);
      if (!doc) return bad_input;
      h.emplace(stress_testing::report::read_histogram(*doc, cmd.histogram_name));
    } else {
      h.emplace(read_log_or_histogram(content, first));
    }
    std::fputs(stress_testing::metrics::percentile_distribution_text(*h, cmd.ticks, cmd.scale).c_str(), stdout);
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
  if (percentiles_cmd && percentiles_cmd->parsed()) return run_percentiles(*this);
  return std::nullopt;
}

int run_report_command(const app_context& ctx) {
  auto const results = ctx.report_args.results;
  auto out = ctx.report_args.out;
  if (out.empty()) out = (std::filesystem::path(results).parent_path() / "report.html").string();
  std::ifstream in(results, std::ios::binary);
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::cerr << "stress-run: " << results << " is not a results document (JSON object)\n";
    return usage_error;
  }
  try {
    stress_testing::dashboard::write_report(doc, out);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write " << out << ": " << e.what() << '\n';
    return runtime_error;
  }
  std::printf("report: %s\n", out.c_str());
  return passed;
}

}  // namespace stress_run
