#ifndef STRESS_TESTING_FRAUD_TRANSACTION_HPP
#define STRESS_TESTING_FRAUD_TRANSACTION_HPP

/** One card transaction of the fraud workload, its ground truth, its wire form
    (`docs/fraud_wire_format.md`) and the service's answer.

    The struct holds only fixed-size values (integers, enums, two-letter codes), so producing,
    copying and serialising a transaction never allocates. Amounts are integers in the
    currency's minor unit and coordinates integers in 1e-4 degrees: the wire text is exact and
    the USD conversion (`usd_micros`) is integer arithmetic, so sums merge exactly.

    Pure layer: std only (no JSON library; `parse_decision` scans the body by hand). */

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace stress_testing::fraud {

// ---------------------------------------------------------------------------------------------
// Enums

/// Ground truth of a transaction. Edge cases are legitimate but unusual.
enum class label : std::uint8_t { legitimate, fraudulent, edge_case };

/// The fraud scheme a fraudulent transaction belongs to (`none` for every other transaction).
enum class fraud_pattern : std::uint8_t { none, velocity_burst, geo_jump, card_testing, account_takeover };

/// What makes an edge case unusual (`none` for every other transaction).
enum class edge_kind : std::uint8_t {
  none,
  micro_amount,           ///< the smallest amount the currency has (0.01, or 1 for JPY)
  large_amount,           ///< 10,000 - 50,000 USD equivalent, at home
  zero_decimal_currency,  ///< a purchase in Japan, in yen (no decimals)
  distant_travel,         ///< card present thousands of km from home
  threshold_amount,       ///< high-risk category at a round rule threshold or one cent under it
};

/// The service's verdict (`"decision"` of the response).
enum class decision : std::uint8_t { approve, review, decline };

/// The currencies of the wire format (ISO 4217, serialised upper case).
enum class currency : std::uint8_t { usd, eur, gbp, jpy, cad, aud, brl, inr, sgd, chf };

/// Merchant categories of the wire format.
enum class merchant_category : std::uint8_t {
  grocery,
  restaurants,
  fuel,
  travel,
  electronics,
  gift_cards,
  crypto,
  fashion,
  pharmacy,
  digital_goods,
  utilities,
  entertainment,
};

/// How the card was used.
enum class channel : std::uint8_t { card_present, online, atm };

namespace detail {

inline constexpr std::array<std::string_view, 3> label_names{"legitimate", "fraudulent", "edge_case"};
inline constexpr std::array<std::string_view, 5> pattern_names{"none", "velocity_burst", "geo_jump", "card_testing",
                                                               "account_takeover"};
inline constexpr std::array<std::string_view, 6> edge_names{
    "none", "micro_amount", "large_amount", "zero_decimal_currency", "distant_travel", "threshold_amount"};
inline constexpr std::array<std::string_view, 3> decision_names{"approve", "review", "decline"};
inline constexpr std::array<std::string_view, 10> currency_names{"USD", "EUR", "GBP", "JPY", "CAD",
                                                                 "AUD", "BRL", "INR", "SGD", "CHF"};
inline constexpr std::array<std::string_view, 12> category_names{
    "grocery", "restaurants", "fuel",     "travel",        "electronics", "gift_cards",
    "crypto",  "fashion",     "pharmacy", "digital_goods", "utilities",   "entertainment"};
inline constexpr std::array<std::string_view, 3> channel_names{"card_present", "online", "atm"};

template <class Enum, std::size_t N>
constexpr std::string_view name_of(Enum e, const std::array<std::string_view, N>& names) noexcept {
  auto const i = static_cast<std::size_t>(e);
  return i < N ? names[i] : std::string_view{"unknown"};
}

template <class Enum, std::size_t N>
constexpr std::optional<Enum> parse_name(std::string_view s, const std::array<std::string_view, N>& names) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace detail

constexpr std::string_view to_string(label v) noexcept { return detail::name_of(v, detail::label_names); }
constexpr std::string_view to_string(fraud_pattern v) noexcept { return detail::name_of(v, detail::pattern_names); }
constexpr std::string_view to_string(edge_kind v) noexcept { return detail::name_of(v, detail::edge_names); }
constexpr std::string_view to_string(decision v) noexcept { return detail::name_of(v, detail::decision_names); }
constexpr std::string_view to_string(currency v) noexcept { return detail::name_of(v, detail::currency_names); }
constexpr std::string_view to_string(merchant_category v) noexcept {
  return detail::name_of(v, detail::category_names);
}
constexpr std::string_view to_string(channel v) noexcept { return detail::name_of(v, detail::channel_names); }

/// `"approve"`, `"review"` or `"decline"` (exact, case-sensitive); nullopt otherwise.
constexpr std::optional<decision> parse_decision_name(std::string_view s) noexcept {
  return detail::parse_name<decision>(s, detail::decision_names);
}
/// An ISO 4217 code of the wire format (`"EUR"`); nullopt otherwise.
constexpr std::optional<currency> parse_currency(std::string_view s) noexcept {
  return detail::parse_name<currency>(s, detail::currency_names);
}
/// A merchant category of the wire format (`"gift_cards"`); nullopt otherwise.
constexpr std::optional<merchant_category> parse_merchant_category(std::string_view s) noexcept {
  return detail::parse_name<merchant_category>(s, detail::category_names);
}
/// A channel of the wire format (`"card_present"`); nullopt otherwise.
constexpr std::optional<channel> parse_channel(std::string_view s) noexcept {
  return detail::parse_name<channel>(s, detail::channel_names);
}

/// Decimal digits of the currency's minor unit: 0 for JPY, 2 for the others.
constexpr int minor_digits(currency c) noexcept { return c == currency::jpy ? 0 : 2; }

/** The fixed reference rate of a currency, in millionths of a USD per minor unit (per cent, or
    per yen). Rates are deliberately constant so runs stay comparable; they are rounded
    mid-market rates (USD per major unit): EUR 1.08, GBP 1.27, JPY 0.0067, CAD 0.73, AUD 0.65,
    BRL 0.18, INR 0.012, SGD 0.74, CHF 1.12. Every value is an integer, so converting is exact. */
constexpr std::int64_t usd_micros_per_minor(currency c) noexcept {
  switch (c) {
    case currency::usd: return 10'000;
    case currency::eur: return 10'800;
    case currency::gbp: return 12'700;
    case currency::jpy: return 6'700;
    case currency::cad: return 7'300;
    case currency::aud: return 6'500;
    case currency::brl: return 1'800;
    case currency::inr: return 120;
    case currency::sgd: return 7'400;
    case currency::chf: return 11'200;
  }
  return 0;
}

/// USD per major unit of `c` (the same fixed rates as `usd_micros_per_minor`).
constexpr double usd_per_unit(currency c) noexcept {
  return static_cast<double>(usd_micros_per_minor(c)) * (minor_digits(c) == 0 ? 1e-6 : 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Small value types

/** An ISO 3166 alpha-2 country code stored inline (two characters). Converts from a string
    literal: `tx.country = "GB";`. Default `"ZZ"` (ISO's "unknown or unspecified"). */
class country_code {
 public:
  constexpr country_code() noexcept = default;
  /// Implicit on purpose, so that `"GB"` reads as a country code.
  constexpr country_code(const char (&code)[3]) noexcept : chars_{code[0], code[1]} {}

  /// Two upper-case ASCII letters, or nullopt.
  static constexpr std::optional<country_code> from_string(std::string_view s) noexcept {
    if (s.size() != 2) return std::nullopt;
    for (char const ch : s)
      if (ch < 'A' || ch > 'Z') return std::nullopt;
    country_code c;
    c.chars_ = {s[0], s[1]};
    return c;
  }

  constexpr std::string_view view() const noexcept { return {chars_.data(), chars_.size()}; }

  friend constexpr bool operator==(const country_code&, const country_code&) noexcept = default;

 private:
  std::array<char, 2> chars_{'Z', 'Z'};
};

/** The text of an identifier stored inline (at most 24 characters), so building one does not
    allocate. `view()` is valid while the object lives. */
struct id_text {
  std::array<char, 24> chars{};
  std::uint8_t size = 0;

  constexpr std::string_view view() const noexcept { return {chars.data(), size}; }
};

namespace detail {

inline constexpr char hex_digits[] = "0123456789abcdef";

/// Writes `prefix` then `v` as decimal with at least `min_digits` (at most 20) digits,
/// zero-padded. `p` must have room for prefix + 20 characters; returns the end.
constexpr char* put_decimal(char* p, std::string_view prefix, std::uint64_t v, int min_digits) noexcept {
  for (char const ch : prefix) *p++ = ch;
  char tmp[20] = {'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
  std::size_t n = 0;
  do {
    tmp[19 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::size_t const width = min_digits > 20 ? 20 : min_digits < 0 ? 0 : static_cast<std::size_t>(min_digits);
  std::size_t const count = n > width ? n : width;
  for (std::size_t i = 20 - count; i < 20; ++i) *p++ = tmp[i];
  return p;
}

/// Writes `text` (the caller sized the buffer).
inline char* put_text(char* p, std::string_view text) noexcept {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

/// Writes `prefix` then the low `digits` hex digits of `v` (lower case).
constexpr char* put_hex(char* p, std::string_view prefix, std::uint64_t v, int digits) noexcept {
  for (char const ch : prefix) *p++ = ch;
  for (int i = digits - 1; i >= 0; --i) *p++ = hex_digits[(v >> (4 * i)) & 0xF];
  return p;
}

/// Writes `v / 10^decimals` with exactly `decimals` decimals ("-0.1278", "12.30", "1500").
constexpr char* put_fixed(char* p, std::int64_t v, int decimals) noexcept {
  // Magnitude as unsigned so INT64_MIN does not overflow.
  std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  if (v < 0) *p++ = '-';
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  p = put_decimal(p, {}, mag / scale, 1);
  if (decimals > 0) {
    *p++ = '.';
    p = put_decimal(p, {}, mag % scale, decimals);
  }
  return p;
}

inline id_text make_id(std::string_view prefix, std::uint64_t v, bool hex, int digits) noexcept {
  id_text t;
  char* const end = hex ? put_hex(t.chars.data(), prefix, v, digits) : put_decimal(t.chars.data(), prefix, v, digits);
  t.size = static_cast<std::uint8_t>(end - t.chars.data());
  return t;
}

}  // namespace detail

/// `"tx-"` + the 16 lower-case hex digits of `sequence`.
inline id_text transaction_id(std::uint64_t sequence) noexcept { return detail::make_id("tx-", sequence, true, 16); }
/// `"card-"` + `card` in at least 8 decimal digits.
inline id_text card_id(std::uint32_t card) noexcept { return detail::make_id("card-", card, false, 8); }
/// `"m-"` + `merchant` in at least 6 decimal digits.
inline id_text merchant_id(std::uint32_t merchant) noexcept { return detail::make_id("m-", merchant, false, 6); }
/// `"dev-"` + the 8 lower-case hex digits of `device`.
inline id_text device_id(std::uint32_t device) noexcept { return detail::make_id("dev-", device, true, 8); }

// ---------------------------------------------------------------------------------------------
// The transaction

/** One transaction: every field of the wire format in a compact form, plus its ground truth
    (`label`, `pattern`, `edge`), which is never sent. Field `x` of the wire format is member `x`
    except where noted; `transaction_id`, `card_id`, `merchant_id` and `device_id` are built from
    the numbers (`transaction_id(tx.sequence)` ...). */
struct transaction {
  std::uint64_t sequence = 0;  ///< the request's sequence number (`transaction_id`)
  std::uint32_t card = 0;      ///< `card_id` = "card-%08u"
  std::int64_t amount_minor = 0;  ///< `amount` in the minor unit of `currency` (cents; yen for JPY)
  stress_testing::fraud::currency currency = stress_testing::fraud::currency::usd;
  std::uint32_t merchant = 0;  ///< `merchant_id` = "m-%06u"
  stress_testing::fraud::merchant_category merchant_category = stress_testing::fraud::merchant_category::grocery;
  stress_testing::fraud::channel channel = stress_testing::fraud::channel::card_present;
  country_code country;       ///< where the transaction happens
  country_code home_country;  ///< the card holder's country
  std::int32_t lat_e4 = 0;    ///< `lat` in 1e-4 degrees
  std::int32_t lon_e4 = 0;    ///< `lon` in 1e-4 degrees
  std::uint32_t device = 0;   ///< `device_id` = "dev-%08x" (the buyer's device, or the terminal)
  std::int64_t timestamp_ms = 0;

  stress_testing::fraud::label label = stress_testing::fraud::label::legitimate;  ///< ground truth
  fraud_pattern pattern = fraud_pattern::none;  ///< the scheme, for fraudulent transactions
  edge_kind edge = edge_kind::none;             ///< what is unusual, for edge cases

  /// True only for `label::fraudulent` (edge cases are legitimate).
  constexpr bool is_fraud() const noexcept { return label == stress_testing::fraud::label::fraudulent; }

  /// `amount` in major units (as sent: 12.5 for 1250 cents).
  double amount() const noexcept {
    return static_cast<double>(amount_minor) / (minor_digits(currency) == 0 ? 1.0 : 100.0);
  }
  /// The amount in millionths of a USD at the fixed reference rate (exact integer arithmetic).
  constexpr std::int64_t usd_micros() const noexcept { return amount_minor * usd_micros_per_minor(currency); }
  double lat() const noexcept { return lat_e4 * 1e-4; }
  double lon() const noexcept { return lon_e4 * 1e-4; }

  friend constexpr bool operator==(const transaction&, const transaction&) noexcept = default;
};

/// Great-circle distance in km between two points in degrees (haversine, Earth radius 6371 km).
inline double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  constexpr double rad = 3.14159265358979323846 / 180.0;
  double const dlat = (lat2 - lat1) * rad;
  double const dlon = (lon2 - lon1) * rad;
  double const s = std::sin(dlat / 2);
  double const t = std::sin(dlon / 2);
  double const h = s * s + std::cos(lat1 * rad) * std::cos(lat2 * rad) * t * t;
  return 2.0 * 6371.0 * std::asin(std::sqrt(h < 1.0 ? h : 1.0));
}

/// Upper bound on the characters `write_json` appends for one transaction.
inline constexpr std::size_t max_json_size = 512;

/** Appends the wire-format request body of `tx` to `out`: one JSON object on one line, fields in
    the documented order, `amount` with exactly 2 decimals (0 for JPY), `lat`/`lon` with exactly
    4. Does not allocate when `out.capacity() - out.size() >= max_json_size`. */
inline void write_json(const transaction& tx, std::string& out) {
  char buf[max_json_size];
  char* p = buf;
  // Each literal carries the punctuation between two values, so a field costs two copies.
  auto lit = [&p](std::string_view s) noexcept { p = detail::put_text(p, s); };
  lit(R"({"transaction_id":")");
  p = detail::put_hex(p, "tx-", tx.sequence, 16);
  lit(R"(","card_id":")");
  p = detail::put_decimal(p, "card-", tx.card, 8);
  lit(R"(","amount":)");
  p = detail::put_fixed(p, tx.amount_minor, minor_digits(tx.currency));
  lit(R"(,"currency":")");
  lit(to_string(tx.currency));
  lit(R"(","merchant_id":")");
  p = detail::put_decimal(p, "m-", tx.merchant, 6);
  lit(R"(","merchant_category":")");
  lit(to_string(tx.merchant_category));
  lit(R"(","channel":")");
  lit(to_string(tx.channel));
  lit(R"(","country":")");
  lit(tx.country.view());
  lit(R"(","home_country":")");
  lit(tx.home_country.view());
  lit(R"(","lat":)");
  p = detail::put_fixed(p, tx.lat_e4, 4);
  lit(R"(,"lon":)");
  p = detail::put_fixed(p, tx.lon_e4, 4);
  lit(R"(,"device_id":")");
  p = detail::put_hex(p, "dev-", tx.device, 8);
  lit(R"(","timestamp_ms":)");
  p = std::to_chars(p, buf + sizeof buf, tx.timestamp_ms).ptr;
  *p++ = '}';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

/** Appends the body of an analyst's feedback on `tx`'s decision (`POST
    /v1/transactions/feedback`, docs/fraud_wire_format.md): its id and its ground-truth label,
    `{"transaction_id":"tx-…","label":"fraudulent"}`. Allocation-free as `write_json`. */
inline void write_feedback_json(const transaction& tx, std::string& out) {
  char buf[96];
  char* p = detail::put_text(buf, R"({"transaction_id":")");
  p = detail::put_hex(p, "tx-", tx.sequence, 16);
  p = detail::put_text(p, R"(","label":")");
  p = detail::put_text(p, to_string(tx.label));
  p = detail::put_text(p, R"("})");
  out.append(buf, static_cast<std::size_t>(p - buf));
}

namespace detail {

/** Where the value of the first key `key` (quoted, e.g. `"\"decision\""`) starts in `body`: the
    key followed by `:`, whitespace allowed around it, as the response parsers read it. An
    occurrence of the key as a value (not followed by `:`) is skipped; npos when there is none. */
constexpr std::size_t json_value_after_key(std::string_view body, std::string_view key) noexcept {
  auto const is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  std::size_t from = 0;
  while (true) {
    auto const at = body.find(key, from);
    if (at == std::string_view::npos) return std::string_view::npos;
    std::size_t i = at + key.size();
    from = i;
    while (i < body.size() && is_space(body[i])) ++i;
    if (i >= body.size() || body[i] != ':') continue;  // a value that happens to read like the key
    ++i;
    while (i < body.size() && is_space(body[i])) ++i;
    return i;
  }
}

}  // namespace detail

/** The `decision` of a response body: finds the key `"decision"` followed by `:` (whitespace
    allowed around it) and a string value `"approve"`, `"review"` or `"decline"`. nullopt when the
    key is missing, its value is not a string, or the value is unknown. Does not validate the
    rest of the JSON; an occurrence of `"decision"` as a value (not followed by `:`) is skipped,
    and the first key found wins (the wire format has no nested `decision`). */
constexpr std::optional<decision> parse_decision(std::string_view body) noexcept {
  auto const i = detail::json_value_after_key(body, "\"decision\"");
  if (i >= body.size() || body[i] != '"') return std::nullopt;
  auto const end = body.find('"', i + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return parse_decision_name(body.substr(i + 1, end - i - 1));
}

/** The `fraud_score` of a response body: the number after the key `"fraud_score"` and `:`
    (whitespace allowed), when it is in [0, 1]. nullopt when the key is missing, its value is
    `null` (no agent voted: docs/fraud_wire_format.md), not a number, or out of range. Like
    `parse_decision`, it does not validate the rest of the JSON. */
inline std::optional<double> parse_fraud_score(std::string_view body) noexcept {
  auto const i = detail::json_value_after_key(body, "\"fraud_score\"");
  if (i >= body.size()) return std::nullopt;
  double v = 0;
  auto const [end, ec] = std::from_chars(body.data() + i, body.data() + body.size(), v);
  if (ec != std::errc{} || end == body.data() + i || !(v >= 0.0 && v <= 1.0)) return std::nullopt;
  return v;
}

/** Calls `f(agent, status)` (two `std::string_view`s) for each agent of a response body's
    `"agents"` object that carries a `"status"` string (`ok`, `timeout`, `error` or `down`:
    docs/fraud_wire_format.md), in order. Stops at the first entry it cannot read; does not
    validate the rest of the JSON. Returns the number of agents reported. */
template <class F>
std::size_t for_each_agent_status(std::string_view body, F&& f) {
  auto const is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  auto const skip = [&](std::size_t i) {
    while (i < body.size() && is_space(body[i])) ++i;
    return i;
  };
  std::size_t n = 0;
  auto const key = body.find("\"agents\"");
  if (key == std::string_view::npos) return n;
  std::size_t i = skip(key + 8);
  if (i >= body.size() || body[i] != ':') return n;
  i = skip(i + 1);
  if (i >= body.size() || body[i] != '{') return n;
  i = skip(i + 1);
  while (i < body.size() && body[i] == '"') {
    auto const name_end = body.find('"', i + 1);
    if (name_end == std::string_view::npos) return n;
    auto const name = body.substr(i + 1, name_end - i - 1);
    i = skip(name_end + 1);
    if (i >= body.size() || body[i] != ':') return n;
    i = skip(i + 1);
    if (i >= body.size() || body[i] != '{') return n;
    auto const close = body.find('}', i);  // an agent's object holds no nested object
    if (close == std::string_view::npos) return n;
    auto const entry = body.substr(i, close - i);
    if (auto const st = entry.find("\"status\""); st != std::string_view::npos) {
      auto const colon = entry.find(':', st + 8);
      auto const q1 = colon == std::string_view::npos ? colon : entry.find('"', colon + 1);
      auto const q2 = q1 == std::string_view::npos ? q1 : entry.find('"', q1 + 1);
      if (q2 != std::string_view::npos) {
        f(name, entry.substr(q1 + 1, q2 - q1 - 1));
        ++n;
      }
    }
    i = skip(close + 1);
    if (i < body.size() && body[i] == ',') i = skip(i + 1);
  }
  return n;
}

}  // namespace stress_testing::fraud

#endif
