#include <stress_testing/run/shard.hpp>

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <variant>

namespace st = stress_testing;

namespace {
/// An environment of the given variables, for `shard_from_environment`.
auto env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto const it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
std::string error_of(const std::variant<st::run::shard_spec, st::run::shard_error>& v) {
  return std::holds_alternative<st::run::shard_error>(v) ? std::get<st::run::shard_error>(v).message : "";
}
}  // namespace

TEST_SUITE("run") {
  TEST_CASE("--shard I/N names one shard of N, and refuses what is not one") {
    CHECK(std::get<st::run::shard_spec>(st::run::parse_shard("2/4")) == st::run::shard_spec{2, 4, "--shard"});
    CHECK(std::get<st::run::shard_spec>(st::run::parse_shard("0/1")) == st::run::shard_spec{0, 1, "--shard"});
    CHECK(error_of(st::run::parse_shard("4/4")).find("index 4 must be below the count 4") != std::string::npos);
    CHECK(error_of(st::run::parse_shard("1/0")).find("count must be in 1..4096") != std::string::npos);
    CHECK(error_of(st::run::parse_shard("1")).find("expected I/N") != std::string::npos);
    CHECK(error_of(st::run::parse_shard("-1/4")).find("--shard") == 0);
    CHECK(error_of(st::run::parse_shard("1/4x")).find("--shard") == 0);
  }

  TEST_CASE("the launching engine's environment gives the shard: MPI, PMI, Slurm, Kubernetes") {
    using st::run::shard_from_environment;
    using st::run::shard_spec;
    CHECK_FALSE(shard_from_environment(env({})));
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"}}))) ==
          shard_spec{3, 4, "open-mpi"});
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"PMI_RANK", "1"}, {"PMI_SIZE", "2"}}))) ==
          shard_spec{1, 2, "pmi"});
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}}))) ==
          shard_spec{5, 8, "slurm"});
    // mpirun inside a Slurm allocation: the MPI rank is the process's own.
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"},
                                                             {"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "4"}}))) ==
          shard_spec{2, 4, "open-mpi"});
    // Kubernetes gives the index only: the count comes from the caller or the manifest.
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"JOB_COMPLETION_INDEX", "1"}}), 4)) ==
          shard_spec{1, 4, "kubernetes"});
    CHECK(std::get<shard_spec>(*shard_from_environment(env({{"JOB_COMPLETION_INDEX", "1"}, {"STRESS_TESTING_SHARDS", "3"}}))) ==
          shard_spec{1, 3, "kubernetes"});
    CHECK(error_of(*shard_from_environment(env({{"JOB_COMPLETION_INDEX", "1"}}))).find("--shards N") != std::string::npos);
    CHECK(error_of(*shard_from_environment(env({{"JOB_COMPLETION_INDEX", "4"}}), 4)).find("must be below") != std::string::npos);
    CHECK(error_of(*shard_from_environment(env({{"OMPI_COMM_WORLD_RANK", "x"}, {"OMPI_COMM_WORLD_SIZE", "4"}})))
              .find("OMPI_COMM_WORLD_RANK") != std::string::npos);
  }

  TEST_CASE("a shared start: ISO 8601, Unix seconds, or the next boundary of a period") {
    using namespace std::chrono;
    auto const iso = st::run::parse_start_at("2026-12-07T10:00:00Z");
    REQUIRE(iso);
    CHECK(duration_cast<seconds>(iso->time_since_epoch()).count() == 1796637600);
    auto const unix_s = st::run::parse_start_at("1796637600.25");
    REQUIRE(unix_s);
    CHECK(duration_cast<milliseconds>(unix_s->time_since_epoch()).count() == 1796637600250);
    CHECK_FALSE(st::run::parse_start_at("soon"));
    CHECK_FALSE(st::run::parse_start_at("-5"));
    CHECK_FALSE(st::run::parse_start_at(""));
    // now = 1000.5 s, period 10 s, lead 2 s: the first multiple of 10 at or after 1002.5 is 1010.
    system_clock::time_point const now{duration_cast<system_clock::duration>(milliseconds(1000500))};
    CHECK(st::run::next_boundary(now, seconds(10), seconds(2)).time_since_epoch() == seconds(1010));
    // 1008.5 + 2 = 1010.5: the next one.
    system_clock::time_point const later{duration_cast<system_clock::duration>(milliseconds(1008500))};
    CHECK(st::run::next_boundary(later, seconds(10), seconds(2)).time_since_epoch() == seconds(1020));
  }
}
