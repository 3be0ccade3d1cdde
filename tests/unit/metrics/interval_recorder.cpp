#include <stress_testing/metrics/detail/writer_reader_phaser.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace m = stress_testing::metrics;
using stress_testing::outcome;
using namespace std::chrono_literals;

namespace {

std::int64_t count_of(const m::snapshot& s, outcome o) { return static_cast<std::int64_t>(s.counters.count(o)); }

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("a sample holds the three durations and the outcomes recorded in its interval") {
  m::interval_recorder rec({}, 5s);
  rec.record(outcome::ok, 10ms, 7ms, 3ms, 1000, 200);
  rec.record(outcome::ok, 20ms, 19ms, 1ms, 1000, 200);
  rec.record(outcome::http_error, 5ms, 5ms, 0ns, 50, 200);
  rec.set_in_flight(4);

  auto const s = rec.sample(6s);
  CHECK(s.start == 5s);
  CHECK(s.end == 6s);
  CHECK(s.duration_seconds() == doctest::Approx(1.0));
  CHECK(s.in_flight == 4);
  CHECK(s.counters.total() == 3);
  CHECK(count_of(s, outcome::ok) == 2);
  CHECK(count_of(s, outcome::http_error) == 1);
  CHECK(s.counters.bytes_in() == 2050);
  CHECK(s.counters.bytes_out() == 600);
  CHECK(s.response_time.total_count() == 3);
  CHECK(s.service_time.total_count() == 3);
  CHECK(s.send_lag.total_count() == 3);
  // Nanosecond units; min and max are exact.
  CHECK(s.response_time.min() == 5'000'000);
  CHECK(s.response_time.max() == 20'000'000);
  CHECK(s.service_time.max() == 19'000'000);
  CHECK(s.send_lag.min() == 0);
  CHECK(s.negative_durations == 0);
  CHECK(s.saturated_durations == 0);
}

TEST_CASE("the next interval starts empty where the previous one ended") {
  m::interval_recorder rec;
  rec.record(outcome::ok, 1ms, 1ms, 0ns, 0, 0);
  m::snapshot s;
  rec.sample_into(s, 1s);
  CHECK(s.counters.total() == 1);
  rec.sample_into(s, 2s);
  CHECK(s.counters.total() == 0);
  CHECK(s.response_time.total_count() == 0);
  CHECK(s.start == 1s);
  CHECK(s.end == 2s);
  // A sample time before the interval's start gives an empty range, not a negative one.
  rec.sample_into(s, 1500ms);
  CHECK(s.start == 2s);
  CHECK(s.duration_seconds() == 0.0);
}

TEST_CASE("a dropped request is counted but has no durations and no bytes") {
  m::interval_recorder rec;
  rec.record_dropped();
  rec.record(outcome::dropped, 1s, 1s, 1s, 10, 10);
  auto const s = rec.sample(1s);
  CHECK(count_of(s, outcome::dropped) == 2);
  CHECK(s.counters.total() == 2);
  CHECK(s.counters.bytes_in() == 0);
  CHECK(s.response_time.total_count() == 0);
  CHECK(s.service_time.total_count() == 0);
  CHECK(s.send_lag.total_count() == 0);
}

TEST_CASE("with tally cuts a recorder also tallies each request by its intended time") {
  m::interval_recorder rec({}, 0s, {1.0, 2.0});
  rec.record(outcome::ok, 500ms, 3ms, 2ms, 1ms, 10, 10);
  rec.record(outcome::http_error, 1'500ms, 1ms, 1ms, 0ns, 10, 10);
  rec.record_dropped(1'600ms);
  rec.record_dropped();  // dropped at the run's stop: in the interval, in no segment
  rec.record(outcome::ok, 5ms, 5ms, 0ns, 0, 0);  // no intended time: not tallied either
  auto const s = rec.sample(3s);
  CHECK(s.counters.total() == 5);
  auto const& t = rec.tally();
  REQUIRE(t.size() == 3);
  CHECK(t[0].ok == 1);
  CHECK(t[1].failed == 2);
  CHECK(t[1].first_failed == 1'500'000'000);
  CHECK(t[1].last_failed == 1'600'000'000);
  CHECK(t[2].total() == 0);
  m::interval_recorder plain;
  plain.record(outcome::ok, 1s, 1ms, 1ms, 0ns, 0, 0);
  CHECK_FALSE(plain.tally().enabled());
}

TEST_CASE("negative and too large durations are clamped and counted") {
  m::interval_recorder rec(m::histogram_options{1, 1'000'000'000, 3});  // up to 1 s
  rec.record(outcome::ok, -5us, 2ms, -1ns, 0, 0);
  rec.record(outcome::timeout, 3s, 3s, 1ms, 0, 0);
  auto const s = rec.sample(1s);
  CHECK(s.negative_durations == 2);
  CHECK(s.saturated_durations == 2);
  // Every request still has exactly one value in every histogram.
  CHECK(s.response_time.total_count() == 2);
  CHECK(s.service_time.total_count() == 2);
  CHECK(s.send_lag.total_count() == 2);
  CHECK(s.response_time.out_of_range_count() == 0);
  CHECK(s.response_time.min() == 0);
  CHECK(s.response_time.max() == 1'000'000'000);
  CHECK(rec.cumulative().negative_durations == 2);
}

TEST_CASE("per interval totals sum to the cumulative") {
  m::interval_recorder rec({}, 0s);
  std::vector<m::snapshot> intervals;
  std::uint64_t expected = 0;
  for (int i = 1; i <= 5; ++i) {
    for (int k = 0; k < i * 100; ++k) {
      rec.record(static_cast<outcome>(k % 6), std::chrono::microseconds(100 + k), 50us, std::chrono::nanoseconds(k), 10, 1);
      ++expected;
    }
    rec.record_dropped();
    ++expected;
    rec.set_in_flight(i);
    intervals.push_back(rec.sample(std::chrono::seconds(i)));
  }
  m::snapshot sum;
  for (auto const& s : intervals) sum.append(s);
  auto const cumulative = rec.cumulative();
  CHECK(cumulative.counters.total() == expected);
  CHECK(cumulative.counters == sum.counters);
  CHECK(cumulative.response_time == sum.response_time);
  CHECK(cumulative.service_time == sum.service_time);
  CHECK(cumulative.send_lag == sum.send_lag);
  CHECK(cumulative.start == 0s);
  CHECK(cumulative.end == 5s);
  CHECK(cumulative.in_flight == 5);
  CHECK(cumulative.counters.bytes_in() == 10 * (expected - 5));
}

TEST_CASE("snapshot merge adds the workers of one interval and append chains intervals") {
  m::snapshot a;
  a.start = 1s;
  a.end = 2s;
  a.in_flight = 3;
  a.counters.record(outcome::ok, 10);
  a.response_time.record_value(1'000);
  m::snapshot b = a;
  b.in_flight = 4;

  m::snapshot merged;  // empty and zero-length: the identity of merge
  merged.merge(a);
  merged.merge(b);
  CHECK(merged.start == 1s);
  CHECK(merged.end == 2s);
  CHECK(merged.in_flight == 7);
  CHECK(merged.counters.total() == 20);
  CHECK(merged.response_time.total_count() == 2);

  m::snapshot later = a;
  later.start = 2s;
  later.end = 3s;
  later.in_flight = 1;
  m::snapshot run = a;
  run.append(later);
  CHECK(run.start == 1s);
  CHECK(run.end == 3s);
  CHECK(run.in_flight == 1);
  CHECK(run.duration_seconds() == doctest::Approx(2.0));

  run.merge(m::snapshot{});  // merging an empty snapshot changes nothing
  CHECK(run.start == 1s);
  CHECK(run.end == 3s);

  run.reset();
  CHECK(run.empty());
  CHECK(run.start == 0s);
  CHECK(run.duration_seconds() == 0.0);
}

TEST_CASE("default histogram options keep a recorder within a few mebibytes") {
  m::snapshot const s;
  auto const per_histogram = s.response_time.size_in_bytes();
  MESSAGE("default histogram: " << per_histogram << " bytes");
  CHECK(per_histogram < 300 * 1024);
  CHECK(9 * per_histogram < 3 * 1024 * 1024);  // two buffers and the cumulative, three each
}

TEST_CASE("one writer thread and a sampling reader neither lose nor double count a record") {
  constexpr std::int64_t n = 2'000'000;
  // A small layout makes each sample cheap, so the reader flips phases thousands of times while
  // the writer runs: many chances to catch a record in the middle of a flip.
  m::histogram_options const small{1, 10'000'000, 2};
  m::interval_recorder rec(small);
  std::atomic<bool> done{false};

  std::thread writer([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      if (i % 100 == 99) {
        rec.record_dropped();
      } else {
        auto const o = (i % 10 == 3) ? outcome::http_error : outcome::ok;
        rec.record(o, std::chrono::nanoseconds(1000 + i % 5000), std::chrono::nanoseconds(900 + i % 5000),
                   std::chrono::nanoseconds(i % 100), 3, 2);
      }
      if (i % 1024 == 0) rec.set_in_flight(i % 17);
    }
    done.store(true, std::memory_order_release);
  });

  std::int64_t total = 0, dropped = 0, http_errors = 0, response_values = 0, service_values = 0, lag_values = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  int samples = 0;
  m::snapshot s(small);
  auto const consume = [&] {
    ++samples;
    rec.sample_into(s, std::chrono::milliseconds(samples));
    total += static_cast<std::int64_t>(s.counters.total());
    dropped += count_of(s, outcome::dropped);
    http_errors += count_of(s, outcome::http_error);
    response_values += s.response_time.total_count();
    service_values += s.service_time.total_count();
    lag_values += s.send_lag.total_count();
    bytes_in += s.counters.bytes_in();
    bytes_out += s.counters.bytes_out();
  };
  while (!done.load(std::memory_order_acquire)) consume();
  writer.join();
  consume();  // what was recorded after the last sample in the loop

  MESSAGE(samples << " samples");
  constexpr std::int64_t expected_dropped = n / 100;
  std::int64_t expected_http_errors = 0;
  for (std::int64_t i = 0; i < n; ++i) expected_http_errors += (i % 100 != 99 && i % 10 == 3) ? 1 : 0;
  CHECK(total == n);
  CHECK(dropped == expected_dropped);
  CHECK(http_errors == expected_http_errors);
  CHECK(response_values == n - expected_dropped);
  CHECK(service_values == n - expected_dropped);
  CHECK(lag_values == n - expected_dropped);
  CHECK(bytes_in == 3u * static_cast<std::uint64_t>(n - expected_dropped));
  CHECK(bytes_out == 2u * static_cast<std::uint64_t>(n - expected_dropped));

  auto const cumulative = rec.cumulative();
  CHECK(static_cast<std::int64_t>(cumulative.counters.total()) == n);
  CHECK(cumulative.response_time.total_count() == n - expected_dropped);
  CHECK(cumulative.response_time.min() == 1000);
  CHECK(cumulative.response_time.max() == 1000 + 4998);  // i % 5000 == 4999 is always a drop
  CHECK(cumulative.negative_durations == 0);
}

TEST_CASE("the phaser hands the reader every write of several concurrent writers exactly once") {
  constexpr int writers = 3;
  constexpr std::int64_t per_writer = 200'000;
  m::detail::writer_reader_phaser phaser;
  // counts[phase][writer]: each writer has its own slot, so writers do not race with each other;
  // only the phaser keeps them apart from the reader.
  std::array<std::array<std::int64_t, writers>, 2> counts{};
  std::atomic<int> running{writers};

  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (std::int64_t i = 0; i < per_writer; ++i) {
        auto const phase = phaser.writer_enter();
        ++counts[phase][static_cast<std::size_t>(w)];
        phaser.writer_exit(phase);
      }
      running.fetch_sub(1, std::memory_order_release);
    });
  }
  std::int64_t seen = 0;
  auto const drain = [&] {
    auto& idle = counts[phaser.flip()];
    for (auto& c : idle) {
      seen += c;
      c = 0;
    }
  };
  while (running.load(std::memory_order_acquire) > 0) drain();
  for (auto& t : threads) t.join();
  drain();
  drain();  // both buffers: the last writes may be in either
  CHECK(seen == writers * per_writer);
}

}  // TEST_SUITE
