#ifndef FRAUD_SERVICE_FRAUD_SERVICE_HPP
#define FRAUD_SERVICE_FRAUD_SERVICE_HPP

// The sample multi-agent fraud-detection service: an HTTP/1.1 server speaking
// docs/fraud_wire_format.md, for the demo (`stress-run serve-fraud`), the integration tests, and
// as an example of a service under test. Header-only; link Asio/Beast's compiled implementation
// (the project's `stress_testing_asio`) or include <boost/asio/impl/src.hpp> and
// <boost/beast/src.hpp> in one TU when building with separate compilation.
//
// Layers, bottom to top (the first four are plain code without I/O and can be driven with a fake
// clock):
//   1. `transaction` and `parse_transaction` — the request body, validated field by field.
//   2. The four agents' scoring: `rules_score`, `ml_score`, `geo_velocity_table`, `device_table`.
//   3. `orchestrator` — runs every agent on a transaction, draws each agent's simulated latency
//      and failure from its own seeded stream, drops the votes that miss their budget or fail,
//      and combines the rest by a weighted noisy-OR into a fraud score and a decision.
//   4. `capacity_model` — the service's processing slots and FIFO queue in virtual time (an exact
//      M/G/c queue with a bounded waiting room).
//   5. `server` — Beast HTTP/1.1 on Asio: one coroutine per connection; a scored request waits on
//      ONE steady_timer (the connection's) until its queue wait plus processing time have passed.

#include <stress_testing/config/problem.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fraud_service {

// ---- errors --------------------------------------------------------------------------------

/** Errors of `server::start`. */
enum class error {
  non_loopback_listen = 1,  ///< `listen` is not a loopback address and `allow_non_loopback` is off
  already_started,          ///< `start` was called twice
  stopped,                  ///< `start` after `stop`
};

namespace detail {
class error_category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fraud_service"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::non_loopback_listen:
        return "refusing to listen on a non-loopback address (set service_options::allow_non_loopback)";
      case error::already_started: return "the server was already started";
      case error::stopped: return "the server was stopped";
    }
    return "unknown fraud_service error";
  }
};
}  // namespace detail

/// The category of `fraud_service::error`.
inline const boost::system::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace fraud_service

template <>
struct boost::system::is_error_code_enum<fraud_service::error> : std::true_type {};

namespace fraud_service {

// ---- 1. the transaction --------------------------------------------------------------------

/// ISO 4217 codes the service accepts (docs/fraud_wire_format.md).
enum class currency_code : std::uint8_t { usd, eur, gbp, jpy, cad, aud, brl, inr, sgd, chf };
inline constexpr std::array<std::string_view, 10> currency_codes{"USD", "EUR", "GBP", "JPY", "CAD",
                                                                 "AUD", "BRL", "INR", "SGD", "CHF"};

enum class merchant_category : std::uint8_t {
  grocery, restaurants, fuel, travel, electronics, gift_cards, crypto, fashion, pharmacy, digital_goods, utilities,
  entertainment
};
inline constexpr std::array<std::string_view, 12> merchant_categories{
    "grocery", "restaurants", "fuel", "travel", "electronics", "gift_cards", "crypto", "fashion", "pharmacy",
    "digital_goods", "utilities", "entertainment"};

enum class payment_channel : std::uint8_t { card_present, online, atm };
inline constexpr std::array<std::string_view, 3> payment_channels{"card_present", "online", "atm"};

/** One transaction as the request body carries it. `parse_transaction` fills it in place so a
    connection can reuse one object (and its strings' capacity) for every request. */
struct transaction {
  std::string transaction_id;  ///< "tx-" + 16 lowercase hex digits
  std::string card_id;         ///< "card-" + 8 digits
  double amount = 0;           ///< major units of `currency`, > 0
  currency_code currency = currency_code::usd;
  std::string merchant_id;  ///< "m-" + 6 digits
  merchant_category category = merchant_category::grocery;
  payment_channel channel = payment_channel::card_present;
  std::array<char, 2> country{'U', 'S'};       ///< where it happens (ISO 3166 alpha-2)
  std::array<char, 2> home_country{'U', 'S'};  ///< the card holder's country
  double lat = 0;                              ///< degrees, [-90, 90]
  double lon = 0;                              ///< degrees, [-180, 180]
  std::string device_id;                       ///< "dev-" + 8 hex digits
  std::int64_t timestamp_ms = 0;               ///< synthetic event time, Unix ms, >= 0
};

/// Fixed conversion rates to USD, so that the agents compare amounts across currencies.
inline double usd_per_unit(currency_code c) noexcept {
  constexpr std::array<double, 10> rates{1.0, 1.08, 1.27, 0.0067, 0.73, 0.66, 0.20, 0.012, 0.74, 1.12};
  return rates[static_cast<std::size_t>(c)];
}
inline double amount_usd(const transaction& t) noexcept { return t.amount * usd_per_unit(t.currency); }
inline bool is_foreign(const transaction& t) noexcept { return t.country != t.home_country; }
/// Categories where stolen cards are cashed out: gift_cards, crypto, digital_goods.
inline bool is_risky(merchant_category c) noexcept {
  return c == merchant_category::gift_cards || c == merchant_category::crypto || c == merchant_category::digital_goods;
}

namespace detail {

enum class field : std::uint8_t {
  transaction_id, card_id, amount, currency, merchant_id, merchant_category, channel, country, home_country, lat,
  lon, device_id, timestamp_ms, unknown
};
inline constexpr std::size_t field_count = 13;
inline constexpr std::array<std::string_view, field_count> field_names{
    "transaction_id", "card_id", "amount",  "currency", "merchant_id", "merchant_category", "channel",
    "country",        "home_country", "lat", "lon",      "device_id",   "timestamp_ms"};

inline bool all_of_chars(std::string_view s, bool (*pred)(char)) noexcept {
  return std::all_of(s.begin(), s.end(), pred);
}
inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }
inline bool is_hex(char c) noexcept { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }
inline bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

inline bool has_form(std::string_view s, std::string_view prefix, std::size_t digits, bool (*pred)(char)) noexcept {
  return s.size() == prefix.size() + digits && s.substr(0, prefix.size()) == prefix &&
         all_of_chars(s.substr(prefix.size()), pred);
}

template <std::size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<int>(i);
  return -1;
}

/** nlohmann SAX consumer filling a `transaction` without building a DOM. Stops at the first
    problem, with `error` set to "<field>: <reason>". Members of nested values and unknown
    members are skipped. */
class transaction_sax {
 public:
  using json = nlohmann::json;

  transaction_sax(transaction& out, std::string& error) : out_(out), error_(error) {}

