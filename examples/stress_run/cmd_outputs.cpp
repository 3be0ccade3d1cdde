// stress-run's output subcommands (cmd_outputs.hpp): report, compare, junit, metrics, percentiles.

#include "cmd_outputs.hpp"

#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/merge.hpp>
#include <stress_testing/metrics/hdr_codec.hpp>
#include <stress_testing/metrics/hdr_log.hpp>
#include <stress_testing/metrics/percentile_output.hpp>
#include <stress_testing/report/histogram_json.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/report/results_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>
#include <optional>
#include <sstream>
#include <string>

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
  if (!rp::is_results_document(doc)) {
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

/// `merge`: every shard's results.json (directories expand to their shard-*/results.json, in
/// name order), merged into one run's results.json, junit.xml and report.html.
int run_merge(const exporter_commands& cmd) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::string out = cmd.out;
  for (auto const& arg : cmd.shard_results) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      files.push_back(arg);
      continue;
    }
    if (out.empty()) out = arg;
    std::vector<std::string> found;
    for (auto const& e : fs::directory_iterator(arg, ec))
      if (e.is_directory() && e.path().filename().string().starts_with("shard-") && fs::exists(e.path() / "results.json"))
        found.push_back((e.path() / "results.json").string());
    if (found.empty()) {
      std::cerr << "stress-run: merge: " << arg << " has no shard-*/results.json (the shards' --out directory?)\n";
      return bad_input;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (out.empty()) out = ".";
  std::vector<nlohmann::json> parts;
  for (auto const& f : files) {
    auto doc = load(f);
    if (!doc) return bad_input;
    parts.push_back(std::move(*doc));
  }
  namespace st = stress_testing;
  st::run::run_result merged;
  try {
    merged = st::report::merge_results(parts);
  } catch (const std::exception& e) {
    std::string msg = e.what();  // "merge: results K: ..." -> the K-th file's name
    if (auto const k = msg.find("results "); msg.starts_with("merge: results ") && k != std::string::npos) {
      std::size_t const i = std::strtoul(msg.c_str() + k + 8, nullptr, 10);
      if (i >= 1 && i <= files.size()) msg = "merge: " + files[i - 1] + msg.substr(msg.find(':', k));
    }
    std::cerr << "stress-run: " << msg << '\n';
    return bad_input;
  }
  auto const doc = st::report::to_json(merged);
  auto const path = fs::path(out) / "results.json";
  if (!write(path.string(), doc.dump(2) + "\n")) return write_error;
  if (!write((fs::path(out) / "junit.xml").string(), st::report::to_junit(doc))) return write_error;
  try {
    st::dashboard::write_report(doc, fs::path(out) / "report.html");
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write the report: " << e.what() << '\n';
    return write_error;
  }
  auto const& a = merged.accounting;
  std::printf("merged %zu shards (start skew %.3f ms%s): %llu intended, %llu ok; %s\nresults: %s\n",
              merged.merged->parts.size(), merged.merged->start_skew_seconds * 1e3,
              merged.merged->exact_intervals ? "" : "; interval latencies not exact: a shard kept no interval histograms",
              static_cast<unsigned long long>(a.intended), static_cast<unsigned long long>(a.count(st::outcome::ok)),
              merged.status_reason.c_str(), path.c_str());
  return exit_code_for(merged.verdict());
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
  if (merge_cmd && merge_cmd->parsed()) return run_merge(*this);
  if (percentiles_cmd && percentiles_cmd->parsed()) return run_percentiles(*this);
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
