#include <stress_testing/fraud/transaction.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fr = stress_testing::fraud;

namespace {

// A hand-built transaction whose wire form is written out in full below.
fr::transaction london_fuel() {
  fr::transaction tx;
  tx.sequence = 42;
  tx.card = 12345;
  tx.amount_minor = 1250;  // 12.50
  tx.currency = fr::currency::gbp;
  tx.merchant = 987;
  tx.merchant_category = fr::merchant_category::fuel;
  tx.channel = fr::channel::card_present;
  tx.country = "GB";
  tx.home_country = "US";
  tx.lat_e4 = 515074;  // 51.5074
  tx.lon_e4 = -1278;   // -0.1278
  tx.device = 0xABCDEF;
  tx.timestamp_ms = 1767225600042;
  tx.label = fr::label::fraudulent;  // ground truth: never on the wire
  tx.pattern = fr::fraud_pattern::geo_jump;
  return tx;
}

}  // namespace

TEST_SUITE("fraud") {

TEST_CASE("fraud enums print the names of the wire format") {
  CHECK(to_string(fr::label::legitimate) == "legitimate");
  CHECK(to_string(fr::label::fraudulent) == "fraudulent");
  CHECK(to_string(fr::label::edge_case) == "edge_case");
  CHECK(to_string(fr::fraud_pattern::none) == "none");
  CHECK(to_string(fr::fraud_pattern::velocity_burst) == "velocity_burst");
  CHECK(to_string(fr::fraud_pattern::geo_jump) == "geo_jump");
  CHECK(to_string(fr::fraud_pattern::card_testing) == "card_testing");
  CHECK(to_string(fr::fraud_pattern::account_takeover) == "account_takeover");
  CHECK(to_string(fr::edge_kind::zero_decimal_currency) == "zero_decimal_currency");
  CHECK(to_string(fr::decision::approve) == "approve");
  CHECK(to_string(fr::decision::review) == "review");
  CHECK(to_string(fr::decision::decline) == "decline");
  CHECK(to_string(fr::currency::jpy) == "JPY");
  CHECK(to_string(fr::currency::chf) == "CHF");
  CHECK(to_string(fr::merchant_category::digital_goods) == "digital_goods");
  CHECK(to_string(fr::merchant_category::entertainment) == "entertainment");
  CHECK(to_string(fr::channel::card_present) == "card_present");
  CHECK(to_string(fr::channel::atm) == "atm");
  CHECK(to_string(static_cast<fr::decision>(9)) == "unknown");
}

TEST_CASE("fraud enum names parse back to their values") {
  for (int i = 0; i < 12; ++i) {
    auto const c = static_cast<fr::merchant_category>(i);
    CHECK(fr::parse_merchant_category(to_string(c)) == c);
  }
  for (int i = 0; i < 10; ++i) {
    auto const c = static_cast<fr::currency>(i);
    CHECK(fr::parse_currency(to_string(c)) == c);
  }
  for (int i = 0; i < 3; ++i) {
    auto const c = static_cast<fr::channel>(i);
    CHECK(fr::parse_channel(to_string(c)) == c);
  }
  CHECK_FALSE(fr::parse_currency("usd").has_value());
  CHECK_FALSE(fr::parse_merchant_category("casino").has_value());
  CHECK(fr::parse_decision_name("decline") == fr::decision::decline);
  CHECK_FALSE(fr::parse_decision_name("Decline").has_value());
}

TEST_CASE("identifiers are zero padded decimal or lower case hex") {
  CHECK(fr::transaction_id(42).view() == "tx-000000000000002a");
  CHECK(fr::transaction_id(0xFFFFFFFFFFFFFFFFULL).view() == "tx-ffffffffffffffff");
  CHECK(fr::card_id(0).view() == "card-00000000");
  CHECK(fr::card_id(99'999'999).view() == "card-99999999");
  CHECK(fr::merchant_id(7).view() == "m-000007");
  CHECK(fr::device_id(0xABCDEF).view() == "dev-00abcdef");
}

TEST_CASE("country codes convert from literals and validated text") {
  fr::country_code c = "GB";
  CHECK(c.view() == "GB");
  CHECK(fr::country_code{}.view() == "ZZ");
  CHECK(fr::country_code::from_string("JP") == fr::country_code("JP"));
  CHECK_FALSE(fr::country_code::from_string("jp").has_value());
  CHECK_FALSE(fr::country_code::from_string("USA").has_value());
}

TEST_CASE("write_json writes the documented body of a fixed transaction") {
  std::string out;
  write_json(london_fuel(), out);
  CHECK(out ==
        R"({"transaction_id":"tx-000000000000002a","card_id":"card-00012345","amount":12.50,"currency":"GBP",)"
        R"("merchant_id":"m-000987","merchant_category":"fuel","channel":"card_present","country":"GB",)"
        R"("home_country":"US","lat":51.5074,"lon":-0.1278,"device_id":"dev-00abcdef",)"
        R"("timestamp_ms":1767225600042})");
}

TEST_CASE("write_json writes yen without decimals and small coordinates with their sign") {
  auto tx = london_fuel();
  tx.currency = fr::currency::jpy;
  tx.amount_minor = 120000;
  tx.lat_e4 = -5;   // -0.0005
  tx.lon_e4 = 7;    // 0.0007
  tx.channel = fr::channel::online;
  std::string out;
  write_json(tx, out);
  CHECK(out.find(R"("amount":120000,"currency":"JPY")") != std::string::npos);
  CHECK(out.find(R"("lat":-0.0005,"lon":0.0007)") != std::string::npos);
  CHECK(out.find(R"("channel":"online")") != std::string::npos);

  tx.currency = fr::currency::usd;
  tx.amount_minor = 1;
  out.clear();
  write_json(tx, out);
  CHECK(out.find(R"("amount":0.01,)") != std::string::npos);
}

TEST_CASE("write_json appends to what the string holds and reuses its capacity") {
  std::string out = "prefix:";
  out.reserve(out.size() + fr::max_json_size);
  auto const* data = out.data();
  auto const capacity = out.capacity();
  write_json(london_fuel(), out);
  CHECK(out.data() == data);  // no reallocation
  CHECK(out.capacity() == capacity);
  CHECK(out.rfind("prefix:{\"transaction_id\":", 0) == 0);
  CHECK(out.back() == '}');
  CHECK(out.find('\n') == std::string::npos);
}

TEST_CASE("parse_decision reads each of the three decisions") {
  CHECK(fr::parse_decision(R"({"transaction_id":"tx-1","decision":"approve","fraud_score":0.1})") ==
        fr::decision::approve);
  CHECK(fr::parse_decision(R"({"decision":"review"})") == fr::decision::review);
  CHECK(fr::parse_decision(
            R"({"transaction_id":"tx-000000000000002a","decision":"decline","fraud_score":0.873,)"
            R"("agents":{"rules":{"score":0.9,"ms":1.21}},"degraded":["ml"]})") == fr::decision::decline);
}

TEST_CASE("parse_decision tolerates whitespace around the colon") {
  CHECK(fr::parse_decision("{\"decision\" : \"decline\"}") == fr::decision::decline);
  CHECK(fr::parse_decision("{\n  \"decision\"\t:\r\n \"review\"\n}") == fr::decision::review);
}

TEST_CASE("parse_decision skips the word decision used as a value") {
  CHECK(fr::parse_decision(R"({"note":"decision","decision":"approve"})") == fr::decision::approve);
  CHECK(fr::parse_decision(R"({"note":"decision"})") == std::nullopt);
}

TEST_CASE("parse_decision answers nullopt for a missing unknown or malformed decision") {
  CHECK(fr::parse_decision("") == std::nullopt);
  CHECK(fr::parse_decision("{}") == std::nullopt);
  CHECK(fr::parse_decision(R"({"error":"amount: must be > 0"})") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision":"block"})") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision":"APPROVE"})") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision":1})") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision":null})") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision":"approve)") == std::nullopt);  // unterminated
  CHECK(fr::parse_decision(R"({"decision":)") == std::nullopt);
  CHECK(fr::parse_decision(R"({"decision")") == std::nullopt);
}

