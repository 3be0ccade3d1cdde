#ifndef FRAUD_SERVICE_AGENTS_HPP
#define FRAUD_SERVICE_AGENTS_HPP

// The four agents' scoring: `rules_score`, `ml_score` (stateless) and the per-card tables
// `geo_velocity_table`, `device_table`. Pure: no I/O, no clock.
//
// Each agent's score is its own estimate of the probability of fraud from its own evidence: about
// 0.02 when it sees nothing wrong, 0.4-0.6 for a suspicion, 0.8 and above when it is sure. The
// orchestrator combines them by a weighted noisy-OR, so one confident agent carries the decision
// and two suspicions add up (a weighted mean would dilute a single strong signal). How the
// agents meet the fraud workload's schemes (docs/fraud_workload.md §1):
//   - velocity_burst: geo_velocity (the card again within `burst_gap_ms`), identity (the same
//     brand-new device again), rules (risky category online): declined from the second
//     transaction of the run on; the first looks like an ordinary online purchase.
//   - card_testing: rules (tiny online amount: a review on its own) plus the same burst and
//     device signals: declined from the second probe on.
//   - geo_jump: geo_velocity's "two places at once" (abroad, more than 500 km from the previous
//     transaction, within a burst, and abroad for the rest of that burst): every fraudulent
//     transaction of the run declined.
//   - account_takeover: rules (online electronics or crypto above 4,000 USD) with identity (a
//     device new to the card, a large amount): declined; 1,500-4,000 USD: reviewed; the run's
//     next transactions (same new device, same burst): declined.
//   - Legitimate traffic and edge cases: large amounts, tiny verifications, travel and threshold
//     amounts are at most reviewed — except online electronics or crypto above 4,000 USD on a
//     device the service has not seen the card use, which looks exactly like a takeover.
// Nothing here knows the generator: the agents use the request and their own per-card state only.

#include <fraud_service/transaction.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fraud_service {

/// The four kinds of agent; an `agent_config`'s name selects one.
enum class agent_kind : std::uint8_t { rules, ml, geo_velocity, identity };
inline constexpr std::array<std::string_view, 4> agent_names{"rules", "ml", "geo_velocity", "identity"};

inline std::optional<agent_kind> agent_kind_from_name(std::string_view name) noexcept {
  int const i = detail::index_of(agent_names, name);
  if (i < 0) return std::nullopt;
  return static_cast<agent_kind>(i);
}

namespace detail {
// Typical amount per category (USD): the ML model's "norm" and, times the factor in
// rules_score, the rules' "high amount" threshold.
inline constexpr std::array<double, 12> category_norm_usd{60, 45, 50, 600, 400, 100, 300, 120, 35, 20, 150, 60};
inline constexpr std::array<double, 12> category_high_usd{400, 300, 250, 3000, 2500, 250, 1000, 800, 250, 150, 800, 400};

inline double clamp01(double v) noexcept { return v < 0 ? 0 : (v > 1 ? 1 : v); }

inline std::uint64_t mix64(std::uint64_t x) noexcept {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// FNV-1a, then mixed; never 0 (0 marks an empty slot).
inline std::uint64_t hash_key(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  h = mix64(h);
  return h == 0 ? 1 : h;
}

inline double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  constexpr double rad = 3.14159265358979323846 / 180.0;
  double const dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double const a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0088 * std::asin(std::sqrt(std::min(1.0, a)));
}

/// Local hour of day [0, 24) at the transaction's longitude (solar time: UTC + lon / 15 h).
inline double local_hour(const transaction& t) noexcept {
  double const utc_hours = std::fmod(static_cast<double>(t.timestamp_ms) / 3.6e6, 24.0);
  return std::fmod(utc_hours + t.lon / 15.0 + 48.0, 24.0);
}
}  // namespace detail

/** Two transactions of one card at most this far apart (in event time) belong to the same
    **burst**. The fraud schemes of docs/fraud_workload.md come as runs on one card, 1 ms apart at
    the generator's default 1,000 events/s (still well inside 250 ms down to 4 events/s), while an
    ordinary card comes back about every 100 s (100,000 cards): a card seen again within a quarter
    of a second is either a coincidence (about 0.25% of transactions at 1,000 events/s, 2.5% at
    10,000) or a scheme. Speed over longer gaps is weak evidence in that workload — its compressed
    time makes genuine holders "fly" New York to Los Angeles in a minute. */
inline constexpr std::int64_t burst_gap_ms = 250;

