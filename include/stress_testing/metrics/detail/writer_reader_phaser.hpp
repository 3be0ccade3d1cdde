#ifndef STRESS_TESTING_METRICS_DETAIL_WRITER_READER_PHASER_HPP
#define STRESS_TESTING_METRICS_DETAIL_WRITER_READER_PHASER_HPP

#include <atomic>
#include <cstdint>
#include <thread>

namespace stress_testing::metrics::detail {

/** Lets writers work on one of two buffers without locks while a reader takes the other.

    The idea is HdrHistogram's "writer-reader phaser"; this is our own formulation. The phase
    (0 or 1) names the buffer writers currently use, and is the low bit of `entries_`; the
    upper bits count the writers that entered in this phase. Each writer does one atomic add on
    entry (which also tells it the phase, hence the buffer) and one on exit (on the exit counter
    of its phase). The reader flips the phase and resets the entry count in a single exchange,
    which returns how many writers entered the old phase; once the old phase's exit counter has
    reached that number, no writer can touch the old buffer any more and the reader owns it.

    Writers never wait. The reader waits only for writers already inside their (short) critical
    section. Any number of writer threads may enter concurrently (`writer_exit`); a phaser with a
    single writer thread may use the cheaper `sole_writer_exit`. `flip` must be called by one
    thread at a time (callers serialise readers). */
class writer_reader_phaser {
 public:
  /** Enters a writer critical section; returns the phase (0 or 1) whose buffer the writer may
      use until `writer_exit(phase)`. Wait-free; never blocks. */
  unsigned writer_enter() noexcept {
    // acquire: pairs with the reader's exchange, so the reset of this phase's exit counter and the
    // reader's reset of this phase's buffer happen before our writes.
    return static_cast<unsigned>(entries_.fetch_add(entry_increment, std::memory_order_acquire) & phase_mask);
  }

  /// Leaves the critical section entered with `writer_enter`, publishing the writes made in it.
  void writer_exit(unsigned phase) noexcept {
    // release: the reader's acquire load of the count then sees every write to the buffer.
    exits_[phase & phase_mask].value.fetch_add(entry_increment, std::memory_order_release);
  }

  /** `writer_exit` for a phaser that only ever has one writer thread: a plain release store
      instead of an atomic read-modify-write (about half the cost of a record on x86). Valid
      because nobody else writes the exit counter of the phase the sole writer is in: other
      writers do not exist and the reader resets only the counter of the phase it is about to
      open. Never mix with concurrent writers. */
  void sole_writer_exit(unsigned phase) noexcept {
    auto& exits = exits_[phase & phase_mask].value;
    exits.store(exits.load(std::memory_order_relaxed) + entry_increment, std::memory_order_release);
  }

  /** Makes writers switch to the other buffer, waits until every writer of the previous phase has
      left, and returns that previous phase: its buffer now belongs to the caller alone until the
      next `flip`. One reader at a time. Spins briefly, then yields. */
  unsigned flip() noexcept {
    // Only flip() changes the phase bit and flips are serialised, so a relaxed read is exact.
    auto const old_phase = static_cast<unsigned>(entries_.load(std::memory_order_relaxed) & phase_mask);
    auto const new_phase = old_phase ^ 1u;
    // Every writer of new_phase's previous use has exited (the previous flip waited for them),
    // so nothing else writes this counter now. The exchange below publishes the reset.
    exits_[new_phase].value.store(0, std::memory_order_relaxed);
    auto const before = entries_.exchange(new_phase, std::memory_order_acq_rel);
    auto const entered = before & ~phase_mask;  // count of entries, in units of entry_increment
    for (unsigned spins = 0; exits_[old_phase].value.load(std::memory_order_acquire) != entered; ++spins) {
      if (spins < 64) {
        pause();
      } else {
        std::this_thread::yield();
      }
    }
    return old_phase;
  }

  /// The phase writers currently enter (diagnostics and tests; stale as soon as it returns).
  unsigned current_phase() const noexcept {
    return static_cast<unsigned>(entries_.load(std::memory_order_relaxed) & phase_mask);
  }

 private:
  static constexpr std::uint64_t phase_mask = 1;
  static constexpr std::uint64_t entry_increment = 2;

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  struct alignas(64) padded_counter {
    std::atomic<std::uint64_t> value{0};
  };

  // One cache line for the writers' entry counter, one per phase for the exit counters: the
  // reader spins on an exit counter without stealing the line writers increment on entry.
  alignas(64) std::atomic<std::uint64_t> entries_{0};
  padded_counter exits_[2];
};

}  // namespace stress_testing::metrics::detail

#endif