TEST_CASE("parse_fraud_score reads the score of a decision body") {
  CHECK(fr::parse_fraud_score(R"({"decision":"decline","fraud_score":0.873,"agents":{}})") == 0.873);
  CHECK(fr::parse_fraud_score(R"({"fraud_score" : 0})") == 0.0);
  CHECK(fr::parse_fraud_score(R"({"fraud_score":1.0000})") == 1.0);
  CHECK(fr::parse_fraud_score(R"({"note":"fraud_score","fraud_score":0.25})") == 0.25);
  CHECK(fr::parse_fraud_score(R"({"decision":"review","fraud_score":null})") == std::nullopt);  // no vote
  CHECK(fr::parse_fraud_score(R"({"fraud_score":"0.5"})") == std::nullopt);
  CHECK(fr::parse_fraud_score(R"({"fraud_score":1.5})") == std::nullopt);
  CHECK(fr::parse_fraud_score(R"({"fraud_score":-0.1})") == std::nullopt);
  CHECK(fr::parse_fraud_score(R"({"decision":"approve"})") == std::nullopt);
  CHECK(fr::parse_fraud_score(R"({"fraud_score":)") == std::nullopt);
}

TEST_CASE("for_each_agent_status lists each agent and its reported status") {
  std::string seen;
  auto const n = fr::for_each_agent_status(
      R"({"transaction_id":"tx-1","decision":"review","fraud_score":0.5,"agents":{)"
      R"("rules":{"score":0.9,"ms":1.210,"status":"ok"},"ml":{"score":null,"ms":50.000,"status":"timeout"},)"
      R"("geo_velocity":{"score":null,"ms":0.100,"status":"down"}, "identity" : {"score":0.1,"ms":2.1,"status":"error"}},)"
      R"("degraded":["ml","geo_velocity","identity"]})",
      [&](std::string_view agent, std::string_view status) {
        seen += agent;
        seen += '=';
        seen += status;
        seen += ' ';
      });
  CHECK(n == 4);
  CHECK(seen == "rules=ok ml=timeout geo_velocity=down identity=error ");
  auto none = [](std::string_view, std::string_view) { FAIL("no agent expected"); };
  CHECK(fr::for_each_agent_status(R"({"decision":"approve"})", none) == 0);
  CHECK(fr::for_each_agent_status(R"({"agents":{}})", none) == 0);
  CHECK(fr::for_each_agent_status(R"({"agents":{"rules":{"ms":1})", none) == 0);  // no status, truncated
}

