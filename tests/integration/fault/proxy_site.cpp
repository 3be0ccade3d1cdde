// The proxy row of the one failure model (fault/failure_model.hpp → fault/proxy/site.hpp),
// checked against the table for every failure type, and the site's add/remove on a real proxy.
#include <stress_testing/fault/proxy/site.hpp>

#include <doctest/doctest.h>

#include <span>
#include <string>
#include <variant>
#include <vector>

namespace proxy_site_test {

namespace fault = stress_testing::fault;
using stress_testing::failure_type;


}  // namespace proxy_site_test

using namespace proxy_site_test;

TEST_SUITE("fault") {
  TEST_CASE("proxy site: every failure type's effects as proxy faults, against the table") {
    for (auto t : stress_testing::all_values<failure_type>()) {
      CAPTURE(stress_testing::to_string(t));
      stress_testing::failure_scenario f;
      f.failure_type = t;
      f.start_time_seconds = 3;
      f.duration_seconds = 6;
      f.severity = 0.4;
      fault::placed_failure p{2, f, "proxy", fault::effects_of(f)};
      for (auto const& e : p.effects) {
        fault::active_effect const a{&p, &e};
        auto const specs = fault::proxy_faults_of(std::span<const fault::active_effect>(&a, 1));
        std::size_t seen = 0;
        for (auto const& s : specs) {
          CHECK(s.problems().empty());
          CHECK(s.name.find(std::string(stress_testing::to_string(t)) + "-2-") == 0);
          if (auto const* h = std::get_if<fault::http_status_fault>(&s.attributes)) {
            ++seen;
            CHECK(h->status == e.status);
            CHECK(h->fraction == e.error_fraction);
            CHECK(h->retry_after_seconds.has_value() == e.retry_after);
            CHECK(s.toxicity == 1.0);  // per request, exact
          } else if (auto const* l = std::get_if<fault::latency_fault>(&s.attributes)) {
            ++seen;
            CHECK(s.toxicity == e.latency_fraction);  // per connection: the table's stated difference
            double const want = e.latency_shape == fault::delay_shape::uniform ? (e.latency_ms + e.latency_max_ms) / 2
                                                                               : e.latency_ms;
            CHECK(l->latency_ms == doctest::Approx(want));
            if (e.latency_shape == fault::delay_shape::long_tail) CHECK(l->jitter_ms == doctest::Approx(e.latency_ms / 2));
            if (e.latency_shape == fault::delay_shape::fixed) CHECK(l->jitter_ms == 0);
          } else if (auto const* to = std::get_if<fault::timeout_fault>(&s.attributes)) {
            ++seen;
            CHECK(to->timeout_ms == 0);
            CHECK(s.toxicity == e.black_hole_fraction);
          }
        }
        CHECK(seen == specs.size());
        std::size_t const want = (e.error_fraction > 0 ? 1 : 0) + (e.latency_fraction > 0 ? 1 : 0) +
                                 (e.black_hole_fraction > 0 ? 2 : 0);
        CHECK(specs.size() == want);
      }
    }
  }

  TEST_CASE("proxy site: apply adds the faults of what began and removes those of what ended") {
    // A chain in front of a port nothing listens on: only the fault tables are exercised.
    fault::proxy_chain chain("http://127.0.0.1:9/score", false, 1);
    fault::proxy_failure_site site(chain);
    stress_testing::failure_scenario f;
    f.failure_type = failure_type::memory_pressure;  // latency (TCP proxy) and a status (HTTP proxy)
    f.start_time_seconds = 1;
    f.duration_seconds = 2;
    f.severity = 0.5;
    fault::placed_failure p{0, f, "proxy", fault::effects_of(f)};
    fault::active_effect const a{&p, &p.effects[0]};
    site.apply(1, std::span<const fault::active_effect>(&a, 1));
    CHECK(chain.http_proxy().faults().size() == 1);
    CHECK(chain.tcp_proxy().faults().size() == 1);
    site.apply(1.5, std::span<const fault::active_effect>(&a, 1));  // unchanged: nothing re-added
    CHECK(chain.http_proxy().faults().size() == 1);
    site.apply(3, {});
    CHECK(chain.http_proxy().faults().empty());
    CHECK(chain.tcp_proxy().faults().empty());
  }
}