  bool null() { return wrong_type_or_skip(); }
  bool boolean(bool) { return wrong_type_or_skip(); }
  bool number_integer(json::number_integer_t v) { return on_number(static_cast<double>(v), true, v >= 0, v); }
  bool number_unsigned(json::number_unsigned_t v) {
    bool const fits = v <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max());
    return on_number(static_cast<double>(v), fits, true, fits ? static_cast<std::int64_t>(v) : 0, !fits);
  }
  bool number_float(json::number_float_t v, const json::string_t&) { return on_number(v, false, v >= 0, 0); }
  bool string(json::string_t& v) {
    switch (route()) {
      case action::fail: return false;
      case action::skip: return true;
      case action::handle: break;
    }
    return on_string(v);
  }
  bool binary(json::binary_t&) { return wrong_type_or_skip(); }
  bool start_object(std::size_t) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 1 && field_ != field::unknown) return wrong_type();
    ++depth_;
    return true;
  }
  bool key(json::string_t& k) {
    if (depth_ != 1) return true;
    int const i = index_of(field_names, k);
    field_ = i < 0 ? field::unknown : static_cast<field>(i);
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return not_an_object();
    if (depth_ == 1 && field_ != field::unknown) return wrong_type();
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const json::exception&) {
    error_ = position <= 1 ? std::string("body: empty or not JSON")
                           : "body: invalid JSON at byte " + std::to_string(position);
    return false;
  }

  /// After a successful parse: names the first missing field, in the wire format's order.
  bool complete() {
    for (std::size_t i = 0; i < field_count; ++i)
      if (!(seen_ & (1u << i))) {
        error_.assign(field_names[i]).append(": missing");
        return false;
      }
    return true;
  }

 private:
  enum class action { handle, skip, fail };
  enum class expects { string, number, integer };

  static expects expected(field f) noexcept {
    switch (f) {
      case field::amount:
      case field::lat:
      case field::lon: return expects::number;
      case field::timestamp_ms: return expects::integer;
      default: return expects::string;
    }
  }

  action route() {
    if (depth_ == 0) {
      not_an_object();
      return action::fail;
    }
    if (depth_ > 1 || field_ == field::unknown) return action::skip;
    return action::handle;
  }

  bool not_an_object() {
    error_ = "body: must be a JSON object";
    return false;
  }

  bool fail(std::string_view reason) {
    error_.assign(field_names[static_cast<std::size_t>(field_)]).append(": ").append(reason);
    return false;
  }

  bool wrong_type() {
    switch (expected(field_)) {
      case expects::string: return fail("must be a string");
      case expects::number: return fail("must be a number");
      case expects::integer: return fail("must be an integer");
    }
    return false;
  }

  bool wrong_type_or_skip() {
    switch (route()) {
      case action::fail: return false;
      case action::skip: return true;
      case action::handle: break;
    }
    return wrong_type();
  }

  void mark() noexcept { seen_ |= 1u << static_cast<unsigned>(field_); }

  bool on_number(double v, bool integral, bool non_negative, std::int64_t as_int, bool out_of_range = false) {
    switch (route()) {
      case action::fail: return false;
      case action::skip: return true;
      case action::handle: break;
    }
    switch (field_) {
      case field::amount:
        if (!(v > 0) || !std::isfinite(v)) return fail("must be > 0");
        if (v > 1e9) return fail("must be <= 1000000000");
        out_.amount = v;
        break;
      case field::lat:
        if (!(v >= -90 && v <= 90)) return fail("must be within [-90, 90]");
        out_.lat = v;
        break;
      case field::lon:
        if (!(v >= -180 && v <= 180)) return fail("must be within [-180, 180]");
        out_.lon = v;
        break;
      case field::timestamp_ms:
        if (!integral && !out_of_range) return fail("must be an integer");
        if (out_of_range) return fail("out of range");
        if (!non_negative) return fail("must be >= 0");
        out_.timestamp_ms = as_int;
        break;
      default: return wrong_type();
    }
    mark();
    return true;
  }

  bool on_string(const std::string& v) {
    switch (field_) {
      case field::transaction_id:
        if (!has_form(v, "tx-", 16, is_lower_hex)) return fail("must be \"tx-\" and 16 lowercase hex digits");
        out_.transaction_id.assign(v);
        break;
      case field::card_id:
        if (!has_form(v, "card-", 8, is_digit)) return fail("must be \"card-\" and 8 digits");
        out_.card_id.assign(v);
        break;
      case field::merchant_id:
        if (!has_form(v, "m-", 6, is_digit)) return fail("must be \"m-\" and 6 digits");
        out_.merchant_id.assign(v);
        break;
      case field::device_id:
        if (!has_form(v, "dev-", 8, is_hex)) return fail("must be \"dev-\" and 8 hex digits");
        out_.device_id.assign(v);
        break;
      case field::currency: {
        int const i = index_of(currency_codes, v);
        if (i < 0) return fail("unknown currency (USD, EUR, GBP, JPY, CAD, AUD, BRL, INR, SGD, CHF)");
        out_.currency = static_cast<currency_code>(i);
        break;
      }
      case field::merchant_category: {
        int const i = index_of(merchant_categories, v);
        if (i < 0) return fail("unknown category");
        out_.category = static_cast<merchant_category>(i);
        break;
      }
      case field::channel: {
        int const i = index_of(payment_channels, v);
        if (i < 0) return fail("must be card_present, online or atm");
        out_.channel = static_cast<payment_channel>(i);
        break;
      }
      case field::country:
      case field::home_country: {
        if (v.size() != 2 || !all_of_chars(v, is_upper)) return fail("must be 2 uppercase letters (ISO 3166)");
        auto& dst = field_ == field::country ? out_.country : out_.home_country;
        dst = {v[0], v[1]};
        break;
      }
      default: return wrong_type();
    }
    mark();
    return true;
  }

  transaction& out_;
  std::string& error_;
  int depth_ = 0;
  field field_ = field::unknown;
  std::uint32_t seen_ = 0;
};

}  // namespace detail

/** Parses and validates a request body (docs/fraud_wire_format.md) into `out`, reusing its
    strings. Returns false with `error` = "<field>: <reason>" (`body: ...` for the document) at
    the first problem: a missing field, a wrong type, a malformed id, an unknown currency,
    category or channel, an out-of-range number. Unknown members are ignored. Allocation-free
    once `out`'s strings have grown, apart from nlohmann's lexer buffer. */
inline bool parse_transaction(std::string_view body, transaction& out, std::string& error) {
  error.clear();
  detail::transaction_sax sax(out, error);
  if (!nlohmann::json::sax_parse(body.data(), body.data() + body.size(), &sax)) {
    if (error.empty()) error = "body: invalid JSON";
    return false;
  }
  return sax.complete();
}

/// Throwing form: `std::invalid_argument` whose `what()` is the error message.
inline transaction parse_transaction(std::string_view body) {
  transaction t;
  std::string error;
  if (!parse_transaction(body, t, error)) throw std::invalid_argument(error);
  return t;
}

// ---- 2. the agents' scoring ----------------------------------------------------------------
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

// ---- 3. configuration and the orchestrator -------------------------------------------------

