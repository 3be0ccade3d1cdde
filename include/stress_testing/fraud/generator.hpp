#ifndef STRESS_TESTING_FRAUD_GENERATOR_HPP
#define STRESS_TESTING_FRAUD_GENERATOR_HPP

/** The synthetic card-transaction stream of the fraud workload: a pure function of
    (seed, sequence number), so any worker can build request N, and later recover its ground
    truth, from N alone, on any thread, in any order, without shared state.

    What it produces (docs/fraud_workload.md has the numbers):
    - legitimate traffic: cards with a weighted home country and a home city, mostly spending at
      home (3% in a neighbouring country), log-normal amounts per merchant category, card
      present for most purchases;
    - four fraud schemes laid out over runs of consecutive sequence numbers, so that a stateful
      scorer (per-card velocity, impossible travel, device novelty) can see them: velocity_burst,
      geo_jump, card_testing, account_takeover;
    - edge cases: legitimate but unusual transactions (`edge_kind`).

    Block structure: the sequence space is cut into blocks of `block_length` (10) consecutive
    numbers and groups of `group_blocks` (16) blocks. Each group holds a number of fraud blocks
    (rounded at random so that the expectation is exact), placed by a random permutation of the
    group; a fraud block holds one run of one scheme. The remaining positions draw their label
    independently. Label fractions therefore equal the options *in expectation* only; over N
    sequences the legitimate and fraudulent shares scatter with a standard deviation of about
    54/sqrt(N) percentage points (0.12 pp over 200,000 sequences).

    Pure layer: std only. Generation does not allocate. */

#include <stress_testing/detail/splitmix64.hpp>
#include <stress_testing/fraud/transaction.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>

namespace stress_testing::fraud {

/** Settings of a `transaction_generator`. */
struct generator_options {
  /// Same seed, same stream. Different seeds give unrelated streams.
  std::uint64_t seed = 1;
  /// Expected share of fraudulent transactions, in [0, 1].
  double fraud_fraction = 0.15;
  /// Expected share of edge cases (legitimate but unusual), in [0, 1]; the rest is ordinary.
  double edge_fraction = 0.05;
  /// Card population: card numbers 0 .. cards-1 (1 .. 100,000,000: "card-" has 8 digits).
  std::uint32_t cards = 100'000;
  /// Merchant population: 0 .. merchants-1 (1 .. 1,000,000: "m-" has 6 digits). With at least
  /// 168 merchants, a merchant id always maps to the same country and category.
  std::uint32_t merchants = 20'000;
  /// Synthetic event time of sequence 0, Unix ms (default 2026-01-01T00:00:00Z), >= 0.
  std::int64_t epoch_ms = 1'767'225'600'000;
  /// `timestamp_ms = epoch_ms + floor(sequence * 1000 / events_per_second)`; > 0 and finite.
  double events_per_second = 1000;