TEST_CASE("amounts convert to USD micro-dollars at the fixed rates") {
  auto tx = london_fuel();  // 12.50 GBP at 1.27
  CHECK(tx.usd_micros() == 15'875'000);
  CHECK(tx.amount() == doctest::Approx(12.5));
  tx.currency = fr::currency::jpy;
  tx.amount_minor = 10'000;  // 10,000 yen at 0.0067
  CHECK(tx.usd_micros() == 67'000'000);
  CHECK(tx.amount() == doctest::Approx(10000.0));
  CHECK(fr::usd_per_unit(fr::currency::eur) == doctest::Approx(1.08));
  CHECK(fr::usd_per_unit(fr::currency::inr) == doctest::Approx(0.012));
  CHECK(fr::minor_digits(fr::currency::jpy) == 0);
  CHECK(fr::minor_digits(fr::currency::usd) == 2);
}

TEST_CASE("is_fraud holds for fraudulent transactions only") {
  fr::transaction tx;
  CHECK_FALSE(tx.is_fraud());
  tx.label = fr::label::edge_case;
  CHECK_FALSE(tx.is_fraud());
  tx.label = fr::label::fraudulent;
  CHECK(tx.is_fraud());
}

TEST_CASE("great circle distances match known city pairs") {
  CHECK(fr::great_circle_km(51.5074, -0.1278, 40.7128, -74.0060) == doctest::Approx(5570).epsilon(0.01));
  CHECK(fr::great_circle_km(35.6762, 139.6503, 35.6762, 139.6503) == doctest::Approx(0.0));
}

}  // TEST_SUITE
