#include <stress_testing/fraud/generator.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fr = stress_testing::fraud;

namespace {

const fr::transaction_generator& default_generator() {
  static const fr::transaction_generator g{fr::generator_options{}};
  return g;
}

std::string json(const fr::transaction& tx) {
  std::string s;
  write_json(tx, s);
  return s;
}

/// The country table entry for a code (the generator's own table).
const fr::detail::country_info& info(fr::country_code c) {
  for (auto const& i : fr::detail::countries)
    if (i.code == c) return i;
  FAIL("unknown country " << std::string(c.view()));
  return fr::detail::countries[0];
}

/// Distance from the transaction's place to the nearest city of its card's home country.
double km_from_home(const fr::transaction& tx) {
  auto const& home = info(tx.home_country);
  double best = 1e9;
  for (std::size_t i = 0; i < home.city_count; ++i) {
    auto const& c = fr::detail::cities[home.first_city + i];
    best = std::min(best, fr::great_circle_km(tx.lat(), tx.lon(), c.lat_e4 * 1e-4, c.lon_e4 * 1e-4));
  }
  return best;
}

/// The runs of consecutive fraudulent transactions of one pattern, within blocks.
std::vector<std::vector<fr::transaction>> runs_of(const fr::transaction_generator& g, fr::fraud_pattern p,
                                                  std::uint64_t n) {
  std::vector<std::vector<fr::transaction>> runs;
  std::vector<fr::transaction> run;
  for (std::uint64_t s = 0; s < n; ++s) {
    auto const tx = g.at(s);
    bool const starts_block = s % fr::transaction_generator::block_length == 0;
    if (!run.empty() && (starts_block || tx.pattern != p || tx.card != run.back().card)) {
      runs.push_back(std::move(run));
      run.clear();
    }
    if (tx.pattern == p) run.push_back(tx);
  }
  if (!run.empty()) runs.push_back(std::move(run));
  return runs;
}

}  // namespace