/** `rules`: stateless policy rules on what the request carries, added to a base of 0.02 and
    clamped to [0, 1]:
    - high-value online goods, the account-takeover cash-out: online electronics or crypto above
      4,000 USD +0.60, above 1,500 USD +0.25; otherwise an amount above three times the category's
      high amount +0.25, above it +0.10 (a large purchase alone asks for a review, not a decline);
    - a tiny online amount (< 3 USD), the card-testing probe: +0.45;
    - a risky category online (gift_cards, crypto, digital_goods): +0.10;
    - foreign and online: +0.10; a foreign ATM withdrawal: +0.15. */
inline double rules_score(const transaction& t) noexcept {
  double const usd = amount_usd(t);
  double const high = detail::category_high_usd[static_cast<std::size_t>(t.category)];
  bool const online = t.channel == payment_channel::online, foreign = is_foreign(t);
  bool const resaleable = t.category == merchant_category::electronics || t.category == merchant_category::crypto;
  double s = 0.02;
  if (online && resaleable && usd > 4000) s += 0.60;
  else if (online && resaleable && usd > 1500) s += 0.25;
  else if (usd > 3 * high) s += 0.25;
  else if (usd > high) s += 0.10;
  if (online && usd < 3.0) s += 0.45;
  if (online && is_risky(t.category)) s += 0.10;
  if (online && foreign) s += 0.10;
  if (t.channel == payment_channel::atm && foreign) s += 0.15;
  return detail::clamp01(s);
}

/** `ml`: a fixed logistic model. z = -4 + 0.5·clip(ln(amount_usd / category norm), -3, 3)
    + 0.8·foreign + 0.4·online + 0.6·risky category + 0.4·night (local solar hour in [0, 5))
    + 0.5·foreign ATM; score = 1 / (1 + e^-z). The clipped amount term (at most +1.5) keeps one
    unusual amount from deciding alone: the score stays below 0.56 whatever the transaction, a
    supporting vote rather than a verdict. */
inline double ml_score(const transaction& t) noexcept {
  double const norm = detail::category_norm_usd[static_cast<std::size_t>(t.category)];
  bool const foreign = is_foreign(t);
  double z = -4.0 + 0.5 * std::clamp(std::log(amount_usd(t) / norm), -3.0, 3.0);
  if (foreign) z += 0.8;
  if (t.channel == payment_channel::online) z += 0.4;
  if (is_risky(t.category)) z += 0.6;
  if (detail::local_hour(t) < 5.0) z += 0.4;
  if (foreign && t.channel == payment_channel::atm) z += 0.5;
  return 1.0 / (1.0 + std::exp(-z));
}

/** `geo_velocity`'s memory: a fixed-size table of cards (open addressing without probing: a
    card's slot is its hash modulo the size, and a colliding card overwrites it — bounded memory,
    and a forgotten card merely looks new). Each slot keeps the card's last location and event
    time, the length of its current burst (`burst_gap_ms`), and whether the burst has put the card
    in two places at once. */
class geo_velocity_table {
 public:
  /// `slots` is rounded up to a power of two (at least 1).
  explicit geo_velocity_table(std::size_t slots) : slots_(std::bit_ceil(std::max<std::size_t>(1, slots))) {}

  /** Scores `t` against the card's previous transaction and records it. A card seen for the first
      time scores 0.02 (nothing to compare with). Otherwise base 0.02, plus:
      - burst length (this transaction included, consecutive gaps <= `burst_gap_ms`): +0.20 at
        2, +0.25 more at 3, +0.25 more at 5 (0.22 / 0.47 / 0.72): velocity bursts, card testing;
      - **two places at once**: within the burst, abroad (country != home_country) and more than
        500 km from the previous transaction — or abroad after such a jump earlier in the same
        burst: +0.80 (a cloned card used abroad while the holder shops at home);
      - otherwise a jump over 500 km within the burst at home +0.15 (two domestic shops in one
        burst: unusual but not decisive), or over 500 km at more than 1,000 km/h outside a burst
        +0.05 (see `burst_gap_ms` on why speed weighs so little).
      Clamped to [0, 1]. Event times may arrive out of order: gaps are absolute. */
  double score(const transaction& t) noexcept {
    std::uint64_t const key = detail::hash_key(t.card_id);
    slot& s = slots_[key & (slots_.size() - 1)];
    if (s.key != key) {
      s = slot{key, t.lat, t.lon, t.timestamp_ms, 1, false};
      return 0.02;
    }
    double const km = detail::haversine_km(s.lat, s.lon, t.lat, t.lon);
    std::int64_t const gap = t.timestamp_ms >= s.last_ms ? t.timestamp_ms - s.last_ms : s.last_ms - t.timestamp_ms;
    bool const in_burst = gap <= burst_gap_ms, jump = km > 500;
    s.burst = in_burst ? std::min<std::uint32_t>(s.burst + 1, 1'000'000) : 1;
    s.two_places = in_burst && is_foreign(t) && (jump || s.two_places);
    double v = 0.02;
    if (s.burst >= 2) v += 0.20;
    if (s.burst >= 3) v += 0.25;
    if (s.burst >= 5) v += 0.25;
    if (s.two_places) {
      v += 0.80;
    } else if (jump) {
      double const hours = static_cast<double>(gap) / 3.6e6;
      if (in_burst) v += 0.15;
      else if (km / hours > 1000) v += 0.05;
    }
    s.lat = t.lat;
    s.lon = t.lon;
    s.last_ms = t.timestamp_ms;
    return detail::clamp01(v);
  }