  /// What is wrong with these options (the first problem found), or nullptr when they are valid.
  const char* problem() const noexcept {
    if (!(fraud_fraction >= 0.0 && fraud_fraction <= 1.0)) return "fraud_fraction: must be in [0, 1]";
    if (!(edge_fraction >= 0.0 && edge_fraction <= 1.0)) return "edge_fraction: must be in [0, 1]";
    if (fraud_fraction + edge_fraction > 1.0) return "fraud_fraction + edge_fraction: must be <= 1";
    if (cards == 0 || cards > 100'000'000) return "cards: must be in [1, 100000000]";
    if (merchants == 0 || merchants > 1'000'000) return "merchants: must be in [1, 1000000]";
    if (epoch_ms < 0) return "epoch_ms: must be >= 0";
    if (!(events_per_second > 0.0) || !std::isfinite(events_per_second))
      return "events_per_second: must be > 0 and finite";
    return nullptr;
  }
};

namespace detail {

enum class region : std::uint8_t { north_america, europe, east_asia, southeast_asia, south_asia, oceania, south_america };

struct city {
  std::int32_t lat_e4;
  std::int32_t lon_e4;
};

struct country_info {
  country_code code;
  stress_testing::fraud::currency currency;
  detail::region region;
  std::uint8_t weight;      ///< share of card holders living there, in percent
  std::uint8_t first_city;  ///< index into `cities`
  std::uint8_t city_count;
};

// Real city centres; transactions land within about 5 km of one.
inline constexpr std::array<city, 27> cities{{
    {407128, -740060},   // 0 New York
    {340522, -1182437},  // 1 Los Angeles
    {418781, -876298},   // 2 Chicago
    {436532, -793832},   // 3 Toronto
    {492827, -1231207},  // 4 Vancouver
    {455017, -735673},   // 5 Montreal
    {515074, -1278},     // 6 London
    {534808, -22426},    // 7 Manchester
    {525200, 134050},    // 8 Berlin
    {481351, 115820},    // 9 Munich
    {501109, 86821},     // 10 Frankfurt
    {488566, 23522},     // 11 Paris
    {457640, 48357},     // 12 Lyon
    {404168, -37038},    // 13 Madrid
    {413874, 21686},     // 14 Barcelona
    {419028, 124964},    // 15 Rome
    {454642, 91900},     // 16 Milan
    {523676, 49041},     // 17 Amsterdam
    {473769, 85417},     // 18 Zurich
    {462044, 61432},     // 19 Geneva
    {356762, 1396503},   // 20 Tokyo
    {346937, 1355023},   // 21 Osaka
    {13521, 1038198},    // 22 Singapore
    {190760, 728777},    // 23 Mumbai
    {129716, 775946},    // 24 Bengaluru
    {-338688, 1512093},  // 25 Sydney
    {-235505, -466333},  // 26 Sao Paulo
}};

inline constexpr std::size_t country_us = 0;
inline constexpr std::size_t country_jp = 9;

// Weights sum to 100.
inline constexpr std::array<country_info, 14> countries{{
    {"US", currency::usd, region::north_america, 28, 0, 3},
    {"CA", currency::cad, region::north_america, 6, 3, 3},
    {"GB", currency::gbp, region::europe, 9, 6, 2},
    {"DE", currency::eur, region::europe, 8, 8, 3},
    {"FR", currency::eur, region::europe, 7, 11, 2},
    {"ES", currency::eur, region::europe, 4, 13, 2},
    {"IT", currency::eur, region::europe, 4, 15, 2},
    {"NL", currency::eur, region::europe, 3, 17, 1},
    {"CH", currency::chf, region::europe, 3, 18, 2},
    {"JP", currency::jpy, region::east_asia, 8, 20, 2},
    {"SG", currency::sgd, region::southeast_asia, 2, 22, 1},
    {"IN", currency::inr, region::south_asia, 7, 23, 2},
    {"AU", currency::aud, region::oceania, 5, 25, 1},
    {"BR", currency::brl, region::south_america, 6, 26, 1},
}};

struct category_info {
  std::uint8_t weight;        ///< share of legitimate purchases (weights sum to 92)
  double median_usd;          ///< median of the log-normal amount
  double sigma;               ///< log-space standard deviation
  double card_present_share;  ///< the rest is online, except `atm_share`
  double atm_share;           ///< ATM withdrawal at the store (supermarkets, filling stations)
};

// Indexed by merchant_category.
inline constexpr std::array<category_info, 12> categories{{
    {20, 40.0, 0.6, 0.90, 0.03},   // grocery
    {15, 35.0, 0.6, 0.85, 0.0},    // restaurants
    {10, 50.0, 0.35, 0.95, 0.05},  // fuel
    {4, 600.0, 0.8, 0.25, 0.0},    // travel
    {5, 300.0, 0.9, 0.45, 0.0},    // electronics
    {2, 50.0, 0.5, 0.50, 0.0},     // gift_cards
    {1, 250.0, 1.0, 0.0, 0.0},     // crypto
    {8, 80.0, 0.7, 0.60, 0.0},     // fashion
    {6, 25.0, 0.6, 0.85, 0.0},     // pharmacy
    {8, 15.0, 0.8, 0.0, 0.0},      // digital_goods
    {6, 90.0, 0.5, 0.05, 0.0},     // utilities
    {7, 45.0, 0.7, 0.55, 0.0},     // entertainment
}};
inline constexpr unsigned category_weight_total = 92;

/// Positions of a block and blocks of a group (see the header comment).
inline constexpr std::uint64_t block_length = 10;
inline constexpr std::uint64_t group_blocks = 16;

/// One fraud scheme's share of fraud blocks and its run lengths (uniform integers).
struct scheme_info {
  fraud_pattern pattern;
  double weight;
  std::uint32_t prefix_min, prefix_max;  ///< legitimate home purchases before the run (geo_jump)
  std::uint32_t run_min, run_max;        ///< fraudulent transactions in the run
};

inline constexpr std::array<scheme_info, 4> schemes{{
    {fraud_pattern::velocity_burst, 0.30, 0, 0, 5, 10},
    {fraud_pattern::geo_jump, 0.20, 1, 2, 2, 4},
    {fraud_pattern::card_testing, 0.25, 0, 0, 5, 10},
    {fraud_pattern::account_takeover, 0.25, 0, 0, 1, 3},
}};

/// Uniform integer in [0, n) from the high 32 bits of `x` (bias below n / 2^32).
constexpr std::uint32_t bounded(std::uint64_t x, std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>(((x >> 32) * n) >> 32);
}

/// Uniform integer in [lo, hi].
constexpr std::uint32_t between(std::uint64_t x, std::uint32_t lo, std::uint32_t hi) noexcept {
  return lo + bounded(x, hi - lo + 1);
}

constexpr double unit(std::uint64_t x) noexcept { return stress_testing::detail::to_unit(x); }

/// Approximately standard normal: Irwin-Hall sum of four 16-bit uniforms, rescaled
/// (bounded at +-3.46, which keeps amounts plausible).
constexpr double normal(std::uint64_t x) noexcept {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<double>((x >> (16 * i)) & 0xFFFF) + 0.5;
  return (sum / 65536.0 - 2.0) * 1.7320508075688772;
}

/// Log-uniform in [lo, hi].
inline double log_uniform(std::uint64_t x, double lo, double hi) noexcept {
  return lo * std::exp(unit(x) * std::log(hi / lo));
}

}  // namespace detail

/** The transaction stream: `at(n)` is request n's transaction, ground truth included.

    Pure: `at` depends only on the options and `n`, keeps no state and is safe to call
    concurrently. Thread-safe, cheap to copy (about 100 bytes). */
class transaction_generator {
 public:
  /// Consecutive sequence numbers that hold at most one fraud scheme.
  static constexpr std::uint64_t block_length = detail::block_length;

