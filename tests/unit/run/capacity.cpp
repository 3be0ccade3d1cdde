// Capacity search without time (run/capacity.hpp is pure): the intervals and verdicts of one step,
// the knee, the state machine on scripted verdicts, and whole searches against a simulated target
// of known capacity, an exact FIFO queue of N slots x a fixed service time (capacity N / S),
// simulated event by event with the same step measurements a real run produces.
#include <stress_testing/report/capacity_json.hpp>
#include <stress_testing/run/capacity.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

namespace st = stress_testing;
namespace run = stress_testing::run;
using namespace std::chrono_literals;

namespace {

/// The target: `slots` processing slots, each request holding one for `service_s` seconds
/// (`growth` per second of the step more when it degrades over time), FIFO with unlimited waiting.
struct queue_target {
  std::size_t slots = 8;
  double service_s = 0.020;
  double growth = 0;  ///< service time added per second since the step's start (a leak)
  double capacity() const { return static_cast<double>(slots) / service_s; }
};

/// The generator: uniform arrivals (Poisson with a seed), limited to `max_rps` (0: unlimited).
struct sim_generator {
  bool poisson = false;
  std::uint64_t seed = 1;
  double max_rps = 0;
};

std::chrono::nanoseconds to_ns(double s) { return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9)); }

/// One step held against the simulated target: every arrival of the schedule queued for a slot,
/// its response time (completion - arrival) recorded by completion time, exactly as the engine does.
run::step_measurement simulate(const queue_target& q, const sim_generator& g, const run::step_plan& p) {
  double const T = std::chrono::duration<double>(p.duration).count();
  run::step_measurement m;
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < q.slots; ++i) free_at.push(0.0);
  std::uint64_t rng = g.seed * 0x9E3779B97F4A7C15ull + 1;
  auto uniform01 = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (static_cast<double>(rng >> 11) + 0.5) / 9007199254740992.0;
  };
  double t = 0, last = 0;
  std::uint64_t n = 0, completed_in_schedule = 0;
  for (;; ++n) {
    t = g.poisson ? t - std::log(uniform01()) / p.rate : static_cast<double>(n) / p.rate;
    if (t >= T) break;
    double const start = std::max(t, free_at.top());
    free_at.pop();
    double const done = start + q.service_s + q.growth * t;
    free_at.push(done);
    last = std::max(last, done);
    auto const rt = static_cast<std::int64_t>((done - t) * 1e9);
    for (auto* s : {&m.whole, done <= T / 2 ? &m.first_half : &m.second_half}) {
      s->response_time.record_value(rt);
      s->service_time.record_value(static_cast<std::int64_t>((q.service_s + q.growth * t) * 1e9));
      s->send_lag.record_value(0);
      s->counters.record(st::outcome::ok);
    }
    if (done <= T) ++completed_in_schedule;
  }
  m.whole.start = m.first_half.start = 0ns;
  m.first_half.end = m.second_half.start = to_ns(T / 2);
  m.whole.end = m.second_half.end = to_ns(std::max(T, last));
  m.achieved_rps = static_cast<double>(completed_in_schedule) / T;
  m.accounting.intended = m.accounting.issued = n;
  m.accounting.outcomes = m.whole.counters;
  if (g.max_rps > 0 && p.rate > g.max_rps) {
    m.accounting.generator_limited = true;
    m.accounting.late = n / 2;
    m.generator_reason = "simulated: the generator sends at most " + std::to_string(g.max_rps) + "/s";
  }
  return m;
}

run::capacity_options options_for(std::vector<std::string> const& slos) {
  run::capacity_options o;
  for (auto const& s : slos) o.slos.push_back(st::parse_criterion(s));
  o.min_rate = 10;
  o.max_rate = 100'000;
  o.precision = 0.05;
  o.step_duration = 10s;
  return o;
}

run::capacity_result search(const queue_target& q, const sim_generator& g, const run::capacity_options& o) {
  return run::search_capacity(o, [&](const run::step_plan& p) { return simulate(q, g, p); },
                              [](const run::capacity_step&) {});
}