/** One agent: which logic (`name`: rules, ml, geo_velocity, identity), its vote's weight, its
    simulated latency — log-normal with the given median and 99th percentile (median == p99 gives
    a constant latency) — its time budget, and its failure rate. */
struct agent_config {
  std::string name;
  double weight = 1;
  double median_ms = 2;
  double p99_ms = 10;
  /// The orchestrator waits at most this long; a slower agent's vote is dropped ("degraded").
  double budget_ms = 50;
  /// Probability that a call fails (its vote is dropped).
  double error_rate = 0;
};

/** A fault injected into an agent at run time (`server::set_agent_fault`): extra latency added to
    every call, an extra failure probability (combined with the configured one), or the agent
    down (every call fails at once). */
struct agent_fault {
  double extra_latency_ms = 0;
  double error_rate = 0;
  bool down = false;

  friend bool operator==(const agent_fault&, const agent_fault&) = default;
};

/** A fault of the whole service (`server::set_service_fault`), as if its compute crashed or a
    dependency in front of every agent slowed down: a fraction `error_rate` of scoring requests
    is answered `status` at once (502: the gateway in front of a crashed function; 429 or 503 get
    `Retry-After: 1`), and every other scoring request takes `extra_latency_ms` longer (added
    after its processing; it does not hold a processing slot). Which requests fail is decided by
    a hash of the service's seed and the request's arrival count: the same seed and arrival order
    give the same failures. */
struct service_fault {
  double error_rate = 0;
  unsigned status = 502;
  double extra_latency_ms = 0;

  friend bool operator==(const service_fault&, const service_fault&) = default;
};

/// rules 0.25, ml 0.35, geo_velocity 0.20, identity 0.20; medians 1-4 ms, p99 5-30 ms, budgets 25-60 ms.
inline std::vector<agent_config> default_agents() {
  return {
      {"rules", 0.25, 1.0, 5.0, 25.0, 0.0},
      {"ml", 0.35, 4.0, 30.0, 60.0, 0.0},
      {"geo_velocity", 0.20, 2.0, 15.0, 40.0, 0.0},
      {"identity", 0.20, 3.0, 20.0, 50.0, 0.0},
  };
}

/** Everything the service is configured by. `validate()` lists every problem with its path. */
struct service_options {
  /// Where to listen; port 0 picks an ephemeral port (start() returns it).
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::loopback(), 0};
  /// The project's network-safety rule: only loopback unless this is set.
  bool allow_non_loopback = false;
  /// Requests being processed at once (processing slots).
  std::size_t max_concurrency = 256;
  /// Requests waiting for a slot (FIFO); one more is answered 503 with Retry-After: 1.
  std::size_t max_queue = 1024;
  std::vector<agent_config> agents = default_agents();
  /// Seeds each agent's latency/failure stream (each agent its own, derived from this and its name).
  std::uint64_t seed = 1;
  /// Added to every request's processing time: combining the votes.
  double orchestrator_ms = 0.3;
  /// fraud_score >= decline_threshold: decline; >= review_threshold: review; else approve.
  double decline_threshold = 0.70;
  double review_threshold = 0.45;
  /// Request bodies above this are answered 413 and the connection closed.
  std::size_t body_limit = 64 * 1024;
  /// A connection without a complete request for this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  /// Slots of each stateful agent's per-card table (rounded up to a power of two).
  std::size_t card_table_slots = 65'536;

  /// Every problem, e.g. `agents[1].p99_ms: must be >= median_ms`; empty when valid.
  std::vector<stress_testing::config_problem> validate() const {
    std::vector<stress_testing::config_problem> ps;
    auto add = [&](std::string path, std::string reason) { ps.push_back({std::move(path), std::move(reason)}); };
    auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
    if (max_concurrency < 1 || max_concurrency > 1'000'000) add("max_concurrency", "must be within [1, 1000000]");
    if (max_queue > 10'000'000) add("max_queue", "must be <= 10000000");
    if (agents.empty()) add("agents", "at least one agent is required");
    if (agents.size() > agent_names.size()) add("agents", "at most one agent of each kind (4)");
    for (std::size_t i = 0; i < agents.size(); ++i) {
      auto const& a = agents[i];
      std::string const p = "agents[" + std::to_string(i) + "].";
      if (!agent_kind_from_name(a.name))
        add(p + "name", "unknown agent \"" + a.name + "\" (rules, ml, geo_velocity, identity)");
      for (std::size_t j = 0; j < i; ++j)
        if (agents[j].name == a.name) add(p + "name", "duplicate agent \"" + a.name + "\"");
      if (!(std::isfinite(a.weight) && a.weight > 0)) add(p + "weight", "must be > 0");
      if (!finite_nonneg(a.median_ms)) add(p + "median_ms", "must be >= 0");
      if (!std::isfinite(a.p99_ms) || a.p99_ms < a.median_ms) add(p + "p99_ms", "must be >= median_ms");
      else if (a.median_ms == 0 && a.p99_ms != 0) add(p + "p99_ms", "must be 0 when median_ms is 0");
      if (!(std::isfinite(a.budget_ms) && a.budget_ms > 0)) add(p + "budget_ms", "must be > 0");
      if (!(a.error_rate >= 0 && a.error_rate <= 1)) add(p + "error_rate", "must be within [0, 1]");
    }
    if (!finite_nonneg(orchestrator_ms)) add("orchestrator_ms", "must be >= 0");
    if (!(decline_threshold >= 0 && decline_threshold <= 1)) add("decline_threshold", "must be within [0, 1]");
    if (!(review_threshold >= 0 && review_threshold <= decline_threshold))
      add("review_threshold", "must be within [0, decline_threshold]");
    if (body_limit < 256) add("body_limit", "must be >= 256");
    if (idle_timeout.count() <= 0) add("idle_timeout", "must be > 0");
    if (card_table_slots < 1 || card_table_slots > (std::size_t{1} << 26))
      add("card_table_slots", "must be within [1, 67108864]");
    return ps;
  }
};

enum class decision : std::uint8_t { approve, review, decline };
inline constexpr std::array<std::string_view, 3> decision_names{"approve", "review", "decline"};

/// What became of one agent's call: `ok` votes; the others are dropped and listed in "degraded".
enum class agent_status : std::uint8_t { ok, timeout, error, down };
inline constexpr std::array<std::string_view, 4> agent_status_names{"ok", "timeout", "error", "down"};

struct agent_result {
  double score = 0;  ///< the agent's score (meaningless when down)
  double ms = 0;     ///< simulated time of the call: min(latency, budget); 0 when down
  agent_status status = agent_status::ok;
};

/** The outcome of scoring one transaction: per agent (in `service_options::agents` order), the
    combined score, the decision and the simulated processing time. */
struct evaluation {
  std::size_t agent_count = 0;
  std::array<agent_result, 4> agents{};
  /// Weighted noisy-OR of the votes that arrived (see `orchestrator`); empty when every vote was dropped.
  std::optional<double> fraud_score;
  /// `review` when every vote was dropped (fail safe: a human looks at it).
  fraud_service::decision decision = fraud_service::decision::approve;
  /// max over agents of `ms`, plus `orchestrator_ms`: how long the request holds a slot.
  double processing_ms = 0;
};

