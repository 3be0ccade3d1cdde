// capacity.json (report/capacity_json.hpp) from a hand-made search: the answer, the bracket and a
// step's figures where docs/capacity.md says, and every key the document writes documented there.
#include <stress_testing/report/capacity_json.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#ifndef STRESS_TESTING_SOURCE_DIR
#error "the build defines STRESS_TESTING_SOURCE_DIR for tests that read the docs"
#endif

namespace st = stress_testing;
using namespace std::chrono_literals;

namespace {

/// A search scripted to pass at 100 and 150/s and fail at 200/s, each step with 2,000 responses
/// of 1..2000 us (p99 1.98 ms).
st::run::capacity_result scripted_search(st::run::capacity_options& o) {
  o.slos = {st::parse_criterion("p99_response_time_ms < 5")};
  o.min_rate = 100;
  o.max_rate = 200;
  o.precision = 0.3;
  return st::run::search_capacity(
      o,
      [](const st::run::step_plan& p) {
        st::run::step_measurement m;
        for (int i = 1; i <= 2000; ++i)
          for (auto* s : {&m.whole, i % 2 ? &m.first_half : &m.second_half}) {
            s->response_time.record_value(i * 1000);
            s->counters.record(p.rate > 150 ? st::outcome::http_error : st::outcome::ok);
          }
        m.whole.end = 10s;
        m.achieved_rps = p.rate;
        return m;
      },
      [](const st::run::capacity_step&) {});
}

void collect_keys(const nlohmann::json& j, std::vector<std::string>& keys) {
  if (j.is_object())
    for (auto const& [k, v] : j.items()) {
      keys.push_back(k);
      collect_keys(v, keys);
    }
  else if (j.is_array())
    for (auto const& v : j) collect_keys(v, keys);
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("capacity.json holds the answer, the bracket and each step's figures") {
    st::run::capacity_options o;
    auto const r = scripted_search(o);
    auto const doc = st::report::to_json(r, o);
    CHECK(doc["schema"] == "stress_testing.capacity");
    CHECK(doc["schema_version"] == 1);
    CHECK(doc["max_sustainable_rps"] == 200);  // only a p99 SLO: every step passes up to max_rate
    CHECK(doc["stop"] == "max_rate_passed");
    CHECK(doc["bracket"]["high"].is_null());
    REQUIRE(doc["steps"].size() == 2);
    auto const& s = doc["steps"][0];
    CHECK(s["rate"] == 100);
    CHECK(s["kind"] == "probe");
    CHECK(s["intended"] == 2000);
    CHECK(s["percentiles"][2]["percentile"] == 99);
    CHECK(s["percentiles"][2]["ms"].get<double>() == doctest::Approx(1.98).epsilon(0.01));
    CHECK(s["slos"][0]["slo"] == "p99_response_time_ms < 5");
    CHECK(s["slos"][0]["verdict"] == "pass");
    CHECK(s["error_rate"]["value"] == 0);
    CHECK(s["error_rate"]["lower"] == 0);
    CHECK(s["drift"]["detected"] == false);
    CHECK(s["generator"]["limited"] == false);
    CHECK(s["generator"]["reason"].is_null());
    CHECK(doc["options"]["slos"][0] == "p99_response_time_ms < 5");
    CHECK(doc["options"]["interval_seconds"].is_null());  // a tenth of each step
    // The curve: one point per rate, the figures of its step (run::latency_curve).
    REQUIRE(doc["curve"].size() == 2);
    CHECK(doc["curve"][1]["rate"] == 200);
    CHECK(doc["curve"][1]["step"] == 1);
    CHECK(doc["curve"][1]["verdict"] == "pass");
    CHECK(doc["curve"][1]["p99_ms"]["value"] == doc["steps"][1]["percentiles"][2]["ms"]);
    CHECK(doc["curve"][1]["p50_ms"]["value"] == doc["steps"][1]["percentiles"][0]["ms"]);
    CHECK(s["drift"]["intervals"] == nlohmann::json::array({0, 0}));  // a scripted step has no interval samples

    o.slos.push_back(st::parse_criterion("error_rate < 0.01"));
    auto const failed = st::report::to_json(st::run::search_capacity(
                                                o,
                                                [](const st::run::step_plan& p) {
                                                  st::run::step_measurement m;
                                                  for (int i = 1; i <= 2000; ++i) {
                                                    m.whole.response_time.record_value(1000);
                                                    m.whole.counters.record(p.rate > 150 ? st::outcome::http_error
                                                                                         : st::outcome::ok);
                                                  }
                                                  m.whole.end = 10s;
                                                  return m;
                                                },
                                                [](const st::run::capacity_step&) {}),
                                            o);
    CHECK(failed["max_sustainable_rps"] == 150);
    CHECK(failed["bracket"]["low"] == 150);
    CHECK(failed["bracket"]["high"] == 200);
    CHECK(failed["stop"] == "converged");
    REQUIRE(failed["steps"].size() == 3);  // 100 pass, 200 fail (every request an error), 150 pass
    CHECK(failed["steps"][1]["rate"] == 200);
    CHECK(failed["steps"][1]["verdict"] == "fail");
    CHECK(failed["steps"][1]["slos"][1]["verdict"] == "fail");
    CHECK(failed["steps"][1]["error_rate"]["upper"] == 1);
  }

  TEST_CASE("docs/capacity.md documents every key of capacity.json") {
    st::run::capacity_options o;
    o.hold = 10s;
    auto const doc = st::report::to_json(scripted_search(o), o);
    std::ifstream in(STRESS_TESTING_SOURCE_DIR "/docs/capacity.md");
    REQUIRE(in);
    std::string const text{std::istreambuf_iterator<char>(in), {}};
    // Every name written in code spans (`bracket.low`, `{value, lower, upper}`).
    std::set<std::string> documented;
    bool in_code = false;
    std::string word;
    for (char ch : text) {
      bool const name_char = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
      if (in_code && name_char) {
        word += ch;
        continue;
      }
      if (!word.empty()) documented.insert(word);
      word.clear();
      if (ch == '`') in_code = !in_code;
    }
    std::vector<std::string> keys;
    collect_keys(doc, keys);
    REQUIRE(keys.size() > 40);
    for (auto const& k : keys) CHECK_MESSAGE(documented.count(k) == 1, k);
  }
}
