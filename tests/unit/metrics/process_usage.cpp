#include <stress_testing/metrics/process_usage.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <string_view>

namespace m = stress_testing::metrics;
using namespace std::chrono_literals;

namespace {

// A real /proc/self/stat line (Linux 6.1), utime = 1234 and stime = 567.
constexpr std::string_view plain_stat =
    "4242 (stress-run) R 1 4242 4242 34816 4242 4194304 2176 0 0 0 1234 567 0 0 20 0 3 0 "
    "1093712 24567808 1447 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

// The kernel writes comm unescaped: spaces and parentheses are legal in it.
constexpr std::string_view odd_comm_stat =
    "77 (my (odd) prog) 9 5) S 1 77 77 0 -1 4194560 100 0 0 0 31 7 0 0 20 0 1 0 5 1000 10 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

constexpr std::string_view meminfo =
    "MemTotal:       16318480 kB\n"
    "MemFree:         1203948 kB\n"
    "MemAvailable:    9876543 kB\n";

constexpr std::string_view status =
    "Name:\tstress-run\n"
    "VmPeak:\t  250000 kB\n"
    "VmRSS:\t    5788 kB\n"
    "RssAnon:\t    1024 kB\n";

// Busy-waits until this process has used `cpu` more CPU time. Measured in CPU time, not wall
// time, so a loaded machine only makes it slower, never makes the assertion below flaky.
void burn_cpu(std::chrono::duration<double> cpu) {
  auto const start = std::clock();
  volatile unsigned sink = 0;
  while (static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC < cpu.count())
    for (unsigned i = 0; i < 10000; ++i) sink = sink + i;
}

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("proc stat parsing reads utime and stime") {
  auto const t = m::parse_proc_stat_cpu_ticks(plain_stat);
  REQUIRE(t.has_value());
  CHECK(t->user == 1234);
  CHECK(t->system == 567);
}

TEST_CASE("proc stat parsing anchors on the last parenthesis of a comm with spaces and parentheses") {
  auto const t = m::parse_proc_stat_cpu_ticks(odd_comm_stat);
  REQUIRE(t.has_value());
  CHECK(t->user == 31);
  CHECK(t->system == 7);
}

TEST_CASE("proc stat parsing rejects malformed text") {
  CHECK_FALSE(m::parse_proc_stat_cpu_ticks("").has_value());
  CHECK_FALSE(m::parse_proc_stat_cpu_ticks("4242 stress-run R 1 2 3").has_value());
  CHECK_FALSE(m::parse_proc_stat_cpu_ticks("4242 (x) R 1 4242 4242 0 -1 0 0 0 0 0").has_value());
  CHECK_FALSE(m::parse_proc_stat_cpu_ticks("4242 (x) R 1 4242 4242 0 -1 0 0 0 0 0 12x 5").has_value());
  CHECK_FALSE(m::parse_proc_stat_cpu_ticks("4242 (x) R 1 4242 4242 0 -1 0 0 0 0 0 -3 5").has_value());
}

TEST_CASE("statm parsing reads the resident pages") {
  CHECK(m::parse_statm_resident_pages("6011 1447 1120 229 0 493 0\n") == 1447u);
  CHECK_FALSE(m::parse_statm_resident_pages("6011").has_value());
  CHECK_FALSE(m::parse_statm_resident_pages("").has_value());
}

TEST_CASE("kib field parsing reads MemTotal and VmRSS") {
  CHECK(m::parse_kib_field(meminfo, "MemTotal") == 16318480u);
  CHECK(m::parse_kib_field(meminfo, "MemAvailable") == 9876543u);
  CHECK(m::parse_kib_field(status, "VmRSS") == 5788u);
  // A key that is a prefix of another key must not match it.
  CHECK_FALSE(m::parse_kib_field(meminfo, "Mem").has_value());
  CHECK_FALSE(m::parse_kib_field(status, "Missing").has_value());
  CHECK_FALSE(m::parse_kib_field("", "MemTotal").has_value());
}

TEST_CASE("process sample divides CPU seconds by wall seconds times CPUs") {
  m::process_reading before;
  before.at = std::chrono::steady_clock::time_point{} + 10s;
  before.cpu_time = 3s;
  before.cpus = 4;
  before.cpu_available = true;
  m::process_reading after = before;
  after.at += 2s;
  after.cpu_time += 2s;  // one CPU of four, busy for the whole two seconds
  after.rss_bytes = 1ull << 30;
  after.memory_total_bytes = 4ull << 30;
  after.memory_available = true;

  auto const s = m::compute_process_sample(before, after);
  CHECK(s.cpu_available);
  CHECK(s.memory_available);
  CHECK(s.wall_seconds == doctest::Approx(2.0));
  CHECK(s.cpu_seconds == doctest::Approx(2.0));
  CHECK(s.cpu_utilization == doctest::Approx(0.25));
  CHECK(s.memory_utilization == doctest::Approx(0.25));
}

TEST_CASE("process sample of a zero length interval or unreadable proc is zero and flagged") {
  m::process_reading r;
  r.cpu_available = true;
  auto const same = m::compute_process_sample(r, r);
  CHECK_FALSE(same.cpu_available);
  CHECK(same.cpu_utilization == 0.0);

  m::process_reading unreadable;  // what a non-Linux system gives
  auto later = unreadable;
  later.at += 1s;
  auto const s = m::compute_process_sample(unreadable, later);
  CHECK_FALSE(s.cpu_available);
  CHECK_FALSE(s.memory_available);
  CHECK(s.cpu_utilization == 0.0);
  CHECK(s.memory_utilization == 0.0);
}

TEST_CASE("process sample clamps utilisation to one") {
  m::process_reading before;
  before.cpu_available = true;
  before.cpus = 1;
  auto after = before;
  after.at += 1s;
  after.cpu_time = 1010ms;  // tick rounding can overshoot
  CHECK(m::compute_process_sample(before, after).cpu_utilization == 1.0);
}

#if defined(__linux__)
TEST_CASE("the real process reading finds CPU time and memory") {
  auto const r = m::read_process_usage();
  CHECK(r.cpu_available);
  CHECK(r.memory_available);
  CHECK(r.rss_bytes > 0);
  CHECK(r.memory_total_bytes > r.rss_bytes);
  CHECK(r.cpus >= 1);
}

TEST_CASE("the real sampler sees the CPU of a busy loop and stays within zero and one") {
  m::process_sampler sampler;
  burn_cpu(250ms);
  auto const s = sampler.sample();
  CHECK(s.cpu_available);
  CHECK(s.memory_available);
  CHECK(s.cpu_seconds >= 0.2);  // 250 ms of CPU, minus a tick of accounting granularity
  CHECK(s.cpu_utilization > 0.0);
  CHECK(s.cpu_utilization <= 1.0);
  CHECK(s.memory_utilization > 0.0);
  CHECK(s.memory_utilization <= 1.0);
}
#endif

  TEST_CASE("memory growth is the resident set's change in percent of where it started") {
    CHECK(m::memory_growth_percent(1'000'000, 1'250'000).value() == doctest::Approx(25.0));
    CHECK(m::memory_growth_percent(200, 100).value() == doctest::Approx(-50.0));
    CHECK(m::memory_growth_percent(4096, 4096).value() == 0.0);
    CHECK_FALSE(m::memory_growth_percent(0, 4096));  // no base: no figure, not 0
  }
}  // TEST_SUITE