/// Counters of one agent (stats()).
struct agent_stats {
  std::string name;
  std::uint64_t calls = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t errors = 0;  ///< failed calls, including while down
  double mean_ms = 0;        ///< mean simulated call time (min(latency, budget))
  agent_fault fault;         ///< the fault currently injected
};

namespace detail {
constexpr double z_99 = 2.3263478740408408;  // the standard normal's 99th percentile

inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace detail

/** The mean processing time (ms) of a request: E[max_i min(X_i + extra_i, budget_i)] +
    orchestrator_ms, with X_i the agents' log-normal latencies (down agents take 0), by numerical
    integration of P(max > t). `faults` may be empty or one per agent. */
inline double mean_processing_ms(const std::vector<agent_config>& agents, const std::vector<agent_fault>& faults,
                                 double orchestrator_ms) {
  struct dist {
    double extra, mu, sigma, median, budget;
  };
  std::vector<dist> ds;
  double upper = 0;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    auto const& a = agents[i];
    agent_fault const f = i < faults.size() ? faults[i] : agent_fault{};
    if (f.down) continue;
    double const sigma = a.median_ms > 0 ? std::log(a.p99_ms / a.median_ms) / detail::z_99 : 0.0;
    double const mu = a.median_ms > 0 ? std::log(a.median_ms) : 0.0;
    ds.push_back({f.extra_latency_ms, mu, sigma, a.median_ms, a.budget_ms});
    double const tail = a.median_ms * std::exp(7.5 * sigma);  // P(X > tail) < 1e-13
    upper = std::max(upper, std::min(a.budget_ms, f.extra_latency_ms + tail));
  }
  if (upper <= 0) return orchestrator_ms;
  constexpr int steps = 8192;
  double const h = upper / steps;
  double sum = 0;
  for (int k = 0; k < steps; ++k) {
    double const t = (k + 0.5) * h;
    double all_below = 1;
    for (auto const& d : ds) {
      double cdf = 1;
      if (t < d.budget) {
        double const x = t - d.extra;
        if (x <= 0) cdf = d.median > 0 ? 0.0 : (x == 0 ? 1.0 : 0.0);
        else if (d.sigma == 0) cdf = x >= d.median ? 1.0 : 0.0;
        else cdf = detail::normal_cdf((std::log(x) - d.mu) / d.sigma);
      }
      all_below *= cdf;
    }
    sum += 1 - all_below;
  }
  return sum * h + orchestrator_ms;
}

/** Runs the agents on each transaction, in arrival order, and combines their votes. The votes
    that arrived (status ok), V, are combined by a **weighted noisy-OR**:

        fraud_score = 1 - prod_{i in V} (1 - score_i) ^ (weight_i / mean_{j in V} weight_j)

    — the probability that at least one agent's evidence is fraud, each agent's vote counting
    as much as its weight relative to the others (with the default weights the exponents are
    rules 1.0, ml 1.4, geo_velocity 0.8, identity 0.8). One confident vote carries the decision,
    suspicions add up, and a lone vote is its own score. A first card-testing probe (rules 0.57,
    identity 0.15, the others about 0.02) scores about 0.64, a review; the second (geo_velocity
    0.22 and identity 0.70 as well) about 0.87, a decline. fraud_score >= `decline_threshold`
    (0.70) declines, >= `review_threshold` (0.45) reviews, else approves; no vote at all reviews.

    Pure and deterministic: each agent draws its latency and failure from its own stream seeded by
    `seed` and its name, the stateful agents see the transactions in the order `evaluate` is
    called, and the scores never depend on the clock or the simulated latencies (only on the
    requests, event times included). Not thread-safe (the server holds a mutex). */
class orchestrator {
 public:
  explicit orchestrator(const service_options& options)
      : orchestrator_ms_(options.orchestrator_ms),
        decline_(options.decline_threshold),
        review_(options.review_threshold),
        geo_(uses(options, agent_kind::geo_velocity) ? options.card_table_slots : 1),
        devices_(uses(options, agent_kind::identity) ? options.card_table_slots : 1) {
    for (auto const& a : options.agents) {
      auto const kind = agent_kind_from_name(a.name);
      if (!kind) throw std::invalid_argument("fraud_service: unknown agent " + a.name);
      agent& g = agents_.emplace_back();
      g.kind = *kind;
      g.config = a;
      g.sigma = a.median_ms > 0 ? std::log(a.p99_ms / a.median_ms) / detail::z_99 : 0.0;
      g.mu = a.median_ms > 0 ? std::log(a.median_ms) : 0.0;
      g.rng.seed(detail::mix64(options.seed ^ detail::hash_key(a.name)));
    }
  }