/// A measurement whose response times are `values` ms (all ok), alternately in each half: no drift.
run::step_measurement measured(std::vector<double> const& values) {
  run::step_measurement m;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (auto* s : {&m.whole, i % 2 == 0 ? &m.first_half : &m.second_half}) {
      s->response_time.record_value(static_cast<std::int64_t>(values[i] * 1e6));
      s->counters.record(st::outcome::ok);
    }
  }
  m.whole.end = 10s;
  return m;
}

run::capacity_step scripted(run::step_verdict v) {
  run::capacity_step s;
  s.verdict = v;
  return s;
}

}  // namespace

TEST_SUITE("run") {
  TEST_CASE("capacity: an SLO passes on its interval's upper bound, fails on its lower, else is undecided") {
    run::capacity_options o = options_for({"p99_response_time_ms < 50"});
    // 1..1000 ms once each: p99 = 990 ms, its 95% interval [ranks 983, 996].
    std::vector<double> values;
    for (int i = 1; i <= 1000; ++i) values.push_back(i);
    auto const m = measured(values);
    run::step_plan const plan{100, 10s, run::step_kind::probe, 0};

    o.slos = {st::parse_criterion("p99_response_time_ms < 1000")};  // upper ~996 < 1000
    auto s = run::judge_step(plan, m, o);
    REQUIRE(s.slos.size() == 1);
    CHECK(s.slos[0].verdict == run::slo_verdict::pass);
    CHECK(s.slos[0].actual->lower.value() == doctest::Approx(983).epsilon(0.01));
    CHECK(s.slos[0].actual->upper.value() == doctest::Approx(996).epsilon(0.01));
    CHECK(s.verdict == run::step_verdict::pass);

    o.slos = {st::parse_criterion("p99_response_time_ms < 980")};  // lower ~983 >= 980
    CHECK(run::judge_step(plan, m, o).verdict == run::step_verdict::fail);

    o.slos = {st::parse_criterion("p99_response_time_ms < 990")};  // 983 < 990 < 996
    s = run::judge_step(plan, m, o);
    CHECK(s.slos[0].verdict == run::slo_verdict::undecided);
    CHECK(s.verdict == run::step_verdict::undecided);
    CHECK(s.reason.find("p99_response_time_ms < 990") != std::string::npos);

    // 100 samples cannot bound a p99 from above: undecided however low the values are.
    std::vector<double> few(100, 1.0);
    o.slos = {st::parse_criterion("p99_response_time_ms < 50")};
    CHECK(run::judge_step(plan, measured(few), o).verdict == run::step_verdict::undecided);
  }

  TEST_CASE("capacity: an error-rate SLO is judged on its Wilson interval") {
    // No error in 100 requests: Wilson's 95% upper bound is z^2 / (n + z^2) = 0.0370.
    auto const e = run::detail::proportion(0, 100, 0.95);
    CHECK(e.lower.value() == 0);
    CHECK(e.upper.value() == doctest::Approx(3.8415 / 103.8415).epsilon(0.001));
    run::capacity_options o = options_for({"error_rate < 0.01"});
    std::vector<double> values(100, 1.0);
    run::step_plan const plan{100, 10s, run::step_kind::probe, 0};
    CHECK(run::judge_step(plan, measured(values), o).verdict == run::step_verdict::undecided);
    values.assign(2000, 1.0);  // upper bound 0.0019 < 0.01
    CHECK(run::judge_step(plan, measured(values), o).verdict == run::step_verdict::pass);
  }

  TEST_CASE("capacity: a generator-limited step blames the generator unless a non-latency SLO broke") {
    run::capacity_options o = options_for({"p99_response_time_ms < 1", "error_rate < 0.5"});
    std::vector<double> values(2000, 10.0);
    auto m = measured(values);
    m.accounting.generator_limited = true;
    m.generator_reason = "sent late";
    run::step_plan const plan{100, 10s, run::step_kind::probe, 0};
    auto s = run::judge_step(plan, m, o);
    CHECK(s.slos[0].verdict == run::slo_verdict::fail);
    CHECK(s.verdict == run::step_verdict::generator_limited);
    CHECK(s.reason.find("sent late") != std::string::npos);
    // Errors are the target's whoever sent late.
    for (int i = 0; i < 6000; ++i) m.whole.counters.record(st::outcome::http_error);  // 75%
    CHECK(run::judge_step(plan, m, o).verdict == run::step_verdict::fail);
  }

  TEST_CASE("capacity: latency drifting between a step's halves is detected, and fails the step") {
    // Just above capacity: 8 slots x 20 ms = 400/s held at 410/s for 10 s, the backlog grows.
    queue_target const q{8, 0.020};
    run::capacity_options o = options_for({"p99_response_time_ms < 1000"});
    auto const s = run::judge_step({410, 10s, run::step_kind::probe, 0}, simulate(q, {}, {410, 10s, {}, 0}), o);
    CHECK(s.slos[0].verdict == run::slo_verdict::pass);  // p99 ~ 265 ms: the SLO alone would pass it
    CHECK(s.drift.detected);
    CHECK(s.drift.first_p50_ms->value == doctest::Approx(20 + 62.5).epsilon(0.1));  // wait 0.025 t, median t 2.5 s
    CHECK(s.drift.ratio > 2);
    CHECK(s.verdict == run::step_verdict::fail);
    CHECK(s.reason.find("drifted") != std::string::npos);
    o.drift_fails = false;  // reported only
    auto const r = run::judge_step({410, 10s, run::step_kind::probe, 0}, simulate(q, {}, {410, 10s, {}, 0}), o);
    CHECK(r.verdict == run::step_verdict::pass);
    CHECK(r.reason.find("drifted") != std::string::npos);
    // Below capacity nothing drifts: every response takes the service time.
    auto const b = run::judge_step({390, 10s, run::step_kind::probe, 0}, simulate(q, {}, {390, 10s, {}, 0}), o);
    CHECK_FALSE(b.drift.detected);
    CHECK(b.percentiles.at(2).ms.value == doctest::Approx(20).epsilon(0.01));
    CHECK(b.achieved_rps == doctest::Approx(390).epsilon(0.01));
  }

  TEST_CASE("capacity: the knee of the curve") {
    std::vector<run::capacity_step> steps;
    for (auto [rate, ms] : {std::pair{100.0, 1.0}, {200.0, 1.0}, {300.0, 1.1}, {400.0, 10.0}}) {
      run::capacity_step s;
      s.plan.rate = rate;
      s.achieved_rps = rate;
      s.percentiles.push_back({99, {ms, ms, ms}});
      steps.push_back(s);
    }
    auto const k = run::find_knee(steps);
    REQUIRE(k);
    CHECK(k->rate == 300);
    CHECK(k->latency_ms == doctest::Approx(1.1));
    // A flat curve whose p99s overlap within their intervals (47.4 [44, 52], 46.8 [43, 49],
    // 47.6 [45, 50] ms, as measured below capacity) has no knee: its wobble is noise.
    std::vector<run::capacity_step> flat(3);
    double const ms[3][3] = {{47.4, 44.3, 52.5}, {46.8, 43.4, 48.8}, {47.6, 45.4, 49.8}};
    for (int i = 0; i < 3; ++i) {
      flat[i].plan.rate = 1000.0 * (1 << i);
      flat[i].percentiles.push_back({99, {ms[i][0], ms[i][1], ms[i][2]}});
    }
    CHECK_FALSE(run::find_knee(flat));
    steps.pop_back();
    steps.pop_back();
    CHECK_FALSE(run::find_knee(steps));  // two points have no knee
  }

  TEST_CASE("capacity: the state machine brackets by doubling, then bisects to the precision") {
    run::capacity_options o = options_for({"p99_response_time_ms < 50"});
    o.min_rate = 100;
    o.precision = 0.05;
    run::capacity_search s(o);
    double const truth = 730;
    std::vector<double> rates;
    while (auto p = s.next()) {
      rates.push_back(p->rate);
      CHECK(p->kind == run::step_kind::probe);
      s.record(scripted(p->rate <= truth ? run::step_verdict::pass : run::step_verdict::fail));
    }
    REQUIRE(rates.size() >= 5);
    CHECK(rates[0] == 100);
    CHECK(rates[1] == 200);
    CHECK(rates[2] == 400);
    CHECK(rates[3] == 800);
    CHECK(rates[4] == 600);
    auto const r = s.result();
    CHECK(r.stop == run::capacity_stop::converged);
    REQUIRE(r.max_sustainable_rps);
    CHECK(*r.max_sustainable_rps <= truth);
    CHECK(*r.max_sustainable_rps >= truth * 0.95);
    CHECK(*r.bracket_high - *r.bracket_low <= 0.05 * *r.bracket_high);
    CHECK(r.summary.find("max sustainable rate") != std::string::npos);
  }

  TEST_CASE("capacity: undecided steps are extended, then counted as failures; the generator's limit is its own") {
    run::capacity_options o = options_for({"p99_response_time_ms < 50"});
    o.min_rate = 100;
    o.max_extensions = 2;
    o.max_generator_repeats = 1;
    run::capacity_search s(o);
    s.record(scripted(run::step_verdict::pass));  // 100
    REQUIRE(s.next()->rate == 200);
    s.record(scripted(run::step_verdict::undecided));
    CHECK(s.next()->rate == 200);
    CHECK(s.next()->kind == run::step_kind::extend);
    CHECK(s.next()->duration == 20s);
    s.record(scripted(run::step_verdict::undecided));
    CHECK(s.next()->duration == 40s);
    s.record(scripted(run::step_verdict::undecided));  // still: a failure, conservatively
    CHECK(s.next()->rate == 150);
    CHECK(s.result().steps.back().counted_as_failure);
    CHECK(*s.result().bracket_high == 200);
    s.record(scripted(run::step_verdict::generator_limited));
    CHECK(s.next()->rate == 150);
    CHECK(s.next()->kind == run::step_kind::repeat);
    s.record(scripted(run::step_verdict::generator_limited));
    auto r = s.result();
    CHECK(*r.bracket_high == 150);
    CHECK(r.upper_bound_is_generator);
    CHECK(s.next()->rate == 125);

    // min_rate failing ends the search without an answer; max_rate passing with "at least".
    run::capacity_search low(o);
    low.record(scripted(run::step_verdict::fail));
    CHECK(low.done());
    CHECK(low.result().stop == run::capacity_stop::min_rate_failed);
    CHECK_FALSE(low.result().max_sustainable_rps);
    o.max_rate = 300;
    run::capacity_search high(o);
    while (high.next()) high.record(scripted(run::step_verdict::pass));
    CHECK(high.result().stop == run::capacity_stop::max_rate_passed);
    CHECK(*high.result().max_sustainable_rps == 300);
    CHECK(high.result().summary.find("raise --max-rate") != std::string::npos);
  }

  TEST_CASE("capacity: a fixed-capacity queue is found within the precision, never above it") {
    // 8 slots x 20 ms: 400 requests/s. The SLO is generous (5x the service time): above 400/s the
    // backlog, not the SLO, is what fails a step.
    for (auto [slots, service_ms] : {std::pair{8, 20.0}, {4, 2.0}, {64, 50.0}}) {
      queue_target const q{static_cast<std::size_t>(slots), service_ms / 1000};
      auto o = options_for({"p99_response_time_ms < " + std::to_string(5 * service_ms)});
      auto const r = search(q, {}, o);
      CAPTURE(q.capacity());
      CAPTURE(r.summary);
      REQUIRE(r.max_sustainable_rps);
      CHECK(r.stop == run::capacity_stop::converged);
      CHECK(*r.max_sustainable_rps <= q.capacity() * 1.01);
      CHECK(*r.max_sustainable_rps >= q.capacity() * 0.95);
      CHECK(r.steps.size() < 25);
      REQUIRE(r.knee);
      CHECK(r.knee->rate <= q.capacity() * 1.01);
    }
  }

  TEST_CASE("capacity: with Poisson arrivals the answer stays below the truth and within 10% of it") {
    queue_target const q{16, 0.010};  // 1600/s
    auto o = options_for({"p99_response_time_ms < 100"});
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      auto const r = search(q, {true, seed, 0}, o);
      CAPTURE(r.summary);
      REQUIRE(r.max_sustainable_rps);
      CHECK(*r.max_sustainable_rps <= q.capacity() * 1.01);
      CHECK(*r.max_sustainable_rps >= q.capacity() * 0.90);
    }
  }

  TEST_CASE("capacity: a generator slower than the target bounds the answer and says so") {
    queue_target const q{8, 0.020};  // 400/s
    auto o = options_for({"p99_response_time_ms < 100"});
    auto const r = search(q, {false, 1, 300}, o);
    CAPTURE(r.summary);
    REQUIRE(r.max_sustainable_rps);
    CHECK(*r.max_sustainable_rps <= 300);
    CHECK(*r.max_sustainable_rps >= 300 * 0.95);
    CHECK(r.upper_bound_is_generator);
    CHECK(r.stop == run::capacity_stop::generator_limit);
    CHECK(r.summary.find("generator") != std::string::npos);
    bool repeated = false;
    for (auto const& s : r.steps) repeated = repeated || s.plan.kind == run::step_kind::repeat;
    CHECK(repeated);
  }

  TEST_CASE("capacity: a target that degrades over time fails the hold with drift") {
    queue_target q{8, 0.020};
    auto o = options_for({"p99_response_time_ms < 100"});
    o.hold = 60s;
    auto const found = search(q, {}, o);
    REQUIRE(found.hold);
    CHECK(found.hold->verdict == run::step_verdict::pass);
    CHECK(found.hold->plan.rate == *found.max_sustainable_rps);
    q.growth = 0.0002;  // +0.2 ms of service per second: at 60 s, 32 ms and past its capacity
    auto const leak = search(q, {}, o);
    REQUIRE(leak.hold);
    CHECK(leak.hold->drift.detected);
    CHECK(leak.hold->verdict == run::step_verdict::fail);
    CHECK(leak.summary.find("drifted") != std::string::npos);
  }

  TEST_CASE("capacity: a hold reports its p99 and error-rate drift between its halves in the summary") {
    // First half: 200 ok responses of 10 ms. Second half: 180 ok of 15 ms and 20 failed.
    run::step_measurement m;
    for (int i = 0; i < 200; ++i)
      for (auto* s : {&m.whole, &m.first_half}) {
        s->response_time.record_value(10'000'000);
        s->counters.record(st::outcome::ok);
      }
    for (int i = 0; i < 200; ++i)
      for (auto* s : {&m.whole, &m.second_half}) {
        s->response_time.record_value(15'000'000);
        s->counters.record(i < 180 ? st::outcome::ok : st::outcome::http_error);
      }
    m.whole.end = 60s;
    m.achieved_rps = 6.5;
    auto o = options_for({"p99_response_time_ms < 100"});
    o.hold = 60s;
    auto const h = run::judge_step({100, 60s, run::step_kind::hold, 3}, m, o);
    REQUIRE(h.drift.first_p99_ms);
    REQUIRE(h.drift.second_p99_ms);
    CHECK(h.drift.first_p99_ms->value == doctest::Approx(10).epsilon(0.01));
    CHECK(h.drift.second_p99_ms->value == doctest::Approx(15).epsilon(0.01));
    REQUIRE(h.drift.p99_change);
    CHECK(*h.drift.p99_change == doctest::Approx(0.5).epsilon(0.02));
    REQUIRE(h.drift.first_error_rate);
    REQUIRE(h.drift.second_error_rate);
    CHECK(h.drift.first_error_rate->value == 0);
    CHECK(h.drift.second_error_rate->value == doctest::Approx(0.1));
    CHECK(h.drift.second_error_rate->lower.value_or(-1) > 0);
    auto const line = run::capacity_search::hold_line(h);
    CHECK(line.rfind("holds 100.0/s for 60 s: p99 drift +", 0) == 0);
    CHECK(line.find(" ms), errors 0.00% -> 10.00%, achieved 6.5/s: ") != std::string::npos);
    MESSAGE(line);
    run::capacity_result r;
    r.max_sustainable_rps = r.bracket_low = 100;
    r.stop = run::capacity_stop::converged;
    r.hold = h;
    CHECK(run::capacity_search::summary_line(r, o).find("; " + line) != std::string::npos);
    auto const j = st::report::to_json(r, o);
    CHECK(j["hold"]["drift"]["p99_change"].get<double>() == doctest::Approx(0.5).epsilon(0.02));
    CHECK(j["hold"]["drift"]["second_half_error_rate"]["value"].get<double>() == doctest::Approx(0.1));
  }

  TEST_CASE("capacity: invalid options are refused, naming the field") {
    run::capacity_options o;
    o.min_rate = 0;
    o.precision = 2;
    auto const p = o.problems();
    auto has = [&](std::string const& f) {
      return std::any_of(p.begin(), p.end(), [&](auto const& x) { return x.rfind(f, 0) == 0; });
    };
    CHECK(has("slos"));
    CHECK(has("min_rate"));
    CHECK(has("precision"));
    CHECK_FALSE(has("interval"));
    o.step_duration = 10s;
    o.interval = 6s;  // no second half left to compare
    auto const too_long = o.problems();
    CHECK(std::any_of(too_long.begin(), too_long.end(), [](auto const& x) { return x.rfind("interval", 0) == 0; }));
    o.interval = 5s;
    auto const q = o.problems();
    CHECK(std::none_of(q.begin(), q.end(), [](auto const& x) { return x.rfind("interval", 0) == 0; }));
    CHECK_THROWS_AS(run::search_capacity(o, [](const run::step_plan&) { return run::step_measurement(); },
                                         [](const run::capacity_step&) {}),
                    std::invalid_argument);
  }

  TEST_CASE("capacity: the curve has one point per offered rate, sorted, without the generator's or the hold's steps") {
    std::vector<run::capacity_step> steps;
    auto add = [&](double rate, double achieved, double p99, run::step_kind kind, bool limited = false) {
      run::capacity_step s;
      s.plan.rate = rate;
      s.plan.kind = kind;
      s.achieved_rps = achieved;
      s.generator_limited = limited;
      s.verdict = p99 < 10 ? run::step_verdict::pass : run::step_verdict::fail;
      s.percentiles = {{50, {p99 / 2, p99 / 4, p99}}, {99, {p99, std::nullopt, std::nullopt}}};
      steps.push_back(s);
    };
    add(100, 99, 1, run::step_kind::probe);
    add(400, 300, 50, run::step_kind::probe);
    add(200, 198, 2, run::step_kind::probe);
    add(300, 290, 9, run::step_kind::probe);
    add(300, 295, 12, run::step_kind::extend);    // held longer: replaces the first try at 300
    add(800, 500, 1, run::step_kind::probe, true);  // the generator's limit, not a point of the target
    add(200, 199, 2.5, run::step_kind::hold);     // the hold repeats a rate
    auto const c = run::latency_curve(steps);
    REQUIRE(c.size() == 4);
    CHECK(c[0].rate == 100);
    CHECK(c[1].rate == 200);
    CHECK(c[1].achieved_rps == 198);
    CHECK(c[2].rate == 300);
    CHECK(c[2].step == 4);
    CHECK(c[2].p99_ms->value == 12);
    CHECK(c[2].verdict == run::step_verdict::fail);
    CHECK(c[2].p50_ms->lower == 3);
    CHECK_FALSE(c[2].p99_ms->upper);
    CHECK(c[3].rate == 400);
    auto const k = run::find_knee(steps);  // the knee is found on the same curve
    REQUIRE(k);
    CHECK(k->rate == 300);
    CHECK(k->achieved_rps == 295);
  }

  TEST_CASE("capacity: a cancelled search keeps the steps done and says it was interrupted") {
    run::capacity_options o = options_for({"p99_response_time_ms < 50"});
    o.min_rate = 100;
    int calls = 0;
    auto const r = run::search_capacity(
        o,
        [&](const run::step_plan&) {
          auto m = measured(std::vector<double>(2000, 1.0));
          m.cancelled = ++calls == 3;  // Ctrl-C during (or before) the third step
          return m;
        },
        [](const run::capacity_step&) {});
    CHECK(calls == 3);
    CHECK(r.stop == run::capacity_stop::cancelled);
    REQUIRE(r.steps.size() == 2);
    CHECK(r.max_sustainable_rps == 200);
    CHECK_FALSE(r.bracket_high);
    CHECK(r.summary.find("interrupted after 2 steps") != std::string::npos);
  }

  TEST_CASE("capacity: the halves count their intervals") {
    run::step_halves h(5s, 10s);
    st::metrics::snapshot one;
    for (int end = 1; end <= 11; ++end) h.add(one, std::chrono::seconds(end));  // the 11th: the drain
    run::step_measurement m;
    h.into(m);
    CHECK(m.first_half_intervals == 5);
    CHECK(m.second_half_intervals == 6);
    run::capacity_options o = options_for({"p99_response_time_ms < 50"});
    auto const s = run::judge_step({100, 10s, run::step_kind::probe, 0}, m, o);
    CHECK(s.drift.first_intervals == 5);
    CHECK(s.drift.second_intervals == 6);
  }
}