  /// Throws std::invalid_argument with `options.problem()` when the options are invalid.
  explicit transaction_generator(generator_options options) : options_(options) {
    if (auto const* p = options_.problem()) throw std::invalid_argument(p);
    auto const key = [this](std::uint64_t i) { return stress_testing::detail::counter_hash(options_.seed, i); };
    group_key_ = key(0);
    block_key_ = key(1);
    tx_key_ = key(2);
    card_key_ = key(3);
    merchant_key_ = key(4);

    // Expected fraudulent (a) and occupied (b) share of a fraud block.
    double run = 0;
    double occupied = 0;
    for (auto const& s : detail::schemes) {
      double const r = (s.run_min + s.run_max) / 2.0;
      double const p = (s.prefix_min + s.prefix_max) / 2.0;
      run += s.weight * r;
      occupied += s.weight * (r + p);
    }
    double const a = run / static_cast<double>(block_length);
    double const b = occupied / static_cast<double>(block_length);
    double const f = options_.fraud_fraction;
    double const e = options_.edge_fraction;
    // Fraud blocks carry as much fraud as they can; the rest comes from single account
    // takeovers at free positions. The cap keeps solo fraud + edge probabilities <= 1 despite
    // the legitimate geo_jump prefixes.
    fraud_block_share_ = std::min({1.0, f / a, (1.0 - f - e) / (b - a)});
    double const free_share = 1.0 - fraud_block_share_ * b;
    solo_fraud_ = std::max(0.0, (f - fraud_block_share_ * a) / free_share);
    edge_ = std::max(0.0, e / free_share);
  }

  const generator_options& options() const noexcept { return options_; }

