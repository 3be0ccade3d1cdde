#ifndef FRAUD_SERVICE_TRANSACTION_HPP
#define FRAUD_SERVICE_TRANSACTION_HPP

// The request body (docs/fraud_wire_format.md) and its validating parser. The parser (an
// nlohmann SAX consumer) is compiled in the library (src/transaction.cpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fraud_service {

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
template <std::size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<int>(i);
  return -1;
}
}  // namespace detail

/** Parses and validates a request body (docs/fraud_wire_format.md) into `out`, reusing its
    strings. Returns false with `error` = "<field>: <reason>" (`body: ...` for the document) at
    the first problem: a missing field, a wrong type, a malformed id, an unknown currency,
    category or channel, an out-of-range number. Unknown members are ignored. Allocation-free
    once `out`'s strings have grown, apart from nlohmann's lexer buffer. */
bool parse_transaction(std::string_view body, transaction& out, std::string& error);

/// Throwing form: `std::invalid_argument` whose `what()` is the error message.
transaction parse_transaction(std::string_view body);

/// An analyst's label on a scored transaction (`POST /v1/transactions/feedback`).
enum class feedback_label : std::uint8_t { legitimate, fraudulent, edge_case };
inline constexpr std::array<std::string_view, 3> feedback_labels{"legitimate", "fraudulent", "edge_case"};

/// The feedback body: `{"transaction_id": "tx-...", "label": "fraudulent"}` (docs/fraud_wire_format.md).
struct feedback {
  std::uint64_t transaction = 0;  ///< the number of the transaction id
  feedback_label label = feedback_label::legitimate;
};

/** Parses a feedback body into `out`. Returns false with `error` = "<field>: <reason>" at the
    first problem (a missing or malformed `transaction_id`, an unknown `label`). Unknown
    members are ignored. */
bool parse_feedback(std::string_view body, feedback& out, std::string& error);

}  // namespace fraud_service

#endif