TEST_SUITE("fraud") {

TEST_CASE("generator options name the first problem") {
  fr::generator_options o;
  CHECK(o.problem() == nullptr);
  auto problem = [](auto change) {
    fr::generator_options x;
    change(x);
    return std::string_view(x.problem() ? x.problem() : "");
  };
  CHECK(problem([](auto& x) { x.fraud_fraction = -0.1; }) == "fraud_fraction: must be in [0, 1]");
  CHECK(problem([](auto& x) { x.fraud_fraction = NAN; }) == "fraud_fraction: must be in [0, 1]");
  CHECK(problem([](auto& x) { x.edge_fraction = 1.5; }) == "edge_fraction: must be in [0, 1]");
  CHECK(problem([](auto& x) {
          x.fraud_fraction = 0.7;
          x.edge_fraction = 0.4;
        }) == "fraud_fraction + edge_fraction: must be <= 1");
  CHECK(problem([](auto& x) { x.cards = 0; }) == "cards: must be in [1, 100000000]");
  CHECK(problem([](auto& x) { x.cards = 100'000'001; }) == "cards: must be in [1, 100000000]");
  CHECK(problem([](auto& x) { x.merchants = 0; }) == "merchants: must be in [1, 1000000]");
  CHECK(problem([](auto& x) { x.merchants = 1'000'001; }) == "merchants: must be in [1, 1000000]");
  CHECK(problem([](auto& x) { x.epoch_ms = -1; }) == "epoch_ms: must be >= 0");
  CHECK(problem([](auto& x) { x.events_per_second = 0; }) == "events_per_second: must be > 0 and finite");
  CHECK(problem([](auto& x) { x.events_per_second = INFINITY; }) == "events_per_second: must be > 0 and finite");
  CHECK(problem([](auto& x) {
          x.fraud_fraction = 1;
          x.edge_fraction = 0;
        }) == "");
}

TEST_CASE("the generator rejects invalid options with invalid_argument") {
  fr::generator_options o;
  o.cards = 0;
  CHECK_THROWS_WITH_AS(fr::transaction_generator{o}, "cards: must be in [1, 100000000]", std::invalid_argument);
}

TEST_CASE("the same seed and sequence give the same transaction in any order") {
  fr::transaction_generator const a{fr::generator_options{}};
  fr::transaction_generator const b{fr::generator_options{}};
  std::vector<fr::transaction> forward;
  for (std::uint64_t s = 0; s < 2000; ++s) forward.push_back(a.at(s));
  for (std::uint64_t s = 2000; s-- > 0;) CHECK(b.at(s) == forward[s]);
  // Far away and out of order too.
  CHECK(a.at(123'456'789'012) == b.at(123'456'789'012));
  CHECK(json(a.at(77)) == json(b.at(77)));
}

TEST_CASE("different seeds give different streams") {
  fr::generator_options o;
  o.seed = 2;
  fr::transaction_generator const other{o};
  auto const& g = default_generator();
  int same_card = 0;
  int same_label = 0;
  for (std::uint64_t s = 0; s < 1000; ++s) {
    auto const x = g.at(s);
    auto const y = other.at(s);
    CHECK(x.sequence == y.sequence);
    CHECK(x.timestamp_ms == y.timestamp_ms);  // time depends on the sequence only
    same_card += x.card == y.card ? 1 : 0;
    same_label += x.label == y.label ? 1 : 0;
  }
  CHECK(same_card < 20);
  CHECK(same_label < 900);  // 80% legitimate in both: ~0.68 agree by chance
}

TEST_CASE("label fractions converge to 80 15 5 over 200000 sequences") {
  for (std::uint64_t seed : {1ULL, 42ULL, 20260101ULL}) {
    fr::generator_options o;
    o.seed = seed;
    fr::transaction_generator const g{o};
    std::array<double, 3> n{};
    constexpr std::uint64_t total = 200'000;
    for (std::uint64_t s = 0; s < total; ++s) n[static_cast<std::size_t>(g.at(s).label)] += 1;
    INFO("seed " << seed);
    CHECK(std::abs(n[0] / total - 0.80) <= 0.005);
    CHECK(std::abs(n[1] / total - 0.15) <= 0.005);
    CHECK(std::abs(n[2] / total - 0.05) <= 0.005);
  }
}

TEST_CASE("label fractions follow other options including the extremes") {
  struct mix {
    double fraud, edge;
  };
  for (auto const m : {mix{0.5, 0.2}, mix{0.0, 0.0}, mix{1.0, 0.0}, mix{0.0, 1.0}, mix{0.6, 0.4}, mix{0.02, 0.0}}) {
    fr::generator_options o;
    o.fraud_fraction = m.fraud;
    o.edge_fraction = m.edge;
    fr::transaction_generator const g{o};
    std::array<double, 3> n{};
    constexpr std::uint64_t total = 100'000;
    for (std::uint64_t s = 0; s < total; ++s) n[static_cast<std::size_t>(g.at(s).label)] += 1;
    INFO("fraud " << m.fraud << " edge " << m.edge);
    CHECK(std::abs(n[1] / total - m.fraud) <= 0.007);
    CHECK(std::abs(n[2] / total - m.edge) <= 0.007);
  }
}

TEST_CASE("every generated transaction is well formed") {
  auto const& g = default_generator();
  std::size_t longest = 0;
  for (std::uint64_t s = 0; s < 50'000; ++s) {
    auto const tx = g.at(s);
    CHECK(tx.sequence == s);
    CHECK(tx.card < g.options().cards);
    CHECK(tx.merchant < g.options().merchants);
    CHECK(tx.amount_minor >= 1);
    CHECK(info(tx.country).currency == tx.currency);  // the currency of where it happens
    (void)info(tx.home_country);
    CHECK(std::abs(tx.lat_e4) <= 900'000);
    CHECK(std::abs(tx.lon_e4) <= 1'800'000);
    CHECK(tx.timestamp_ms == g.options().epoch_ms + static_cast<std::int64_t>(s));
    CHECK((tx.pattern != fr::fraud_pattern::none) == tx.is_fraud());
    CHECK((tx.edge != fr::edge_kind::none) == (tx.label == fr::label::edge_case));
    longest = std::max(longest, json(tx).size());
  }
  CHECK(longest < fr::max_json_size);
}

TEST_CASE("timestamps advance at events_per_second from epoch_ms") {
  fr::generator_options o;
  o.epoch_ms = 1'000;
  o.events_per_second = 400;  // 2.5 ms apart
  fr::transaction_generator const g{o};
  CHECK(g.at(0).timestamp_ms == 1'000);
  CHECK(g.at(1).timestamp_ms == 1'002);
  CHECK(g.at(2).timestamp_ms == 1'005);
  CHECK(g.at(400).timestamp_ms == 2'000);
}

TEST_CASE("a velocity burst repeats one card online on 5 to 10 consecutive sequences") {
  auto const& g = default_generator();
  auto const runs = runs_of(g, fr::fraud_pattern::velocity_burst, 100'000);
  REQUIRE(runs.size() > 100);
  for (auto const& run : runs) {
    CHECK(run.size() >= 5);
    CHECK(run.size() <= 10);
    for (std::size_t i = 0; i < run.size(); ++i) {
      auto const& tx = run[i];
      CHECK(tx.sequence == run[0].sequence + i);  // consecutive
      CHECK(tx.card == run[0].card);
      CHECK(tx.device == run[0].device);
      CHECK(tx.channel == fr::channel::online);
      CHECK((tx.merchant_category == fr::merchant_category::gift_cards ||
             tx.merchant_category == fr::merchant_category::digital_goods));
      CHECK(tx.label == fr::label::fraudulent);
    }
  }
}

TEST_CASE("a geo jump uses the card at home and then thousands of km away") {
  auto const& g = default_generator();
  auto const runs = runs_of(g, fr::fraud_pattern::geo_jump, 100'000);
  REQUIRE(runs.size() > 50);
  for (auto const& run : runs) {
    CHECK(run.size() >= 2);
    CHECK(run.size() <= 4);
    // The transaction just before the run: the genuine holder, at home, same card.
    auto const before = g.at(run[0].sequence - 1);
    CHECK(before.card == run[0].card);
    CHECK(before.label == fr::label::legitimate);
    CHECK(before.country == before.home_country);
    CHECK(before.channel == fr::channel::card_present);
    for (auto const& tx : run) {
      CHECK(tx.card == run[0].card);
      CHECK(tx.country != tx.home_country);
      CHECK(tx.channel == fr::channel::card_present);
      CHECK(fr::great_circle_km(before.lat(), before.lon(), tx.lat(), tx.lon()) > 2500.0);
      CHECK(tx.timestamp_ms - before.timestamp_ms < 60'000);
    }
  }
}

TEST_CASE("card testing runs tiny online amounts on one card at one merchant") {
  auto const& g = default_generator();
  auto const runs = runs_of(g, fr::fraud_pattern::card_testing, 100'000);
  REQUIRE(runs.size() > 100);
  for (auto const& run : runs) {
    CHECK(run.size() >= 5);
    CHECK(run.size() <= 10);
    for (auto const& tx : run) {
      CHECK(tx.card == run[0].card);
      CHECK(tx.merchant == run[0].merchant);
      CHECK(tx.device == run[0].device);
      CHECK(tx.channel == fr::channel::online);
      CHECK(tx.amount_minor >= 50);
      CHECK(tx.amount_minor <= 200);
    }
  }
}

TEST_CASE("account takeover uses a device new to the card and a large online amount") {
  fr::generator_options o;
  o.cards = 40;  // few cards, so every card has a long legitimate history
  fr::transaction_generator const g{o};
  std::map<std::uint32_t, std::set<std::uint32_t>> own_devices;
  std::vector<fr::transaction> takeovers;
  for (std::uint64_t s = 0; s < 60'000; ++s) {
    auto const tx = g.at(s);
    if (tx.label == fr::label::legitimate && tx.channel == fr::channel::online) own_devices[tx.card].insert(tx.device);
    if (tx.pattern == fr::fraud_pattern::account_takeover) takeovers.push_back(tx);
  }
  REQUIRE(takeovers.size() > 100);
  for (auto const& tx : takeovers) {
    CHECK(own_devices[tx.card].size() == 2);  // each holder uses two devices online
    CHECK(own_devices[tx.card].count(tx.device) == 0);
    CHECK(tx.channel == fr::channel::online);
    CHECK((tx.merchant_category == fr::merchant_category::electronics ||
           tx.merchant_category == fr::merchant_category::crypto));
    CHECK(tx.usd_micros() >= 1'490'000'000);  // 1,500 USD, less rounding to the currency
    CHECK(tx.country == tx.home_country);
  }
}

TEST_CASE("edge cases are legitimate but unusual") {
  auto const& g = default_generator();
  std::map<fr::edge_kind, int> seen;
  for (std::uint64_t s = 0; s < 100'000; ++s) {
    auto const tx = g.at(s);
    if (tx.label != fr::label::edge_case) continue;
    CHECK_FALSE(tx.is_fraud());
    ++seen[tx.edge];
    switch (tx.edge) {
      case fr::edge_kind::micro_amount: CHECK(tx.amount_minor == 1); break;
      case fr::edge_kind::large_amount:
        CHECK(tx.usd_micros() >= 9'990'000'000);
        CHECK(tx.country == tx.home_country);
        break;
      case fr::edge_kind::zero_decimal_currency:
        CHECK(tx.currency == fr::currency::jpy);
        CHECK(json(tx).find("\"currency\":\"JPY\"") != std::string::npos);
        CHECK(json(tx).find("\"amount\":" + std::to_string(tx.amount_minor) + ",") != std::string::npos);
        break;
      case fr::edge_kind::distant_travel:
        CHECK(tx.channel == fr::channel::card_present);
        CHECK(km_from_home(tx) > 2500.0);
        break;
      case fr::edge_kind::threshold_amount:
        CHECK((tx.amount_minor % 100 == 0 || tx.amount_minor % 100 == 99));
        CHECK((tx.merchant_category == fr::merchant_category::gift_cards ||
               tx.merchant_category == fr::merchant_category::crypto ||
               tx.merchant_category == fr::merchant_category::electronics));
        break;
      default: FAIL("edge case without a kind");
    }
  }
  CHECK(seen.size() == 5);
  for (auto const& [kind, n] : seen) CHECK(n > 500);
}

TEST_CASE("legitimate traffic is mostly at home and mostly card present") {
  auto const& g = default_generator();
  double legit = 0, home = 0, present = 0, atm = 0;
  std::map<std::string, double> holders;
  for (std::uint64_t s = 0; s < 100'000; ++s) {
    auto const tx = g.at(s);
    if (tx.label != fr::label::legitimate) continue;
    legit += 1;
    home += tx.country == tx.home_country ? 1 : 0;
    present += tx.channel == fr::channel::card_present ? 1 : 0;
    atm += tx.channel == fr::channel::atm ? 1 : 0;
    holders[std::string(tx.home_country.view())] += 1;
  }
  CHECK(home / legit > 0.95);
  CHECK(present / legit > 0.55);
  CHECK(atm / legit > 0.005);
  CHECK(holders.size() == fr::detail::countries.size());
  CHECK(holders["US"] / legit == doctest::Approx(0.28).epsilon(0.1));  // the heaviest home country
}

TEST_CASE("legitimate amounts are log-normal around the category medians") {
  auto const& g = default_generator();
  std::map<fr::merchant_category, std::vector<double>> usd;
  for (std::uint64_t s = 0; s < 200'000; ++s) {
    auto const tx = g.at(s);
    if (tx.label == fr::label::legitimate && tx.channel != fr::channel::atm)
      usd[tx.merchant_category].push_back(static_cast<double>(tx.usd_micros()) / 1e6);
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  CHECK(median(usd[fr::merchant_category::grocery]) == doctest::Approx(40).epsilon(0.1));
  CHECK(median(usd[fr::merchant_category::fuel]) == doctest::Approx(50).epsilon(0.1));
  CHECK(median(usd[fr::merchant_category::travel]) == doctest::Approx(600).epsilon(0.15));
  CHECK(median(usd[fr::merchant_category::electronics]) == doctest::Approx(300).epsilon(0.15));
}

TEST_CASE("a merchant id always maps to one country and one category") {
  auto const& g = default_generator();
  std::map<std::uint32_t, std::pair<std::string, fr::merchant_category>> merchants;
  int repeats = 0;
  for (std::uint64_t s = 0; s < 100'000; ++s) {
    auto const tx = g.at(s);
    auto const [it, fresh] = merchants.try_emplace(tx.merchant, std::string(tx.country.view()), tx.merchant_category);
    if (fresh) continue;
    ++repeats;
    CHECK(it->second.first == tx.country.view());
    CHECK(it->second.second == tx.merchant_category);
  }
  CHECK(repeats > 10'000);
}

TEST_CASE("a tiny population still generates valid transactions") {
  fr::generator_options o;
  o.cards = 1;
  o.merchants = 1;
  fr::transaction_generator const g{o};
  for (std::uint64_t s = 0; s < 5'000; ++s) {
    auto const tx = g.at(s);
    CHECK(tx.card == 0);
    CHECK(tx.merchant == 0);
  }
}

}  // TEST_SUITE