  /// Request `sequence`'s transaction (label, pattern and edge kind included).
  transaction at(std::uint64_t sequence) const noexcept {
    transaction tx;
    tx.sequence = sequence;
    tx.timestamp_ms = options_.epoch_ms +
                      static_cast<std::int64_t>(static_cast<double>(sequence) * 1000.0 / options_.events_per_second);

    std::uint64_t const block = sequence / block_length;
    auto const pos = static_cast<std::uint32_t>(sequence % block_length);
    stress_testing::detail::splitmix64_engine rng(stress_testing::detail::counter_hash(tx_key_, sequence));

    if (is_fraud_block(block)) {
      stress_testing::detail::splitmix64_engine block_rng(stress_testing::detail::counter_hash(block_key_, block));
      auto const plan = plan_block(block_rng);
      if (pos >= plan.start && pos < plan.start + plan.prefix) {
        make_geo_prefix(tx, plan, rng);
        return tx;
      }
      if (pos >= plan.start + plan.prefix && pos < plan.start + plan.prefix + plan.run) {
        make_fraud(tx, plan, rng);
        return tx;
      }
    }
    double const u = detail::unit(rng());
    if (u < solo_fraud_) {
      auto plan = plan_scheme(rng, detail::schemes[3]);
      make_fraud(tx, plan, rng);
    } else if (u < solo_fraud_ + edge_) {
      make_edge(tx, rng);
    } else {
      make_legit(tx, rng);
    }
    return tx;
  }

 private:
  using engine = stress_testing::detail::splitmix64_engine;

  struct card_profile {
    std::size_t country;
    std::int32_t lat_e4;
    std::int32_t lon_e4;
    std::array<std::uint32_t, 2> devices;
  };

  /// What a fraud block's run shares: the scheme, the card, and the fraudster's device and place.
  struct block_plan {
    fraud_pattern pattern = fraud_pattern::none;
    std::uint32_t start = 0, prefix = 0, run = 0;
    std::uint32_t card = 0;
    card_profile holder{};
    std::size_t where = 0;  ///< country the fraudster operates in
    std::int32_t lat_e4 = 0, lon_e4 = 0;
    std::uint32_t device = 0;
    std::uint32_t merchant = 0;  ///< card_testing hits one merchant's checkout
  };

  bool is_fraud_block(std::uint64_t block) const noexcept {
    std::uint64_t const group = block / detail::group_blocks;
    auto const k = block % detail::group_blocks;
    std::uint64_t const h = stress_testing::detail::counter_hash(group_key_, group);
    // Fraud blocks in this group: floor(q*16 + u), so its expectation is exactly q*16.
    auto const count = static_cast<std::uint64_t>(
        fraud_block_share_ * static_cast<double>(detail::group_blocks) + detail::unit(h));
    // Which blocks: k -> (odd * k + offset) mod 16 is a permutation of the group.
    std::uint64_t const mult = ((h & 7) << 1) | 1;
    std::uint64_t const offset = (h >> 3) & 15;
    return ((mult * k + offset) & 15) < count;
  }

  block_plan plan_block(engine& rng) const noexcept {
    double const u = detail::unit(rng());
    double acc = 0;
    for (auto const& s : detail::schemes) {
      acc += s.weight;
      if (u < acc) return plan_scheme(rng, s);
    }
    return plan_scheme(rng, detail::schemes.back());
  }

  block_plan plan_scheme(engine& rng, const detail::scheme_info& s) const noexcept {
    block_plan p;
    p.pattern = s.pattern;
    p.prefix = detail::between(rng(), s.prefix_min, s.prefix_max);
    p.run = detail::between(rng(), s.run_min, s.run_max);
    p.start = detail::bounded(rng(), static_cast<std::uint32_t>(block_length) - p.prefix - p.run + 1);
    p.card = detail::bounded(rng(), options_.cards);
    p.holder = card_of(p.card);
    p.device = static_cast<std::uint32_t>(rng());
    switch (s.pattern) {
      case fraud_pattern::velocity_burst:
      case fraud_pattern::card_testing:
        // Behind a proxy in the victim's country, or openly abroad.
        p.where = detail::unit(rng()) < 0.6 ? p.holder.country : foreign(p.holder.country, rng());
        break;
      case fraud_pattern::geo_jump: p.where = foreign(p.holder.country, rng()); break;
      default: p.where = p.holder.country; break;
    }
    place_in_country(p.where, rng(), p.lat_e4, p.lon_e4);
    p.merchant = merchant_for(p.where, merchant_category::digital_goods, rng());
    return p;
  }

  card_profile card_of(std::uint32_t card) const noexcept {
    engine rng(stress_testing::detail::counter_hash(card_key_, card));
    card_profile c{};
    auto const r = detail::bounded(rng(), 100);
    unsigned acc = 0;
    c.country = detail::countries.size() - 1;
    for (std::size_t i = 0; i < detail::countries.size(); ++i) {
      acc += detail::countries[i].weight;
      if (r < acc) {
        c.country = i;
        break;
      }
    }
    place_in_country(c.country, rng(), c.lat_e4, c.lon_e4);
    c.devices = {static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())};
    return c;
  }

