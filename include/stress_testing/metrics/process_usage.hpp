#ifndef STRESS_TESTING_METRICS_PROCESS_USAGE_HPP
#define STRESS_TESTING_METRICS_PROCESS_USAGE_HPP

/** The load generator's own CPU and memory use, read from Linux `/proc`.

    The seed's `cpu_utilization` and `memory_utilization` describe the machine running the test;
    we measure our own process, because what a result must say is whether the *generator* was
    the bottleneck (DESIGN.md §3, `generator_limited`).

    Two layers: parsers that take a file's contents (pure, tested on fixed strings), and thin
    readers of the real files. Readers never throw and never allocate: a missing or unreadable
    `/proc` (not Linux, a sandbox) gives zeros with the `*_available` flags false. */

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>

#if defined(__linux__)
#include <cerrno>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#endif

namespace stress_testing::metrics {

// ---------------------------------------------------------------------------------------------
// Parsers (pure)

/// User and system CPU time of a process, in clock ticks (`sysconf(_SC_CLK_TCK)` per second).
struct cpu_ticks {
  std::uint64_t user = 0;    ///< `utime`, field 14 of /proc/<pid>/stat
  std::uint64_t system = 0;  ///< `stime`, field 15 of /proc/<pid>/stat
  friend bool operator==(const cpu_ticks&, const cpu_ticks&) = default;
};

namespace detail {

constexpr bool is_proc_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n'; }

/// Splits off the next whitespace-separated token of `s` (advancing `s`); empty at the end.
constexpr std::string_view next_token(std::string_view& s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_proc_space(s[i])) ++i;
  std::size_t j = i;
  while (j < s.size() && !is_proc_space(s[j])) ++j;
  auto const token = s.substr(i, j - i);
  s.remove_prefix(j);
  return token;
}

/// The whole token as an unsigned decimal, or nullopt (empty, sign, junk, overflow).
inline std::optional<std::uint64_t> parse_u64(std::string_view token) noexcept {
  std::uint64_t v = 0;
  auto const* last = token.data() + token.size();
  auto const r = std::from_chars(token.data(), last, v);
  if (token.empty() || r.ec != std::errc{} || r.ptr != last) return std::nullopt;
  return v;
}

}  // namespace detail

/** Parses `/proc/<pid>/stat` for utime and stime.

    The second field, `(comm)`, is the executable name and may itself contain spaces and
    parentheses (`(my (odd) prog)`); the kernel does not escape it, so the only reliable anchor
    is the *last* `)` of the line. Returns nullopt when the text is not in that format. */
inline std::optional<cpu_ticks> parse_proc_stat_cpu_ticks(std::string_view stat) noexcept {
  auto const close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  auto rest = stat.substr(close + 1);
  // After ')' come fields 3 (state) .. 13 (cmajflt), then utime (14) and stime (15).
  for (int field = 3; field < 14; ++field)
    if (detail::next_token(rest).empty()) return std::nullopt;
  auto const utime = detail::parse_u64(detail::next_token(rest));
  auto const stime = detail::parse_u64(detail::next_token(rest));
  if (!utime || !stime) return std::nullopt;
  return cpu_ticks{*utime, *stime};
}

/// Parses `/proc/<pid>/statm` for the resident set size, in pages (its second field).
inline std::optional<std::uint64_t> parse_statm_resident_pages(std::string_view statm) noexcept {
  if (detail::next_token(statm).empty()) return std::nullopt;
  return detail::parse_u64(detail::next_token(statm));
}

/** Finds the line `key: <number> kB` in `/proc/meminfo` or `/proc/<pid>/status` and returns the
    number, in KiB (the kernel's "kB" means 1024 bytes). `key` is given without the colon:
    `parse_kib_field(text, "MemTotal")`, `parse_kib_field(text, "VmRSS")`. */