  std::size_t size() const noexcept { return slots_.size(); }

 private:
  struct slot {
    std::uint64_t key = 0;
    double lat = 0, lon = 0;
    std::int64_t last_ms = 0;
    std::uint32_t burst = 0;  ///< transactions in the current burst
    bool two_places = false;  ///< the current burst has the card abroad and far from its previous place
  };
  std::vector<slot> slots_;
};

/** `identity`'s memory: per card (same fixed-size table scheme as geo_velocity_table) the last 4
    devices it was used from online, each with the event time it was first seen on the card, and
    the card's current online burst (`burst_gap_ms`). */
class device_table {
 public:
  explicit device_table(std::size_t slots) : slots_(std::bit_ceil(std::max<std::size_t>(1, slots))) {}

  /** Card-present and ATM transactions score 0.02 (the device is the merchant's terminal) and are
      not recorded. Online:
      - a device the card already used before its current burst of online transactions: 0.02,
        whatever the amount;
      - a device first seen on the card during its current burst — a brand-new device used
        again at once, as a fraudster's is: 0.65;
      - a device new to the card: 0.20 when the card has other devices, 0.10 when the card was
        never seen online (no history to compare with); the device is then remembered;
      then, for new and brand-new devices, +0.20 above 3,000 USD (+0.15 above 1,000 USD) and
      +0.05 for a risky category. Clamped to [0, 1]. */
  double score(const transaction& t) noexcept {
    if (t.channel != payment_channel::online) return 0.02;
    std::uint64_t const key = detail::hash_key(t.card_id), device = detail::hash_key(t.device_id);
    slot& s = slots_[key & (slots_.size() - 1)];
    bool history = true;
    if (s.key != key) {
      s = slot{};
      s.key = key;
      history = false;
    }
    std::int64_t const gap = t.timestamp_ms >= s.last_ms ? t.timestamp_ms - s.last_ms : s.last_ms - t.timestamp_ms;
    bool const in_burst = history && gap <= burst_gap_ms;
    if (!in_burst) s.burst_start_ms = t.timestamp_ms;
    s.last_ms = t.timestamp_ms;
    double v = 0;
    auto const it = std::find(s.devices.begin(), s.devices.end(), device);
    if (history && it != s.devices.end()) {
      // Brand-new: first seen in this very burst (which this transaction continues).
      std::int64_t const first_seen = s.first_seen_ms[static_cast<std::size_t>(it - s.devices.begin())];
      if (!in_burst || first_seen < s.burst_start_ms) return 0.02;
      v = 0.65;
    } else {
      v = history ? 0.20 : 0.10;
      s.devices[s.next] = device;
      s.first_seen_ms[s.next] = t.timestamp_ms;
      s.next = static_cast<std::uint8_t>((s.next + 1) % s.devices.size());
    }
    double const usd = amount_usd(t);
    if (usd > 3000) v += 0.20;
    else if (usd > 1000) v += 0.15;
    if (is_risky(t.category)) v += 0.05;
    return detail::clamp01(v);
  }

  std::size_t size() const noexcept { return slots_.size(); }

 private:
  struct slot {
    std::uint64_t key = 0;
    std::array<std::uint64_t, 4> devices{};
    std::array<std::int64_t, 4> first_seen_ms{};
    std::int64_t last_ms = 0;         ///< the card's last online transaction
    std::int64_t burst_start_ms = 0;  ///< first online transaction of its current burst
    std::uint8_t next = 0;
  };
  std::vector<slot> slots_;
};

}  // namespace fraud_service

#endif
