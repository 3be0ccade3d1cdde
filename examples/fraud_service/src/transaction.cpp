// The request body's parser: an nlohmann SAX consumer, compiled once for every user of the
// sample service.

#include <fraud_service/decisions.hpp>
#include <fraud_service/transaction.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fraud_service {
namespace detail {
namespace {

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

}  // namespace
}  // namespace detail

bool parse_transaction(std::string_view body, transaction& out, std::string& error) {
  error.clear();
  detail::transaction_sax sax(out, error);
  if (!nlohmann::json::sax_parse(body.data(), body.data() + body.size(), &sax)) {
    if (error.empty()) error = "body: invalid JSON";
    return false;
  }
  return sax.complete();
}

/// Throwing form: `std::invalid_argument` whose `what()` is the error message.
transaction parse_transaction(std::string_view body) {
  transaction t;
  std::string error;
  if (!parse_transaction(body, t, error)) throw std::invalid_argument(error);
  return t;
}

// A DOM parse: feedback is a small body on the analysts' path, not the scoring hot path.
bool parse_feedback(std::string_view body, feedback& out, std::string& error) {
  error.clear();
  auto const j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "body: must be a JSON object";
    return false;
  }
  auto const id = j.find("transaction_id");
  if (id == j.end() || !id->is_string()) {
    error = "transaction_id: missing or not a string";
    return false;
  }
  auto const number = transaction_number(id->get_ref<const std::string&>());
  if (!number) {
    error = "transaction_id: must be tx- and 16 lowercase hex digits";
    return false;
  }
  out.transaction = *number;
  auto const label = j.find("label");
  if (label == j.end() || !label->is_string()) {
    error = "label: missing or not a string";
    return false;
  }
  int const l = detail::index_of(feedback_labels, label->get_ref<const std::string&>());
  if (l < 0) {
    error = "label: must be legitimate, fraudulent or edge_case";
    return false;
  }
  out.label = static_cast<feedback_label>(l);
  return true;
}

}  // namespace fraud_service
