#ifndef FRAUD_SERVICE_DECISIONS_HPP
#define FRAUD_SERVICE_DECISIONS_HPP

// The decisions the service made recently, by transaction id, so that `POST
// /v1/transactions/feedback` can check that the transaction it is about was scored here and say
// whether the analyst's label agrees with the decision. Pure: std only.

#include <fraud_service/scoring.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fraud_service {

/** The number of a wire transaction id ("tx-" + 16 lowercase hex digits,
    docs/fraud_wire_format.md), or empty when `id` is not one. */
inline std::optional<std::uint64_t> transaction_number(std::string_view id) noexcept {
  if (id.size() != 19 || !id.starts_with("tx-")) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : id.substr(3)) {
    unsigned d = 0;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
    v = v << 4 | d;
  }
  return v;
}

/** A bounded memory of decisions by transaction number: `sets` × 4 entries allocated once (24
    bytes each: 1.5 MiB with the default 16,384 sets), so a soak test runs in the same memory.
    A transaction maps to one set of 4 (by a hash of its number); a fifth decision in a full set
    replaces its oldest. A decision is therefore forgotten only after 4 more land in its own set:
    with a feedback sent right after its score, as a session sends it, that needs about
    4 × sets (65,536) other decisions in between, far more than the users of a run.

    Thread safety: none; the server keeps it under its state's mutex. */
class decision_store {
 public:
  static constexpr std::size_t ways = 4;

  /// `sets` (>= 1) is rounded up to a power of two.
  explicit decision_store(std::size_t sets = std::size_t{1} << 14)
      : shift_(64 - static_cast<int>(std::bit_width(sets - 1))), entries_(std::bit_ceil(sets) * ways) {}

  /// Remembers (or replaces) the decision on transaction `number`.
  void put(std::uint64_t number, decision d) noexcept {
    entry* set = &entries_[set_of(number) * ways];
    entry* victim = set;
    for (std::size_t i = 0; i < ways; ++i) {
      if (set[i].key == number + 1) {
        victim = &set[i];
        break;
      }
      if (set[i].stamp < victim->stamp) victim = &set[i];
    }
    *victim = entry{number + 1, ++stamp_, d};
  }

  /// The decision on transaction `number`, if it is still remembered.
  std::optional<decision> find(std::uint64_t number) const noexcept {
    const entry* set = &entries_[set_of(number) * ways];
    for (std::size_t i = 0; i < ways; ++i)
      if (set[i].key == number + 1) return set[i].d;
    return std::nullopt;
  }

 private:
  struct entry {
    std::uint64_t key = 0;  // number + 1; 0: empty
    std::uint64_t stamp = 0;
    decision d = decision::approve;
  };

  // Fibonacci hashing (the product's top bits): consecutive ids land in sets far apart, evenly.
  std::size_t set_of(std::uint64_t number) const noexcept {
    if (shift_ >= 64) return 0;
    return static_cast<std::size_t>((number * 0x9e3779b97f4a7c15ULL) >> shift_);
  }

  int shift_;  // 64 - log2(sets)
  std::vector<entry> entries_;
  std::uint64_t stamp_ = 0;
};

}  // namespace fraud_service

#endif