  /// Scores `tx` with every agent, draws the simulated latencies and failures, fills `out`.
  void evaluate(const transaction& tx, evaluation& out) {
    out.agent_count = agents_.size();
    double weights = 0, slowest = 0;
    std::size_t votes = 0;
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      agent& g = agents_[i];
      // Both draws happen on every call so that each stream advances identically whatever the outcome.
      double const z = g.normal(g.rng);
      double const u = std::uniform_real_distribution<double>(0.0, 1.0)(g.rng);
      agent_result& r = out.agents[i];
      ++g.calls;
      if (g.fault.down) {
        r = {0.0, 0.0, agent_status::down};
        ++g.errors;
        continue;
      }
      double const latency = (g.sigma > 0 ? std::exp(g.mu + g.sigma * z) : g.config.median_ms) + g.fault.extra_latency_ms;
      double const fail = 1 - (1 - g.config.error_rate) * (1 - g.fault.error_rate);
      r.score = score(g.kind, tx);
      if (latency > g.config.budget_ms) {
        r.ms = g.config.budget_ms;
        r.status = agent_status::timeout;
        ++g.timeouts;
      } else {
        r.ms = latency;
        r.status = u < fail ? agent_status::error : agent_status::ok;
        if (r.status == agent_status::error) ++g.errors;
      }
      g.total_ms += r.ms;
      slowest = std::max(slowest, r.ms);
      if (r.status == agent_status::ok) {
        weights += g.config.weight;
        ++votes;
      }
    }
    out.processing_ms = slowest + orchestrator_ms_;
    if (votes > 0) {
      // Weighted noisy-OR: each vote is the probability of fraud its agent sees, raised to its
      // weight relative to the mean weight of the votes that arrived.
      double clean = 1;  // probability that no agent's evidence is fraud
      for (std::size_t i = 0; i < agents_.size(); ++i)
        if (out.agents[i].status == agent_status::ok)
          clean *= std::pow(1.0 - detail::clamp01(out.agents[i].score),
                            agents_[i].config.weight * static_cast<double>(votes) / weights);
      double const s = detail::clamp01(1.0 - clean);
      out.fraud_score = s;
      out.decision = s >= decline_ ? decision::decline : (s >= review_ ? decision::review : decision::approve);
    } else {
      out.fraud_score.reset();
      out.decision = decision::review;
    }
    ++decisions_[static_cast<std::size_t>(out.decision)];
  }

  /// Injects (or, with `agent_fault{}`, clears) a fault; false when no agent has that name.
  bool set_fault(std::string_view name, const agent_fault& fault) {
    for (auto& g : agents_)
      if (g.config.name == name) {
        g.fault = fault;
        return true;
      }
    return false;
  }

  std::vector<agent_fault> faults() const {
    std::vector<agent_fault> fs;
    for (auto const& g : agents_) fs.push_back(g.fault);
    return fs;
  }

  std::vector<agent_stats> stats() const {
    std::vector<agent_stats> out;
    for (auto const& g : agents_)
      out.push_back({g.config.name, g.calls, g.timeouts, g.errors,
                     g.calls ? g.total_ms / static_cast<double>(g.calls) : 0.0, g.fault});
    return out;
  }

  /// Decisions taken so far: approve, review, decline.
  const std::array<std::uint64_t, 3>& decisions() const noexcept { return decisions_; }

 private:
  struct agent {
    agent_kind kind = agent_kind::rules;
    agent_config config;
    double mu = 0, sigma = 0;
    std::mt19937_64 rng;
    std::normal_distribution<double> normal;
    agent_fault fault;
    std::uint64_t calls = 0, timeouts = 0, errors = 0;
    double total_ms = 0;
  };

  static bool uses(const service_options& o, agent_kind k) {
    return std::any_of(o.agents.begin(), o.agents.end(),
                       [&](const agent_config& a) { return a.name == agent_names[static_cast<std::size_t>(k)]; });
  }

  double score(agent_kind k, const transaction& tx) noexcept {
    switch (k) {
      case agent_kind::rules: return rules_score(tx);
      case agent_kind::ml: return ml_score(tx);
      case agent_kind::geo_velocity: return geo_.score(tx);
      case agent_kind::identity: return devices_.score(tx);
    }
    return 0;
  }

  std::vector<agent> agents_;
  double orchestrator_ms_, decline_, review_;
  geo_velocity_table geo_;
  device_table devices_;
  std::array<std::uint64_t, 3> decisions_{};
};

// ---- 4. capacity ---------------------------------------------------------------------------

/** The service's processing slots and waiting room, in virtual time: an exact FIFO M/G/c queue
    with at most `max_queue` waiting. Because each request's processing time is known when it is
    admitted, its start time is too (the earliest time a slot frees up, never before its
    arrival), so a request needs one timer and no wake-ups. Start times are non-decreasing in
    arrival order, which keeps the waiting room a simple deque. Pure: time is a parameter. */
class capacity_model {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  capacity_model(std::size_t max_concurrency, std::size_t max_queue)
      : max_concurrency_(max_concurrency), max_queue_(max_queue) {
    free_at_.reserve(max_concurrency);
  }

  /// A request arriving at `now` would find every slot busy and the waiting room full.
  bool full(time_point now) {
    if (free_at_.size() < max_concurrency_ || free_at_.front() <= now) return false;
    return queued(now) >= max_queue_;
  }

  /// Admits a request arriving at `now` that holds a slot for `processing`; returns its start.
  time_point admit(time_point now, clock::duration processing) {
    if (free_at_.size() < max_concurrency_) {
      free_at_.push_back(now + processing);
      std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
      return now;
    }
    std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    time_point const start = std::max(now, free_at_.back());
    free_at_.back() = start + processing;
    std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    if (start > now) {
      waiting_.push_back(start);
      peak_queue_ = std::max(peak_queue_, queued(now));
    }
    return start;
  }

  /// Requests waiting for a slot at `now`.
  std::size_t queued(time_point now) {
    while (!waiting_.empty() && waiting_.front() <= now) waiting_.pop_front();
    return waiting_.size();
  }

  /// Slots busy at `now`.
  std::size_t in_processing(time_point now) const {
    return static_cast<std::size_t>(std::count_if(free_at_.begin(), free_at_.end(), [&](time_point t) { return t > now; }));
  }

  std::size_t peak_queue() const noexcept { return peak_queue_; }

 private:
  std::size_t max_concurrency_, max_queue_;
  std::vector<time_point> free_at_;  // min-heap of the slots' free times (grows to max_concurrency)
  std::deque<time_point> waiting_;   // start times of the admitted requests not yet started
  std::size_t peak_queue_ = 0;
};

// ---- 5. the server -------------------------------------------------------------------------

/** A snapshot of the service (server::stats()). */
struct service_stats {
  /// Responses sent (or being sent), by HTTP status.
  std::map<unsigned, std::uint64_t> responses;
  std::uint64_t approved = 0, reviewed = 0, declined = 0;
  std::size_t in_processing = 0;  ///< requests holding a slot now
  std::size_t queued = 0;         ///< requests waiting for a slot now
  std::size_t peak_queue = 0;
  std::size_t connections = 0;  ///< open connections
  std::vector<fraud_service::agent_stats> agents;

  std::uint64_t count(unsigned status) const {
    auto it = responses.find(status);
    return it == responses.end() ? 0 : it->second;
  }
};

namespace detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct connection {
  explicit connection(tcp::socket s, std::size_t buffer_limit)
      : socket(std::move(s)), timer(socket.get_executor()), buffer(buffer_limit) {}

  void touch() noexcept { last_active_ns.store(now_ns(), std::memory_order_relaxed); }

  tcp::socket socket;
  net::steady_timer timer;  // the one timer each scored request waits on
  beast::flat_buffer buffer;
  // Reused by every request on this connection: their capacity stays.
  transaction tx;
  evaluation eval;
  std::string error, body, extra_headers, head;
  // Read by the sweeper and stop() from other threads.
  std::atomic<bool> reading{false};
  std::atomic<std::int64_t> last_active_ns{now_ns()};
};