  /// A point within about 5 km of one of the country's cities.
  static void place_in_country(std::size_t country, std::uint64_t x, std::int32_t& lat_e4, std::int32_t& lon_e4) noexcept {
    auto const& c = detail::countries[country];
    auto const& town = detail::cities[c.first_city + detail::bounded(x, c.city_count)];
    // Up to 0.05 degrees each way (about 5 km), from bits the city choice does not use.
    lat_e4 = town.lat_e4 + static_cast<std::int32_t>((x & 0xFFFF) % 1001) - 500;
    lon_e4 = town.lon_e4 + static_cast<std::int32_t>(((x >> 16) & 0xFFFF) % 1001) - 500;
  }

  /// A country of another region (thousands of km away), chosen with `x`.
  static std::size_t foreign(std::size_t home, std::uint64_t x) noexcept {
    return pick_country(x, [home](const detail::country_info& c) { return c.region != detail::countries[home].region; });
  }

  /// Another country of the same region, or `home` when the region has no other.
  static std::size_t neighbour(std::size_t home, std::uint64_t x) noexcept {
    auto const n = pick_country(x, [home](const detail::country_info& c) {
      return c.region == detail::countries[home].region && c.code != detail::countries[home].code;
    });
    return n < detail::countries.size() ? n : home;
  }

  /// Uniformly one of the countries satisfying `keep` (countries.size() when none does).
  template <class Keep>
  static std::size_t pick_country(std::uint64_t x, Keep keep) noexcept {
    std::uint32_t n = 0;
    for (auto const& c : detail::countries) n += keep(c) ? 1U : 0U;
    if (n == 0) return detail::countries.size();
    auto k = detail::bounded(x, n);
    for (std::size_t i = 0; i < detail::countries.size(); ++i)
      if (keep(detail::countries[i]) && k-- == 0) return i;
    return detail::countries.size();
  }

  /// A merchant of `country` and `category` (stable mapping when merchants >= 168).
  std::uint32_t merchant_for(std::size_t country, merchant_category category, std::uint64_t x) const noexcept {
    constexpr auto buckets = static_cast<std::uint32_t>(detail::countries.size() * detail::categories.size());
    auto const bucket = static_cast<std::uint32_t>(country * detail::categories.size() + static_cast<std::size_t>(category));
    if (options_.merchants > bucket) return bucket + buckets * detail::bounded(x, (options_.merchants - 1 - bucket) / buckets + 1);
    return detail::bounded(x, options_.merchants);
  }

  static merchant_category pick_category(std::uint64_t x) noexcept {
    auto const r = detail::bounded(x, detail::category_weight_total);
    unsigned acc = 0;
    for (std::size_t i = 0; i < detail::categories.size(); ++i) {
      acc += detail::categories[i].weight;
      if (r < acc) return static_cast<merchant_category>(i);
    }
    return merchant_category::grocery;
  }

  /// The amount in minor units of `c` worth about `usd` (at least one minor unit).
  static std::int64_t to_minor(double usd, currency c) noexcept {
    double const scale = minor_digits(c) == 0 ? 1.0 : 100.0;
    return std::max<std::int64_t>(1, std::llround(usd / usd_per_unit(c) * scale));
  }

  static void set_country(transaction& tx, std::size_t where) noexcept {
    tx.country = detail::countries[where].code;
    tx.currency = detail::countries[where].currency;
  }

  /// Card present or ATM: at the merchant's shop, on its terminal.
  void at_merchant(transaction& tx, std::size_t where, std::uint64_t x) const noexcept {
    tx.merchant = merchant_for(where, tx.merchant_category, x);
    std::uint64_t const m = stress_testing::detail::counter_hash(merchant_key_, tx.merchant);
    place_in_country(where, m, tx.lat_e4, tx.lon_e4);
    tx.device = static_cast<std::uint32_t>(stress_testing::detail::mix64(m));
  }

