#ifndef STRESS_TESTING_RUN_SHARD_HPP
#define STRESS_TESTING_RUN_SHARD_HPP

/** Which part of a run this process drives, when one run is split over several processes
    ("shards") started by an engine the user already has: a Kubernetes Indexed Job, `mpirun`,
    `srun`. Shard I of N takes exactly its part of the one schedule (`worker_pool_options::
    shard_index`/`shard_count`); `report::merge_results` puts the N results back together.
    Pure (std only). */

#include <stress_testing/timestamp.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace stress_testing::run {

/// Shard `index` of `count` (0 <= index < count), and where that was read.
struct shard_spec {
  std::size_t index = 0;
  std::size_t count = 1;
  /// "--shard", "kubernetes", "open-mpi", "pmi" or "slurm".
  std::string source;
  friend bool operator==(const shard_spec&, const shard_spec&) = default;
};

/// Not a shard: what was wrong, naming the flag or the environment variable.
struct shard_error {
  std::string message;
};

/// More shards than this is a typo, not a deployment (the merge reads every shard's results).
inline constexpr std::size_t max_shards = 4096;

namespace detail {
inline std::optional<std::size_t> parse_count(std::string_view s) {
  std::size_t v = 0;
  auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

inline std::variant<shard_spec, shard_error> make_shard(std::optional<std::size_t> index, std::optional<std::size_t> count,
                                                        std::string source, std::string_view what) {
  if (!index || !count)
    return shard_error{std::string(what) + ": expected two non-negative integers (index and count)"};
  if (*count == 0 || *count > max_shards)
    return shard_error{std::string(what) + ": the shard count must be in 1.." + std::to_string(max_shards) +
                       " (got " + std::to_string(*count) + ")"};
  if (*index >= *count)
    return shard_error{std::string(what) + ": the shard index " + std::to_string(*index) +
                       " must be below the count " + std::to_string(*count)};
  return shard_spec{*index, *count, std::move(source)};
}
}  // namespace detail

/** `"I/N"` (the `--shard` flag): shard I of N, 0-based. */
inline std::variant<shard_spec, shard_error> parse_shard(std::string_view text) {
  auto const slash = text.find('/');
  if (slash == std::string_view::npos)
    return shard_error{"--shard: expected I/N (e.g. 0/4), got '" + std::string(text) + "'"};
  return detail::make_shard(detail::parse_count(text.substr(0, slash)), detail::parse_count(text.substr(slash + 1)),
                            "--shard", "--shard '" + std::string(text) + "'");
}

/** The shard the launching engine gave this process, from its environment, or nullopt when
    none did. `getenv` looks a variable up (`std::getenv` in a program; a map in tests). In
    order, the first present wins:

    | engine                      | index                  | count                    | source       |
    |-----------------------------|------------------------|--------------------------|--------------|
    | Open MPI (`mpirun`)         | `OMPI_COMM_WORLD_RANK` | `OMPI_COMM_WORLD_SIZE`   | "open-mpi"   |
    | MPICH, Intel MPI (PMI)      | `PMI_RANK`             | `PMI_SIZE`               | "pmi"        |
    | Slurm (`srun`)              | `SLURM_PROCID`         | `SLURM_NTASKS`           | "slurm"      |
    | Kubernetes Indexed Job      | `JOB_COMPLETION_INDEX` | `count`, else `STRESS_TESTING_SHARDS` | "kubernetes" |

    MPI first: under `mpirun` inside a Slurm allocation the rank is the process's own, while the
    Slurm variables describe the allocation. Kubernetes does not tell a pod the Job's
    parallelism, so the count comes from the caller (`--shards N`) or the manifest's
    `STRESS_TESTING_SHARDS`. Under `sbatch` without `srun` the batch script itself sees
    `SLURM_PROCID=0`: launch the shards with `srun`. */
inline std::optional<std::variant<shard_spec, shard_error>> shard_from_environment(
    const std::function<const char*(const char*)>& getenv, std::optional<std::size_t> count = std::nullopt) {
  struct engine {
    const char* index;
    const char* count;
    const char* source;
  };
  static constexpr engine engines[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "open-mpi"},
      {"PMI_RANK", "PMI_SIZE", "pmi"},
      {"SLURM_PROCID", "SLURM_NTASKS", "slurm"},
  };
  auto value = [&getenv](const char* name) -> std::optional<std::size_t> {
    const char* v = getenv(name);
    return v ? detail::parse_count(v) : std::nullopt;
  };
  for (auto const& e : engines) {
    if (!getenv(e.index)) continue;
    return detail::make_shard(value(e.index), value(e.count), e.source,
                              std::string(e.index) + "/" + e.count + " (" + e.source + ")");
  }
  if (!getenv("JOB_COMPLETION_INDEX")) return std::nullopt;
  std::optional<std::size_t> n = count;
  if (!n && getenv("STRESS_TESTING_SHARDS")) n = value("STRESS_TESTING_SHARDS");
  if (!n && !getenv("STRESS_TESTING_SHARDS"))
    return shard_error{"JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but not the shard count: pass "
                       "--shards N or set STRESS_TESTING_SHARDS to the Job's completions"};
  return detail::make_shard(value("JOB_COMPLETION_INDEX"), n, "kubernetes",
                            "JOB_COMPLETION_INDEX/STRESS_TESTING_SHARDS (kubernetes)");
}

/** A shared start from text: an ISO 8601 UTC time (`2026-12-07T10:00:00Z`, `parse_timestamp`)
    or Unix seconds (`1796637600`, `1796637600.25`). Nullopt for anything else. */
inline std::optional<std::chrono::system_clock::time_point> parse_start_at(std::string_view text) {
  using namespace std::chrono;
  if (auto const t = parse_timestamp(text)) return time_point_cast<system_clock::duration>(*t);
  double seconds = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) || seconds < 0 ||
      seconds > 1e11)
    return std::nullopt;
  // To the microsecond (a double holds epoch seconds to ~0.2 us): 0.25 stays 0.25.
  return system_clock::time_point(round<microseconds>(duration<double>(seconds)));
}

/** The first multiple of `period` since the Unix epoch that is at least `min_lead` after `now`:
    a start every shard computes alike without talking to the others (`--start-at next:10s`), as
    long as they are launched within one period minus the lead of each other (the merge reports
    the skew if not). */
inline std::chrono::system_clock::time_point next_boundary(std::chrono::system_clock::time_point now,
                                                           std::chrono::nanoseconds period,
                                                           std::chrono::nanoseconds min_lead) {
  using namespace std::chrono;
  auto const earliest = duration_cast<nanoseconds>((now + min_lead).time_since_epoch());
  auto const p = period.count() > 0 ? period : nanoseconds(1);
  auto const k = (earliest.count() + p.count() - 1) / p.count();
  return system_clock::time_point(duration_cast<system_clock::duration>(nanoseconds(k * p.count())));
}

}  // namespace stress_testing::run

#endif