inline std::string_view reason(unsigned status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

inline void append_uint(std::string& s, std::uint64_t v) {
  char buf[24];
  auto const r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

/// `v` with exactly `precision` (0-6) decimals, rounded half away from zero. Hand-rolled: it is
/// on every response, and std::to_chars(fixed, precision) costs several times more.
inline void append_fixed(std::string& s, double v, int precision) {
  constexpr std::array<double, 7> scale{1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  precision = std::clamp(precision, 0, 6);
  if (!std::isfinite(v) || std::abs(v) >= 1e12) {
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
    s.append(buf, r.ptr);
    return;
  }
  auto const p = static_cast<std::size_t>(precision);
  auto const digits = static_cast<std::uint64_t>(std::llround(std::abs(v) * scale[p]));
  auto const unit = static_cast<std::uint64_t>(scale[p]);
  if (v < 0 && digits != 0) s += '-';
  append_uint(s, digits / unit);
  if (p == 0) return;
  char frac[6];
  auto f = digits % unit;
  for (std::size_t i = p; i-- > 0; f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  s += '.';
  s.append(frac, p);
}

/// A JSON string literal of a message we wrote (escapes quotes and backslashes; controls are not expected).
inline void append_json_string(std::string& s, std::string_view v) {
  s += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') s += '\\';
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    s += c;
  }
  s += '"';
}

/** Shared by the server object, its accept loop and every connection. Connection state is
    confined to each connection's strand; the scoring core (orchestrator, capacity, counters)
    is behind `mutex` so that any number of threads can run the io_context. */
struct state {
  state(net::any_io_executor ex, service_options o)
      : executor(ex),
        accept_strand(net::make_strand(ex)),
        options(std::move(o)),
        acceptor(accept_strand),
        sweep_timer(accept_strand),
        core(options),
        capacity(options.max_concurrency, options.max_queue) {
    capacity_tps = compute_capacity();
  }

  double compute_capacity() const {
    double const ms = mean_processing_ms(options.agents, core.faults(), options.orchestrator_ms);
    return ms > 0 ? static_cast<double>(options.max_concurrency) * 1000.0 / ms
                  : std::numeric_limits<double>::infinity();
  }

  /// Admits a scored request arriving at `now`: evaluates it and returns when its response is
  /// due, with its queue wait; empty when the waiting room is full (503).
  std::optional<capacity_model::time_point> admit(const transaction& tx, evaluation& ev,
                                                  capacity_model::time_point now, double& queue_ms) {
    std::lock_guard lock(mutex);
    if (capacity.full(now)) return std::nullopt;
    core.evaluate(tx, ev);
    auto const processing = std::chrono::duration_cast<capacity_model::clock::duration>(
        std::chrono::duration<double, std::milli>(ev.processing_ms));
    auto const start = capacity.admit(now, processing);
    queue_ms = std::chrono::duration<double, std::milli>(start - now).count();
    return start + processing;
  }

  void record_response(unsigned status) {
    std::lock_guard lock(mutex);
    ++responses[status];
  }

  void add_connection(const std::shared_ptr<connection>& c) {
    std::lock_guard lock(connections_mutex);
    connections.emplace(c.get(), c);
  }
  void remove_connection(connection* c) {
    std::lock_guard lock(connections_mutex);
    connections.erase(c);
  }

  /// Posts `f(connection&)` to each open connection's strand.
  template <class F>
  void for_each_connection(F f) {
    std::lock_guard lock(connections_mutex);
    for (auto& [raw, weak] : connections)
      if (auto c = weak.lock()) {
        auto const ex = c->socket.get_executor();
        net::post(ex, [c = std::move(c), f] { f(*c); });
      }
  }

  net::any_io_executor executor;
  net::strand<net::any_io_executor> accept_strand;
  service_options const options;
  tcp::acceptor acceptor;     // on accept_strand
  net::steady_timer sweep_timer;  // on accept_strand
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;  // guards the members below, up to connections_mutex
  orchestrator core;
  capacity_model capacity;
  std::map<unsigned, std::uint64_t> responses;
  double capacity_tps = 0;
  service_fault fault;
  std::uint64_t fault_arrivals = 0;

  /// The service fault's decision for the next scoring request: the status to fail it with (0:
  /// serve it), and the latency to add when served.
  std::pair<unsigned, double> fault_decision() {
    std::lock_guard lock(mutex);
    if (fault == service_fault{}) return {0u, 0.0};
    std::uint64_t const n = fault_arrivals++;
    double const u = static_cast<double>(detail::mix64(options.seed ^ 0x5e1f'a017'0000'0000ULL ^ n) >> 11) * 0x1.0p-53;
    if (u < fault.error_rate) return {fault.status, 0.0};
    return {0u, fault.extra_latency_ms};
  }

  mutable std::mutex connections_mutex;
  std::unordered_map<connection*, std::weak_ptr<connection>> connections;
};

/// co_spawn's completion: a connection or loop that ends by an exception (only allocation
/// failure can throw here) just ends; its socket closes with it.
struct ignore_exception {
  void operator()(std::exception_ptr) const noexcept {}
};

enum class path_route { score, health, not_found, score_wrong_method, health_wrong_method };

inline path_route route_of(http::verb method, std::string_view target) noexcept {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/v1/transactions/score") return method == http::verb::post ? path_route::score : path_route::score_wrong_method;
  if (target == "/health") return method == http::verb::get ? path_route::health : path_route::health_wrong_method;
  return path_route::not_found;
}

inline void error_body(std::string& body, std::string_view message) {
  body.assign("{\"error\":");
  append_json_string(body, message);
  body += '}';
}

/// The 200 body and its Server-Timing header, into `c.body` and `c.extra_headers`.
inline void score_body(const state& st, connection& c, double queue_ms) {
  auto& b = c.body;
  auto& h = c.extra_headers;
  auto const& ev = c.eval;
  auto const& agents = st.options.agents;
  b.assign("{\"transaction_id\":\"");
  b += c.tx.transaction_id;
  b += "\",\"decision\":\"";
  b += decision_names[static_cast<std::size_t>(ev.decision)];
  b += "\",\"fraud_score\":";
  if (ev.fraud_score) append_fixed(b, *ev.fraud_score, 4);
  else b += "null";
  b += ",\"agents\":{";
  h.assign("Server-Timing: queue;dur=");
  append_fixed(h, queue_ms, 3);
  for (std::size_t i = 0; i < ev.agent_count; ++i) {
    auto const& r = ev.agents[i];
    if (i) b += ',';
    b += '"';
    b += agents[i].name;
    b += "\":{\"score\":";
    if (r.status == agent_status::ok) append_fixed(b, r.score, 4);
    else b += "null";
    b += ",\"ms\":";
    append_fixed(b, r.ms, 3);
    b += ",\"status\":\"";
    b += agent_status_names[static_cast<std::size_t>(r.status)];
    b += "\"}";
    h += ", ";
    h += agents[i].name;
    h += ";dur=";
    append_fixed(h, r.ms, 3);
  }
  b += "},\"degraded\":[";
  bool first = true;
  for (std::size_t i = 0; i < ev.agent_count; ++i) {
    if (ev.agents[i].status == agent_status::ok) continue;
    if (!first) b += ',';
    first = false;
    b += '"';
    b += agents[i].name;
    b += '"';
  }
  b += "]}";
  h += ", orchestrator;dur=";
  append_fixed(h, st.options.orchestrator_ms, 3);
  h += "\r\n";
}

inline void health_body(state& st, std::string& b) {
  auto const now = capacity_model::clock::now();
  std::lock_guard lock(st.mutex);
  auto const faults = st.core.faults();
  bool const any_down = std::any_of(faults.begin(), faults.end(), [](const agent_fault& f) { return f.down; });
  b.assign("{\"status\":\"");
  b += any_down ? "degraded" : "ok";
  b += "\",\"agents\":{";
  for (std::size_t i = 0; i < st.options.agents.size(); ++i) {
    auto const& a = st.options.agents[i];
    auto const& f = faults[i];
    if (i) b += ',';
    b += '"';
    b += a.name;
    b += "\":{\"state\":\"";
    b += f.down ? "down" : (f == agent_fault{} ? "up" : "faulty");
    b += "\",\"weight\":";
    append_fixed(b, a.weight, 3);
    b += ",\"median_ms\":";
    append_fixed(b, a.median_ms, 3);
    b += ",\"p99_ms\":";
    append_fixed(b, a.p99_ms, 3);
    b += ",\"budget_ms\":";
    append_fixed(b, a.budget_ms, 3);
    b += ",\"error_rate\":";
    append_fixed(b, 1 - (1 - a.error_rate) * (1 - f.error_rate), 4);
    b += ",\"extra_latency_ms\":";
    append_fixed(b, f.extra_latency_ms, 3);
    b += '}';
  }
  b += "},\"max_concurrency\":";
  append_uint(b, st.options.max_concurrency);
  b += ",\"max_queue\":";
  append_uint(b, st.options.max_queue);
  b += ",\"in_processing\":";
  append_uint(b, st.capacity.in_processing(now));
  b += ",\"queued\":";
  append_uint(b, st.capacity.queued(now));
  b += ",\"nominal_capacity_tps\":";
  if (std::isfinite(st.capacity_tps)) append_fixed(b, st.capacity_tps, 1);
  else b += "null";  // instant agents and no orchestrator overhead: no bound
  b += '}';
}

/// Status line, headers and body into `c.head` (the whole response; one write).
inline void assemble(connection& c, unsigned status, bool keep_alive, bool http10) {
  auto& o = c.head;
  o.assign("HTTP/1.1 ");
  append_uint(o, status);
  o += ' ';
  o += reason(status);
  o += "\r\nServer: fraud-service\r\nContent-Type: application/json\r\nContent-Length: ";
  append_uint(o, c.body.size());
  o += "\r\n";
  o += c.extra_headers;
  if (!keep_alive) o += "Connection: close\r\n";
  else if (http10) o += "Connection: keep-alive\r\n";
  o += "\r\n";
  o += c.body;
}

/// Unregisters the connection however its coroutine ends.
struct connection_guard {
  state* st;
  connection* c;
  ~connection_guard() { st->remove_connection(c); }
};

/** One connection: read a request, answer it, until the peer closes, asks to close, sends
    something that is not HTTP, idles too long, or the server stops. */
inline net::awaitable<void> serve_connection(std::shared_ptr<state> st, std::shared_ptr<connection> conn) {
  connection_guard const guard{st.get(), conn.get()};
  connection& c = *conn;
  beast::error_code ec;
  for (;;) {
    c.reading.store(true);
    if (st->stopping.load()) break;  // stop() closes readers; this catches a connection between requests
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(st->options.body_limit);
    co_await http::async_read(c.socket, c.buffer, parser, net::redirect_error(net::use_awaitable, ec));
    c.reading.store(false);
    c.touch();
    c.extra_headers.clear();
    if (ec) {
      if (ec == http::error::body_limit) {
        error_body(c.body, "body: larger than " + std::to_string(st->options.body_limit) + " bytes");
        assemble(c, 413, false, false);
        st->record_response(413);
        co_await net::async_write(c.socket, net::buffer(c.head), net::redirect_error(net::use_awaitable, ec));
        c.socket.shutdown(tcp::socket::shutdown_send, ec);
        // Lingering close: the peer may still be sending its body, and closing with unread data
        // would reset the connection, destroying the 413 before the peer reads it. Drain until
        // the peer closes (or the idle sweeper or stop() closes us).
        c.reading.store(true);
        c.buffer.clear();
        while (!ec) co_await c.socket.async_read_some(c.buffer.prepare(4096), net::redirect_error(net::use_awaitable, ec));
      }
      break;  // end of stream, timeout, stop, or not HTTP: close without a word
    }
    auto& req = parser.get();
    unsigned status = 200;
    switch (route_of(req.method(), req.target())) {
      case path_route::score: {
        if (!parse_transaction(req.body(), c.tx, c.error)) {
          status = 400;
          error_body(c.body, c.error);
          break;
        }
        auto const [fault_status, fault_latency_ms] = st->fault_decision();
        if (fault_status != 0) {
          status = fault_status;
          error_body(c.body, "injected service fault");
          if (status == 429 || status == 503) c.extra_headers = "Retry-After: 1\r\n";
          break;
        }
        double queue_ms = 0;
        auto const due = st->admit(c.tx, c.eval, capacity_model::clock::now(), queue_ms);
        if (!due) {
          status = 503;
          error_body(c.body, "at capacity: the queue is full");
          c.extra_headers = "Retry-After: 1\r\n";
          break;
        }
        c.timer.expires_at(*due + std::chrono::duration_cast<capacity_model::clock::duration>(
                                      std::chrono::duration<double, std::milli>(fault_latency_ms)));
        co_await c.timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        score_body(*st, c, queue_ms);
        break;
      }
      case path_route::health: health_body(*st, c.body); break;
      case path_route::not_found:
        status = 404;
        error_body(c.body, "no such path (POST /v1/transactions/score, GET /health)");
        break;
      case path_route::score_wrong_method:
        status = 405;
        error_body(c.body, "method not allowed: use POST");
        c.extra_headers = "Allow: POST\r\n";
        break;
      case path_route::health_wrong_method:
        status = 405;
        error_body(c.body, "method not allowed: use GET");
        c.extra_headers = "Allow: GET\r\n";
        break;
    }
    bool const keep_alive = req.keep_alive() && !st->stopping.load();
    assemble(c, status, keep_alive, req.version() < 11);
    st->record_response(status);
    co_await net::async_write(c.socket, net::buffer(c.head), net::redirect_error(net::use_awaitable, ec));
    c.touch();
    if (ec) break;
    if (!keep_alive) {
      c.socket.shutdown(tcp::socket::shutdown_send, ec);
      break;
    }
  }
  c.socket.close(ec);
}

inline net::awaitable<void> accept_loop(std::shared_ptr<state> st) {
  beast::error_code ec;
  std::size_t const buffer_limit = st->options.body_limit + 32 * 1024;
  for (;;) {
    tcp::socket socket = co_await st->acceptor.async_accept(net::any_io_executor(net::make_strand(st->executor)),
                                                            net::redirect_error(net::use_awaitable, ec));
    if (st->stopping.load() || !st->acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning, then keep serving.
      net::steady_timer pause(st->accept_strand, std::chrono::milliseconds(20));
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<connection>(std::move(socket), buffer_limit);
    st->add_connection(conn);
    auto const ex = conn->socket.get_executor();
    net::co_spawn(ex, serve_connection(st, std::move(conn)), ignore_exception{});
  }
}

/// Closes connections that have not completed a request for `idle_timeout` (slow or silent peers).
inline net::awaitable<void> sweep_loop(std::shared_ptr<state> st) {
  auto const timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(st->options.idle_timeout).count();
  auto const period = std::clamp<std::chrono::milliseconds>(st->options.idle_timeout / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
  beast::error_code ec;
  while (!st->stopping.load()) {
    st->sweep_timer.expires_after(period);
    co_await st->sweep_timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (ec || st->stopping.load()) co_return;
    st->for_each_connection([timeout_ns](connection& c) {
      // Re-checked on the connection's strand: it may have received a request since.
      if (c.reading.load() && now_ns() - c.last_active_ns.load(std::memory_order_relaxed) > timeout_ns) {
        beast::error_code ignored;
        c.socket.close(ignored);
      }
    });
  }
}

inline void begin_stop(const std::shared_ptr<state>& st) {
  beast::error_code ec;
  st->acceptor.close(ec);
  st->sweep_timer.cancel();
  st->for_each_connection([](connection& c) {
    if (c.reading.load()) {  // idle or mid-read: nothing owed; busy ones answer, then close
      beast::error_code ignored;
      c.socket.close(ignored);
    }
  });
}

}  // namespace detail

/** The fraud-detection service: Beast HTTP/1.1 over Asio, per docs/fraud_wire_format.md.

    - `POST /v1/transactions/score`: 200 with the decision, or 400 naming the field, or 503 with
      `Retry-After: 1` when `max_queue` requests already wait for one of the `max_concurrency`
      processing slots. A request holds a slot for its processing time, max over agents of
      min(latency, budget) + `orchestrator_ms`, simulated by waiting on one timer; its response
      carries `Server-Timing` with the queue wait, every agent and the orchestrator.
    - `GET /health`: 200 with the agents' state. Unknown paths 404, wrong methods 405. Keep-alive
      unless the client sends `Connection: close`; malformed HTTP closes the connection.

    Threads: any number may run the executor's context. Each connection lives on its own strand;
    the scoring core is under a mutex, so the stateful agents see requests in admission order.
    `stats()`, `set_agent_fault()`, `nominal_capacity_tps()` and `stop()` are thread-safe.
    Lifetime: destroy the server before its execution context; connections keep the shared
    state alive until they end. */
class server {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// Throws `stress_testing::config_error` listing every problem of `options`.
  server(executor_type ex, service_options options) : state_(make_state(std::move(ex), std::move(options))) {}
  server(boost::asio::io_context& io, service_options options) : server(io.get_executor(), std::move(options)) {}

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Stops accepting (as `stop()`); in-flight requests still complete.
  ~server() { stop(); }

  executor_type get_executor() const noexcept { return state_->executor; }
  const service_options& options() const noexcept { return state_->options; }

  /** Binds and listens on `options().listen`, starts accepting, and returns the bound endpoint
      (the real port when it was 0). Refuses a non-loopback address unless
      `allow_non_loopback` is set (`error::non_loopback_listen`). */
  boost::asio::ip::tcp::endpoint start(boost::system::error_code& ec) {
    namespace net = boost::asio;
    auto& st = *state_;
    ec.clear();
    if (st.stopping.load()) {
      ec = error::stopped;
      return {};
    }
    if (st.started.load()) {
      ec = error::already_started;
      return {};
    }
    auto const& ep = st.options.listen;
    if (!ep.address().is_loopback() && !st.options.allow_non_loopback) {
      ec = error::non_loopback_listen;
      return {};
    }
    st.acceptor.open(ep.protocol(), ec);
    if (!ec) st.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) st.acceptor.bind(ep, ec);
    if (!ec) st.acceptor.listen(net::socket_base::max_listen_connections, ec);
    auto const bound = ec ? net::ip::tcp::endpoint{} : st.acceptor.local_endpoint(ec);
    if (ec) {
      boost::system::error_code ignored;
      st.acceptor.close(ignored);
      return {};
    }
    st.started.store(true);
    net::co_spawn(st.accept_strand, detail::accept_loop(state_), detail::ignore_exception{});
    net::co_spawn(st.accept_strand, detail::sweep_loop(state_), detail::ignore_exception{});
    return bound;
  }

  /// Throwing form: `boost::system::system_error`.
  boost::asio::ip::tcp::endpoint start() {
    boost::system::error_code ec;
    auto ep = start(ec);
    if (ec) throw boost::system::system_error(ec, "fraud_service::server::start");
    return ep;
  }

  /** Closes the acceptor and every idle connection; requests being processed or queued still get
      their response (with `Connection: close`), then their connection closes. Thread-safe,
      idempotent; takes effect on the executor. Once everything has closed, the server leaves its
      context without work. */
  void stop() {
    if (state_->stopping.exchange(true)) return;
    auto st = state_;
    boost::asio::post(st->accept_strand, [st] { detail::begin_stop(st); });
  }

  /// Thread-safe snapshot of the counters.
  service_stats stats() const {
    auto& st = *state_;
    service_stats s;
    auto const now = capacity_model::clock::now();
    {
      std::lock_guard lock(st.mutex);
      s.responses = st.responses;
      auto const& d = st.core.decisions();
      s.approved = d[0];
      s.reviewed = d[1];
      s.declined = d[2];
      s.in_processing = st.capacity.in_processing(now);
      s.queued = st.capacity.queued(now);
      s.peak_queue = st.capacity.peak_queue();
      s.agents = st.core.stats();
    }
    std::lock_guard lock(st.connections_mutex);
    s.connections = st.connections.size();
    return s;
  }

  /** Injects a fault into the agent named `agent` (or clears it with `agent_fault{}`); applies to
      requests admitted after it returns. Thread-safe. False when there is no such agent. */
  bool set_agent_fault(std::string_view agent, const agent_fault& fault) {
    auto& st = *state_;
    std::lock_guard lock(st.mutex);
    if (!st.core.set_fault(agent, fault)) return false;
    st.capacity_tps = st.compute_capacity();
    return true;
  }

  /** Injects a fault of the whole service (or clears it with `service_fault{}`); applies to
      scoring requests arriving after it returns. Thread-safe. */
  void set_service_fault(const service_fault& fault) {
    auto& st = *state_;
    std::lock_guard lock(st.mutex);
    st.fault = fault;
  }

  /** max_concurrency / mean processing time: the throughput the service sustains with its
      current agents and faults. Near it the queue, and so the latency, climbs; beyond it (plus
      what `max_queue` absorbs) requests are answered 503. Thread-safe. */
  double nominal_capacity_tps() const {
    std::lock_guard lock(state_->mutex);
    return state_->capacity_tps;
  }

 private:
  static std::shared_ptr<detail::state> make_state(executor_type ex, service_options options) {
    auto problems = options.validate();
    if (!problems.empty()) throw stress_testing::config_error("fraud_service::service_options", std::move(problems));
    return std::make_shared<detail::state>(std::move(ex), std::move(options));
  }

  std::shared_ptr<detail::state> state_;
};

}  // namespace fraud_service

#endif