inline std::optional<std::uint64_t> parse_kib_field(std::string_view contents, std::string_view key) noexcept {
  while (!contents.empty()) {
    auto const eol = contents.find('\n');
    auto line = contents.substr(0, eol);
    contents = eol == std::string_view::npos ? std::string_view{} : contents.substr(eol + 1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      line.remove_prefix(key.size() + 1);
      return detail::parse_u64(detail::next_token(line));
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Readers of the real files

/** One reading of this process's resource use at instant `at`.

    `cpu_time` is user + system time of all threads since the process started. Fields that could
    not be read are 0 and their flag is false. */
struct process_reading {
  std::chrono::steady_clock::time_point at{};
  std::chrono::nanoseconds cpu_time{0};
  std::uint64_t rss_bytes = 0;           ///< resident set size
  std::uint64_t memory_total_bytes = 0;  ///< physical memory (`MemTotal`)
  unsigned cpus = 1;                     ///< CPUs this process may run on (at least 1)
  bool cpu_available = false;            ///< `cpu_time` was read
  bool memory_available = false;         ///< `rss_bytes` and `memory_total_bytes` were read
};

namespace detail {

/// Reads up to `buf.size()` bytes of a small file (a /proc file) without allocating; empty on
/// any failure. /proc files are generated on read, so one buffer-sized read is a snapshot.
inline std::string_view read_small_file([[maybe_unused]] const char* path,
                                        [[maybe_unused]] std::span<char> buf) noexcept {
#if defined(__linux__)
  int const fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::size_t n = 0;
  while (n < buf.size()) {
    auto const r = ::read(fd, buf.data() + n, buf.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      n = 0;
      break;
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  ::close(fd);
  return {buf.data(), n};
#else
  return {};
#endif
}

inline long sysconf_or([[maybe_unused]] int name, long fallback) noexcept {
#if defined(__linux__)
  long const v = ::sysconf(name);
  return v > 0 ? v : fallback;
#else
  (void)name;
  return fallback;
#endif
}

}  // namespace detail

/** CPUs this process may run on: its affinity mask (which a container's cpuset restricts), else
    `std::thread::hardware_concurrency()`, never less than 1. CFS quotas are not considered. */
inline unsigned usable_cpu_count() noexcept {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    int const n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
#endif
  unsigned const h = std::thread::hardware_concurrency();
  return h > 0 ? h : 1;
}

/** The resident memory in bytes of the process whose `statm` is `statm_path` (`/proc/self/statm`,
    `/proc/<pid>/statm`: resident pages × the page size), or nullopt when it cannot be read (no
    such process, not Linux). Never throws, never allocates. */
inline std::optional<std::uint64_t> read_resident_bytes([[maybe_unused]] const char* statm_path) noexcept {
#if defined(__linux__)
  std::array<char, 256> buf;
  if (auto const pages = parse_statm_resident_pages(detail::read_small_file(statm_path, buf)))
    return *pages * static_cast<std::uint64_t>(detail::sysconf_or(_SC_PAGESIZE, 4096));
#endif
  return std::nullopt;
}

/** Reads `/proc/self/stat`, `/proc/self/statm` (falling back to `VmRSS` of `/proc/self/status`)
    and `/proc/meminfo`. Never throws, never allocates; a few microseconds, so call it from the
    collector, not per request. Thread-safe (no shared state). */
inline process_reading read_process_usage(std::chrono::steady_clock::time_point at) noexcept {
  process_reading r;
  r.at = at;
  r.cpus = usable_cpu_count();
#if defined(__linux__)
  std::array<char, 8192> buf;
  if (auto const ticks = parse_proc_stat_cpu_ticks(detail::read_small_file("/proc/self/stat", buf))) {
    auto const hz = static_cast<std::uint64_t>(detail::sysconf_or(_SC_CLK_TCK, 100));
    auto const t = ticks->user + ticks->system;
    // Split before scaling so that 1e9 * ticks cannot overflow.
    r.cpu_time = std::chrono::nanoseconds(static_cast<std::int64_t>(t / hz * 1'000'000'000u +
                                                                    t % hz * 1'000'000'000u / hz));
    r.cpu_available = true;
  }
  std::optional<std::uint64_t> rss = read_resident_bytes("/proc/self/statm");
  if (!rss)
    if (auto const kib = parse_kib_field(detail::read_small_file("/proc/self/status", buf), "VmRSS")) rss = *kib * 1024;
  auto const total = parse_kib_field(detail::read_small_file("/proc/meminfo", buf), "MemTotal");
  if (rss && total && *total > 0) {
    r.rss_bytes = *rss;
    r.memory_total_bytes = *total * 1024;
    r.memory_available = true;
  }
#endif
  return r;
}

/// `read_process_usage(std::chrono::steady_clock::now())`.
inline process_reading read_process_usage() noexcept {
  return read_process_usage(std::chrono::steady_clock::now());
}

// ---------------------------------------------------------------------------------------------
// Utilisation between two readings

/** CPU and memory utilisation of the process over an interval, each in 0..1. */
struct process_sample {
  /// Process CPU seconds / (wall seconds x usable CPUs): 1 means every usable CPU was busy
  /// running this process for the whole interval.
  double cpu_utilization = 0;
  /// Resident set / physical memory at the end of the interval.
  double memory_utilization = 0;
  double cpu_seconds = 0;   ///< process CPU time spent in the interval
  double wall_seconds = 0;  ///< length of the interval
  bool cpu_available = false;
  bool memory_available = false;
};

/** Utilisation between two readings of the same process. Pure: no I/O. Zero-length or
    backwards intervals and unavailable readings give 0 with the flag false; results are
    clamped to [0, 1] (tick rounding can overshoot slightly on a saturated machine). */
inline process_sample compute_process_sample(const process_reading& before, const process_reading& after) noexcept {
  process_sample s;
  s.wall_seconds = std::chrono::duration<double>(after.at - before.at).count();
  if (before.cpu_available && after.cpu_available && s.wall_seconds > 0) {
    s.cpu_seconds = std::max(0.0, std::chrono::duration<double>(after.cpu_time - before.cpu_time).count());
    double const cpus = after.cpus > 0 ? static_cast<double>(after.cpus) : 1.0;
    s.cpu_utilization = std::clamp(s.cpu_seconds / (s.wall_seconds * cpus), 0.0, 1.0);
    s.cpu_available = true;
  }
  if (s.wall_seconds < 0) s.wall_seconds = 0;
  if (after.memory_available && after.memory_total_bytes > 0) {
    s.memory_utilization = std::clamp(
        static_cast<double>(after.rss_bytes) / static_cast<double>(after.memory_total_bytes), 0.0, 1.0);
    s.memory_available = true;
  }
  return s;
}

/** Growth of the resident set from `from` to `to`, in percent of `from`: the seed's
    `memory_growth_percent` (100 x (to - from) / from; negative when memory was given back).
    nullopt when either reading has no memory figure or `from` is 0. Pure. */
inline std::optional<double> memory_growth_percent(std::uint64_t from_bytes, std::uint64_t to_bytes) noexcept {
  if (from_bytes == 0) return std::nullopt;
  return 100.0 * (static_cast<double>(to_bytes) - static_cast<double>(from_bytes)) / static_cast<double>(from_bytes);
}

/** Gives the process's utilisation since the previous call (or since construction).

    Typical use: the collector owns one and calls `sample()` once per interval, passing the
    result to `derive_system_metrics`. Not thread-safe: one caller at a time. */
class process_sampler {
 public:
  /// Takes the first reading now.
  process_sampler() noexcept : last_(read_process_usage()) {}

  /// Starts from a given reading (tests, or a reading taken at the run's start).
  explicit process_sampler(const process_reading& first) noexcept : last_(first) {}

  /// Utilisation between the previous reading and now; now becomes the previous reading.
  process_sample sample() noexcept { return sample(read_process_usage()); }

  /// Same with a reading taken by the caller.
  process_sample sample(const process_reading& now) noexcept {
    auto const s = compute_process_sample(last_, now);
    last_ = now;
    return s;
  }

  /// The reading the next interval starts from.
  const process_reading& last_reading() const noexcept { return last_; }

 private:
  process_reading last_;
};

}  // namespace stress_testing::metrics

#endif