  void make_legit(transaction& tx, engine& rng) const noexcept {
    tx.card = detail::bounded(rng(), options_.cards);
    auto const holder = card_of(tx.card);
    tx.home_country = detail::countries[holder.country].code;
    std::size_t where = holder.country;
    bool const travelling = detail::unit(rng()) < 0.03;
    std::uint64_t const x = rng();
    if (travelling) where = neighbour(holder.country, x);
    set_country(tx, where);
    tx.merchant_category = pick_category(rng());
    auto const& cat = detail::categories[static_cast<std::size_t>(tx.merchant_category)];
    double const c = detail::unit(rng());
    tx.channel = c < cat.atm_share                          ? channel::atm
                 : c < cat.atm_share + cat.card_present_share ? channel::card_present
                                                                : channel::online;
    if (tx.channel == channel::atm) {
      // Round withdrawals: multiples of 20 (500 rupees, 1,000 yen) around 120 USD.
      double const usd = 120.0 * std::exp(0.6 * detail::normal(rng()));
      std::int64_t const step = tx.currency == currency::jpy   ? 1000
                                : tx.currency == currency::inr ? 50'000
                                                               : 2000;
      tx.amount_minor = std::max<std::int64_t>(1, to_minor(usd, tx.currency) / step) * step;
    } else {
      tx.amount_minor = to_minor(cat.median_usd * std::exp(cat.sigma * detail::normal(rng())), tx.currency);
    }
    if (tx.channel == channel::online) {
      tx.merchant = merchant_for(where, tx.merchant_category, rng());
      tx.device = holder.devices[rng() & 1];
      if (where == holder.country) {
        tx.lat_e4 = holder.lat_e4;
        tx.lon_e4 = holder.lon_e4;
      } else {
        place_in_country(where, rng(), tx.lat_e4, tx.lon_e4);
      }
    } else {
      at_merchant(tx, where, rng());
    }
  }

