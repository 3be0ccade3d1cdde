#ifndef STRESS_TESTING_METRICS_OUTCOME_COUNTERS_HPP
#define STRESS_TESTING_METRICS_OUTCOME_COUNTERS_HPP

#include <stress_testing/outcome.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace stress_testing::metrics {

/** How many intended requests ended in each `outcome`, and the bytes they moved.

    `total()` is the number of intended requests: every intended request ends in exactly one
    outcome (DESIGN.md §3), so the sum over outcomes *is* the intended count and no separate
    counter can drift from it.

    Plain integers, no atomics: one writer owns an instance (a worker's recording buffer);
    instances are combined with `+=` after the fact. Not thread-safe. */
class outcome_counters {
 public:
  /// Counts one request that ended in `o`. Out-of-range values are ignored.
  void record(outcome o) noexcept { record(o, 1); }

  /// Counts `n` requests that ended in `o`. Out-of-range values are ignored.
  void record(outcome o, std::uint64_t n) noexcept {
    auto const i = static_cast<std::size_t>(o);
    if (i < outcome_count) counts_[i] += n;
  }

  /// Adds payload bytes received (`in`) and sent (`out`), headers included if the target counts them.
  void add_bytes(std::uint64_t in, std::uint64_t out) noexcept {
    bytes_in_ += in;
    bytes_out_ += out;
  }

  /// Adds every count and byte total of `other`.
  outcome_counters& operator+=(const outcome_counters& other) noexcept {
    for (std::size_t i = 0; i < outcome_count; ++i) counts_[i] += other.counts_[i];
    bytes_in_ += other.bytes_in_;
    bytes_out_ += other.bytes_out_;
    return *this;
  }

  /// Same as `*this += other`; named for symmetry with `histogram::add` and `snapshot::merge`.
  void merge(const outcome_counters& other) noexcept { *this += other; }

  friend outcome_counters operator+(outcome_counters a, const outcome_counters& b) noexcept {
    a += b;
    return a;
  }

  /// Requests that ended in `o` (0 for an out-of-range value).
  std::uint64_t count(outcome o) const noexcept {
    auto const i = static_cast<std::size_t>(o);
    return i < outcome_count ? counts_[i] : 0;
  }

  /// Intended requests: the sum over all outcomes, `dropped` included.
  std::uint64_t total() const noexcept {
    std::uint64_t sum = 0;
    for (auto c : counts_) sum += c;
    return sum;
  }

  /// Requests that were sent: every outcome but `dropped`.
  std::uint64_t sent() const noexcept { return total() - count(outcome::dropped); }

  std::uint64_t bytes_in() const noexcept { return bytes_in_; }    ///< bytes received
  std::uint64_t bytes_out() const noexcept { return bytes_out_; }  ///< bytes sent

  /// Zeroes everything, for reuse of the same object in the next interval.
  void reset() noexcept { *this = outcome_counters{}; }

  friend bool operator==(const outcome_counters&, const outcome_counters&) = default;

 private:
  std::array<std::uint64_t, outcome_count> counts_{};
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace stress_testing::metrics

#endif
