// The capacity chart (report/capacity_chart.hpp) from a hand-made capacity.json: its axes, where
// each point, interval and the knee are drawn, and the page around it.
#include <stress_testing/report/capacity_chart.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace st = stress_testing;

namespace {

nlohmann::json point(double rate, double achieved, double p50, double p99, nlohmann::json p99_lower,
                     nlohmann::json p99_upper, const char* verdict) {
  return {{"rate", rate},
          {"achieved_rps", achieved},
          {"p50_ms", {{"value", p50}, {"lower", p50}, {"upper", p50}}},
          {"p99_ms", {{"value", p99}, {"lower", p99_lower}, {"upper", p99_upper}}},
          {"verdict", verdict},
          {"step", 0}};
}

/// Three rates: p99 2 ms [1.5, 3] at 100/s, 4 ms at 200/s (the knee), 40 ms [20, unbounded] at 300/s.
nlohmann::json document() {
  return {{"summary", "max sustainable rate 200.0 requests/s meeting p99_response_time_ms < 10"},
          {"curve",
           {point(100, 100, 1, 2, 1.5, 3, "pass"), point(200, 200, 1, 4, 4, 4, "pass"),
            point(300, 300, 2, 40, 20, nullptr, "fail")}},
          {"knee", {{"rate", 200}, {"achieved_rps", 200}, {"latency_ms", 4}, {"percentile", 99}}}};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("capacity chart: the axes enclose every figure on round values") {
    auto const axes = st::report::capacity_chart_axes(document(), 720, 400);
    REQUIRE(axes);
    auto const& [x, y] = *axes;
    CHECK(x.lo == 0);
    CHECK(x.hi == 400);  // a step of 100 above the highest achieved rate, 300
    CHECK(x.pixel(100) == doctest::Approx(224));  // 64 + 100/400 x 640
    CHECK(x.ticks() == std::vector<double>{0, 100, 200, 300, 400});
    CHECK(y.log);
    CHECK(y.lo == 1);    // the lowest figure, p50 1 ms
    CHECK(y.hi == 100);  // the decade above the highest, p99 40 ms
    CHECK(y.pixel(10) == doctest::Approx(190));  // half way up from 356 to 24
    CHECK(y.ticks() == std::vector<double>{1, 2, 5, 10, 20, 50, 100});
    CHECK_FALSE(st::report::capacity_chart_axes(nlohmann::json{{"curve", nlohmann::json::array()}}, 720, 400));
  }

  TEST_CASE("capacity chart: points, intervals and the knee where the figures are") {
    auto const svg = st::report::capacity_chart_svg(document());
    // p99 at 300/s: x 64 + 300/400 x 640 = 544, y 356 - log10(40)/2 x 332 = 90.06.
    CHECK(has(svg, R"(<circle class="p99" data-rate="300.0" cx="544.0" cy="90.1" r="4" stroke="#d62728" fill="white"/>)"));
    // p99 at 100/s passed (filled): y 356 - log10(2)/2 x 332 = 306.03; its interval 1.5..3 ms.
    CHECK(has(svg, R"(<circle class="p99" data-rate="100.0" cx="224.0" cy="306.0" r="4" stroke="#d62728" fill="#d62728"/>)"));
    CHECK(has(svg, R"(<line x1="224.0" y1="326.8" x2="224.0" y2="276.8" stroke="#d62728"/>)"));
    // No upper bound at 300/s: the interval runs dashed to the top of the plot.
    CHECK(has(svg, R"(<line x1="544.0" y1="140.0" x2="544.0" y2="24.0" stroke="#d62728" stroke-dasharray="3 3"/>)"));
    CHECK(has(svg, R"(<polyline class="p50" fill="none" stroke="#1f77b4" points="224.0,356.0 384.0,356.0 544.0,306.0"/>)"));
    CHECK(has(svg, R"(<line class="knee" x1="384.0")"));
    CHECK(has(svg, "knee: 200.0/s offered"));
    auto const empty = st::report::capacity_chart_svg(nlohmann::json{{"curve", nlohmann::json::array()}});
    CHECK(has(empty, "nothing to draw"));
  }

  TEST_CASE("capacity chart: the page escapes the summary and lists each point") {
    auto const html = st::report::capacity_html(document());
    CHECK(has(html, "meeting p99_response_time_ms &lt; 10</p>"));
    CHECK(has(html, "<svg"));
    CHECK(has(html, "<tr><td>300.0</td><td>300.0</td><td>2.000</td><td>40.000</td><td>20.000 – –</td><td>fail</td></tr>"));
  }
}