  void make_edge(transaction& tx, engine& rng) const noexcept {
    tx.label = label::edge_case;
    tx.card = detail::bounded(rng(), options_.cards);
    auto const holder = card_of(tx.card);
    tx.home_country = detail::countries[holder.country].code;
    auto const kind = static_cast<edge_kind>(1 + detail::bounded(rng(), 5));
    tx.edge = kind;
    std::uint64_t const x = rng();
    std::size_t where = holder.country;
    auto const pick = [&rng](std::initializer_list<merchant_category> list) {
      return *(list.begin() + detail::bounded(rng(), static_cast<std::uint32_t>(list.size())));
    };
    switch (kind) {
      case edge_kind::micro_amount:
        // Card verification: the smallest amount the currency has.
        tx.channel = (x & 1) != 0 ? channel::online : channel::card_present;
        tx.merchant_category = tx.channel == channel::online ? merchant_category::digital_goods : merchant_category::fuel;
        set_country(tx, where);
        tx.amount_minor = 1;
        break;
      case edge_kind::large_amount:
        tx.channel = (x & 1) != 0 ? channel::online : channel::card_present;
        tx.merchant_category = tx.channel == channel::online ? merchant_category::travel
                                                             : pick({merchant_category::electronics, merchant_category::fashion});
        set_country(tx, where);
        tx.amount_minor = to_minor(detail::log_uniform(rng(), 10'000.0, 50'000.0), tx.currency);
        break;
      case edge_kind::zero_decimal_currency:
        where = detail::country_jp;
        tx.channel = channel::card_present;
        tx.merchant_category =
            pick({merchant_category::restaurants, merchant_category::fashion, merchant_category::travel});
        set_country(tx, where);
        tx.amount_minor = to_minor(detail::log_uniform(rng(), 20.0, 1'000.0), tx.currency);
        break;
      case edge_kind::distant_travel:
        where = foreign(holder.country, x);
        tx.channel = channel::card_present;
        tx.merchant_category = pick({merchant_category::restaurants, merchant_category::travel,
                                     merchant_category::fuel, merchant_category::grocery});
        set_country(tx, where);
        {
          auto const& cat = detail::categories[static_cast<std::size_t>(tx.merchant_category)];
          tx.amount_minor = to_minor(cat.median_usd * std::exp(cat.sigma * detail::normal(rng())), tx.currency);
        }
        break;
      default: {  // threshold_amount
        constexpr std::array<std::int64_t, 6> thresholds{100, 500, 1000, 2500, 5000, 10'000};
        tx.merchant_category =
            pick({merchant_category::gift_cards, merchant_category::crypto, merchant_category::electronics});
        tx.channel = tx.merchant_category == merchant_category::crypto || (x & 1) != 0 ? channel::online
                                                                                        : channel::card_present;
        set_country(tx, where);
        // In minor units: 100.00 is 10000 cents; for yen the threshold is scaled by 100 too.
        auto const at = detail::bounded(rng(), static_cast<std::uint32_t>(thresholds.size()));
        tx.amount_minor = thresholds[at] * 100 - static_cast<std::int64_t>((x >> 1) & 1);
        break;
      }
    }
    if (tx.channel == channel::online) {
      tx.merchant = merchant_for(where, tx.merchant_category, rng());
      tx.device = holder.devices[rng() & 1];
      tx.lat_e4 = holder.lat_e4;
      tx.lon_e4 = holder.lon_e4;
    } else {
      at_merchant(tx, where, rng());
    }
  }

  /// geo_jump: the real card holder shopping at home just before the card is used abroad.
  void make_geo_prefix(transaction& tx, const block_plan& plan, engine& rng) const noexcept {
    tx.card = plan.card;
    tx.home_country = detail::countries[plan.holder.country].code;
    set_country(tx, plan.holder.country);
    tx.channel = channel::card_present;
    constexpr std::array<merchant_category, 3> daily{merchant_category::grocery, merchant_category::restaurants,
                                                     merchant_category::fuel};
    tx.merchant_category = daily[detail::bounded(rng(), 3)];
    auto const& cat = detail::categories[static_cast<std::size_t>(tx.merchant_category)];
    tx.amount_minor = to_minor(cat.median_usd * std::exp(cat.sigma * detail::normal(rng())), tx.currency);
    at_merchant(tx, plan.holder.country, rng());
  }

  void make_fraud(transaction& tx, const block_plan& plan, engine& rng) const noexcept {
    tx.label = label::fraudulent;
    tx.pattern = plan.pattern;
    tx.card = plan.card;
    tx.home_country = detail::countries[plan.holder.country].code;
    set_country(tx, plan.where);
    switch (plan.pattern) {
      case fraud_pattern::velocity_burst:
        tx.channel = channel::online;
        tx.merchant_category = (rng() & 1) != 0 ? merchant_category::gift_cards : merchant_category::digital_goods;
        tx.merchant = merchant_for(plan.where, tx.merchant_category, rng());
        tx.amount_minor = to_minor(detail::log_uniform(rng(), 20.0, 250.0), tx.currency);
        break;
      case fraud_pattern::card_testing:
        tx.channel = channel::online;
        tx.merchant_category = merchant_category::digital_goods;
        tx.merchant = plan.merchant;
        tx.amount_minor = detail::between(rng(), 50, 200);  // 0.50 - 2.00 (50 - 200 yen)
        break;
      case fraud_pattern::geo_jump: {
        // A cloned card at shops abroad, minutes after the holder used it at home.
        tx.channel = channel::card_present;
        tx.merchant_category = (rng() & 1) != 0 ? merchant_category::electronics : merchant_category::fashion;
        tx.amount_minor = to_minor(detail::log_uniform(rng(), 150.0, 2'000.0), tx.currency);
        at_merchant(tx, plan.where, rng());  // the shop's place and terminal
        return;
      }
      default:  // account_takeover
        tx.channel = channel::online;
        tx.merchant_category = detail::unit(rng()) < 0.6 ? merchant_category::electronics : merchant_category::crypto;
        tx.merchant = merchant_for(plan.where, tx.merchant_category, rng());
        tx.amount_minor = to_minor(detail::log_uniform(rng(), 1'500.0, 9'000.0), tx.currency);
        break;
    }
    tx.device = plan.device;  // the fraudster's device: new to this card
    tx.lat_e4 = plan.lat_e4;
    tx.lon_e4 = plan.lon_e4;
  }

  generator_options options_;
  std::uint64_t group_key_ = 0;
  std::uint64_t block_key_ = 0;
  std::uint64_t tx_key_ = 0;
  std::uint64_t card_key_ = 0;
  std::uint64_t merchant_key_ = 0;
  double fraud_block_share_ = 0;  ///< probability that a block is a fraud block
  double solo_fraud_ = 0;         ///< probability that a free position is a lone account takeover
  double edge_ = 0;               ///< probability that a free position is an edge case
};

}  // namespace stress_testing::fraud

#endif
