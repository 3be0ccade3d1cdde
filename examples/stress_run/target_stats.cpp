// add_target_stats (target_stats.hpp): the only user of the stats probe in stress-run, so the
// probe's HTTP client is compiled once, here.

#include "target_stats.hpp"

#include <stress_testing/metrics/process_usage.hpp>
#include <stress_testing/target/http/stats_probe.hpp>
#include <stress_testing/target/http/url.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace stress_run {

namespace st = stress_testing;

bool add_target_stats(const target_stats_settings& s, const std::string& target_url, bool embedded,
                      bool allow_non_loopback, st::run::run_options& options) {
  if (s.pid != 0) {
    std::string path = "/proc/" + std::to_string(s.pid) + "/statm";
    if (!st::metrics::read_resident_bytes(path.c_str())) {
      std::fprintf(stderr, "stress-run: --target-pid %llu: %s cannot be read (no such process, or no /proc)\n",
                   static_cast<unsigned long long>(s.pid), path.c_str());
      return false;
    }
    options.target_resident_bytes = [path] { return st::metrics::read_resident_bytes(path.c_str()); };
    options.target_resident_source = path;
    std::fprintf(stderr, "target memory: %s\n", path.c_str());
  }
  if (s.capacity_prometheus.empty() != s.capacity_query.empty()) {
    std::fprintf(stderr, "stress-run: --capacity-prometheus and --capacity-query go together\n");
    return false;
  }
  if (!s.capacity_prometheus.empty() && !s.capacity_header.empty()) {
    std::fprintf(stderr, "stress-run: --capacity-prometheus and --capacity-header: give one source of the target's capacity\n");
    return false;
  }
  if (!s.capacity_url.empty() && s.capacity_header.empty()) {
    std::fprintf(stderr, "stress-run: --capacity-url needs --capacity-header (the header to read there)\n");
    return false;
  }
  // One reading now: a source that cannot answer is a usage error, not a run of failed polls.
  auto use_capacity = [&options](auto probe, const std::string& option, std::string source) {
    std::string error;
    if (!probe->read(error)) {
      std::fprintf(stderr, "stress-run: %s: %s\n", option.c_str(), error.c_str());
      return false;
    }
    options.target_capacity = [probe](std::string& e) { return probe->read(e); };
    options.target_capacity_source = std::move(source);
    std::fprintf(stderr, "target capacity: %s every interval\n", options.target_capacity_source.c_str());
    return true;
  };
  if (!s.capacity_prometheus.empty()) {
    std::shared_ptr<st::target::http::prometheus_probe> prometheus;
    try {
      prometheus = std::make_shared<st::target::http::prometheus_probe>(
          s.capacity_prometheus, s.capacity_query,
          st::target::http::stats_probe_options{std::chrono::milliseconds(500), 256 * 1024, allow_non_loopback});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stress-run: --capacity-prometheus: %s\n", e.what());
      return false;
    }
    if (!use_capacity(prometheus, "--capacity-query '" + s.capacity_query + "'", "prometheus " + prometheus->url()))
      return false;
  }
  if (!s.capacity_header.empty()) {
    std::shared_ptr<st::target::http::header_capacity_probe> header;
    try {
      header = std::make_shared<st::target::http::header_capacity_probe>(
          s.capacity_url.empty() ? target_url : s.capacity_url, s.capacity_header,
          st::target::http::stats_probe_options{std::chrono::milliseconds(500), 256 * 1024, allow_non_loopback});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stress-run: --capacity-header: %s\n", e.what());
      return false;
    }
    if (!use_capacity(header, "--capacity-header " + s.capacity_header, "header " + header->header() + " of " + header->url()))
      return false;
  }
  if (s.stats_url == "none") return true;
  std::string url = s.stats_url;
  bool const automatic = url.empty();
  if (automatic) {  // the target's own origin: http://host:port/stats
    auto const u = st::target::http::url::parse(target_url);
    if (!u || u->tls()) return true;
    url = "http://" + u->host_header() + "/stats";
  }
  std::shared_ptr<st::target::http::stats_probe> probe;
  try {
    probe = std::make_shared<st::target::http::stats_probe>(
        url, st::target::http::stats_probe_options{std::chrono::milliseconds(500), 64 * 1024, allow_non_loopback});
  } catch (const std::exception& e) {
    if (automatic) return true;
    std::fprintf(stderr, "stress-run: --stats-url: %s\n", e.what());
    return false;
  }
  std::string error;
  if (!probe->read(error)) {  // one reading now: is there a /stats at all?
    if (!automatic || embedded) {
      std::fprintf(stderr, "stress-run: %s\n", error.c_str());
      return false;
    }
    std::fprintf(stderr, "no GET /stats at the target (%s): agents' current_load stays null%s\n", error.c_str(),
                 options.target_resident_bytes ? "" : ", memory growth is measured on this process (--target-pid PID measures the target's)");
    return true;
  }
  options.target_stats = [probe](std::string& e) { return probe->read(e); };
  // The embedded service's resident memory is this whole process's: say so where it is written.
  options.target_stats_source = embedded ? url + " (embedded: one process with the generator)" : url;
  std::fprintf(stderr, "target stats: GET %s every interval\n", url.c_str());
  return true;
}

}  // namespace stress_run
