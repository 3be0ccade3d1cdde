#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/dashboard/follow.hpp>
#include <stress_testing/report/merge.hpp>
#include <stress_testing/detail/http_server.hpp>
#include <stress_testing/target/http/stats_probe.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace st = stress_testing;
using namespace std::chrono_literals;
using boost::system::error_code;
using st::target::request_result;

// Named namespace: the library's coroutine frames hold these types (-Wsubobject-linkage).
namespace orchestrator_test {

constexpr auto hard_timeout = 30s;

asio::awaitable<request_result> reply_after(std::chrono::nanoseconds delay, unsigned status) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  co_return request_result::from_http_status(status, 200, 100);
}

/// Answers with `status` after `delay`; between `fail_from` and `fail_to` (seconds since `born`:
/// when the script was made, or the run's start if a test sets it there with `born_at_start`)
/// answers 500 instead.
struct scripted {
  std::chrono::nanoseconds delay{2ms};
  unsigned status = 200;
  double fail_from = -1, fail_to = -1;
  /// Between `slow_from` and `slow_to` the reply takes `slow_delay` instead of `delay`.
  double slow_from = -1, slow_to = -1;
  std::chrono::nanoseconds slow_delay{0};
  /// Blocks the calling thread this long per request: with `pool.workers == 0` that is the
  /// generator's own thread, so the generator falls behind its schedule.
  std::chrono::nanoseconds block{0};
  std::shared_ptr<std::chrono::steady_clock::time_point> born =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  asio::awaitable<request_result> operator()(std::uint64_t) const {
    if (block > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(block);
    double const t = std::chrono::duration<double>(std::chrono::steady_clock::now() - *born).count();
    return reply_after(t >= slow_from && t < slow_to ? slow_delay : delay, t >= fail_from && t < fail_to ? 500u : status);
  }
};

/// Puts the script's clock on the run's start (`run_options::on_start`, called before any request
/// and before the workers' threads start), so its windows are on the run's clock however long
/// the run took to set up.
void born_at_start(const scripted& script, st::run::run_options& o) {
  o.on_start = [born = script.born](std::chrono::steady_clock::time_point start) { *born = start; };
}

struct factory {
  scripted script;
  auto operator()(asio::any_io_executor ex, std::size_t) const { return st::target::make_function_target(ex, script); }
};

st::test_scenario sustained(double tps, double seconds) {
  st::test_scenario s;
  s.scenario_id = "t";
  s.name = "t";
  s.load_profile.profile_type = st::load_profile_type::sustained;
  s.load_profile.sustained_tps = tps;
  s.duration_seconds = seconds;
  return s;
}

struct outcome_box {
  std::optional<std::pair<error_code, st::run::run_result>> value;
  void operator()(error_code ec, st::run::run_result r) { value.emplace(ec, std::move(r)); }
};

/// `scripted`, as a distinct type whose target reports one timing of the agent "rules" (so the
/// run's `agents` has it, as the HTTP target's Server-Timing would give).
struct rules_script : scripted {};
template <class Ex>
void report_into(const st::target::function_target<rules_script, Ex>&, st::target::target_report& r) {
  r.agents.record("rules", 1ms);
}
struct rules_factory {
  auto operator()(asio::any_io_executor ex, std::size_t) const { return st::target::make_function_target(ex, rules_script{}); }
};

/// A fake service's `GET /stats` on 127.0.0.1:0, on its own thread: answers the i-th request
/// with `documents[min(i, size - 1)]`.
class fake_stats_server {
 public:
  /// Answers GET `path` (any query string) with the next of `documents` (the last, repeated). With
  /// `header`, each document is that header's value instead, on a 503 (a capacity header is read
  /// whatever the status).
  explicit fake_stats_server(std::vector<std::string> documents, std::string path = "/stats", std::string header = "")
      : documents_(std::move(documents)), path_(std::move(path)), header_(std::move(header)), server_(io_.get_executor(), {}) {
    namespace bh = boost::beast::http;
    error_code ec;
    auto const ep = server_.listen(ec);
    REQUIRE_FALSE(ec);
    base_ = "http://127.0.0.1:" + std::to_string(ep.port());
    url_ = base_ + path_;
    server_.start([this](std::shared_ptr<st::detail::http_connection> c) -> asio::awaitable<void> {
      auto answer = [this](st::detail::http_request& req) {
        bh::response<bh::string_body> res{bh::status::ok, req.version()};
        std::string_view const target = req.target();
        bool const ours = target.substr(0, target.find('?')) == path_;
        if (!ours) {
          res.result(bh::status::not_found);
          res.body() = "no";
          return res;
        }
        {
          std::lock_guard lock(mutex_);
          last_target_ = std::string(target);
        }
        std::size_t const i = std::min(served_.fetch_add(1), documents_.size() - 1);
        if (header_.empty()) {
          res.body() = documents_[i];
        } else {
          res.result(bh::status::service_unavailable);
          res.set(header_, documents_[i]);
        }
        return res;
      };
      st::detail::sync_handler<asio::ip::tcp::socket, decltype(answer)> h(c->socket(), answer);
      co_await st::detail::serve_requests(c->socket(), *c, h);
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_stats_server() {
    server_.stop();
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  const std::string& url() const { return url_; }
  const std::string& base() const { return base_; }
  std::size_t served() const { return served_.load(); }
  std::string last_target() {
    std::lock_guard lock(mutex_);
    return last_target_;
  }

 private:
  std::vector<std::string> documents_;
  std::string path_;
  std::string header_;
  std::atomic<std::size_t> served_{0};
  std::mutex mutex_;
  std::string last_target_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  st::detail::http_server server_;
  std::string base_, url_;
  std::thread thread_;
};

// Runs to completion (or fails the test at the hard timeout).
template <class Factory = factory>
std::pair<error_code, st::run::run_result> run(asio::io_context& io, st::test_scenario s, Factory f,
                                               st::run::run_options o, asio::cancellation_signal* cancel = nullptr) {
  // These tests judge criteria, not the generator: on a busy CI machine a few late sends would
  // make their latency criteria inconclusive (criteria.hpp), so only a grossly late generator
  // counts (unless the test set its own threshold).
  if (o.pool.loop.generator.late_threshold == st::load::generator_limits{}.late_threshold)
    o.pool.loop.generator.late_threshold = 250ms;
  outcome_box box;
  auto handler = [&box](error_code ec, st::run::run_result r) { box(ec, std::move(r)); };
  if (cancel)
    st::run::async_run(io.get_executor(), std::move(s), f, std::move(o), asio::bind_cancellation_slot(cancel->slot(), handler));
  else
    st::run::async_run(io.get_executor(), std::move(s), f, std::move(o), handler);
  io.run_for(hard_timeout);
  REQUIRE_MESSAGE(box.value, "the run did not finish within the hard timeout");
  return std::move(*box.value);
}

/// Every 10th request (sequence 3, 13, ...) answers 500, the rest 200, after 1 ms; records each
/// sequence it was asked for.
struct numbered {
  std::shared_ptr<std::mutex> m = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::uint64_t>> seen = std::make_shared<std::vector<std::uint64_t>>();
  auto operator()(asio::any_io_executor ex, std::size_t) const {
    return st::target::make_function_target(ex, [m = m, seen = seen](std::uint64_t seq) {
      {
        std::lock_guard lock(*m);
        seen->push_back(seq);
      }
      return reply_after(1ms, seq % 10 == 3 ? 500u : 200u);
    });
  }
};

}  // namespace orchestrator_test

using namespace orchestrator_test;

TEST_SUITE("run") {
  TEST_CASE("a short sustained run completes with every request accounted and criteria judged") {
    auto s = sustained(500, 2);
    s.success_criteria = {st::parse_criterion("p95_response_time_ms < 500"), st::parse_criterion("error_rate < 0.01"),
                          st::parse_criterion("unhealthy_agents == 0")};
    int intervals_seen = 0;
    st::run::run_options o;
    o.on_interval = [&](const st::run::interval_progress& p) {
      ++intervals_seen;
      CHECK(p.elapsed_seconds > 0);
      CHECK(p.criteria.size() == 3);
    };
    asio::io_context io;
    auto [ec, r] = run(io, s, factory{}, o);
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.intended == 1000);  // 500/s x 2 s, uniform schedule
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.count(st::outcome::ok) == 1000);
    CHECK(r.summary.requests_total == 1000);
    CHECK(r.summary.requests_successful == 1000);
    CHECK(r.summary.error_rate == 0.0);
    CHECK(r.summary.p50_response_time_ms >= 2.0);
    CHECK(r.summary.p50_response_time_ms < 50.0);
    CHECK(r.histograms.response_time.total_count() == 1000);
    // Intervals: 2 full seconds plus the drain; together they hold every request.
    CHECK(r.intervals.size() >= 2);
    CHECK(intervals_seen == static_cast<int>(r.intervals.size()));
    std::uint64_t sum = 0;
    for (auto const& i : r.intervals) sum += i.counters.total();
    CHECK(sum == 1000);
    REQUIRE(r.criteria.size() == 3);
    CHECK(r.criteria[0].passed());
    CHECK(r.criteria[1].passed());
    CHECK(r.criteria[2].verdict == st::verdict::no_data);
    CHECK(r.passed());
  }

  TEST_CASE("memory growth is measured from the end of the first interval, on the target when the host can read it") {
    auto s = sustained(200, 0.5);
    s.success_criteria = {st::parse_criterion("memory_growth_percent < 10")};
    st::run::run_options o;
    o.interval = 100ms;
    // A target whose resident memory reads 1,000,000 bytes at the end of the first interval and
    // 1,250,000 at the end of the run: +25%, which fails the seed's "no memory leaks".
    std::vector<std::uint64_t> readings{1'000'000, 1'250'000};
    std::size_t calls = 0;
    o.target_resident_bytes = [&]() -> std::optional<std::uint64_t> {
      return calls < readings.size() ? std::optional<std::uint64_t>(readings[calls++]) : std::nullopt;
    };
    asio::io_context io;
    auto [ec, r] = run(io, s, factory{}, o);
    REQUIRE_FALSE(ec);
    CHECK(calls == 2);
    REQUIRE(r.memory_growth);
    CHECK(r.memory_growth->measured_on == "target");
    CHECK(r.memory_growth->percent == doctest::Approx(25.0));
    CHECK(r.memory_growth->from_seconds == doctest::Approx(0.1));
    CHECK(r.memory_growth->from_bytes == 1'000'000);
    CHECK(r.memory_growth->to_bytes == 1'250'000);
    CHECK(r.values.get(st::metrics::metric::memory_growth_percent).value_or(-1) == doctest::Approx(25.0));
    REQUIRE(r.criteria.size() == 1);
    CHECK(r.criteria[0].failed());
    auto const j = st::report::to_json(r);
    CHECK(j["memory_growth"]["measured_on"] == "target");
    CHECK(j["memory_growth"]["percent"].get<double>() == doctest::Approx(25.0));

    // No probe: this process's resident memory, said to be the generator's.
    asio::io_context io2;
    st::run::run_options own;
    own.interval = 100ms;
    auto [ec2, r2] = run(io2, s, factory{}, own);
    REQUIRE_FALSE(ec2);
    REQUIRE(r2.memory_growth);
    CHECK(r2.memory_growth->measured_on == "generator");
    CHECK(r2.memory_growth->from_bytes > 0);
    CHECK(r2.memory_growth->to_bytes > 0);
    CHECK(r2.values.get(st::metrics::metric::memory_growth_percent).has_value());
  }

  TEST_CASE("the service's GET /stats gives agents' current_load and the target's memory growth in results.json") {
    // Scripted readings: before the load (A), at the end of the first interval (B), and every
    // later one (C, the last). The agent "rules": 2 busy seconds over 2 s of the service's own
    // clock with 4 slots -> current_load 0.25. Memory: 1,000,000 at B -> 1,100,000 at C: +10%.
    fake_stats_server stats({
        R"({"uptime_seconds":100,"in_flight":1,"queued":0,"capacity":4,"resident_bytes":900000,)"
        R"("agents":[{"name":"rules","busy_seconds":5,"capacity":4,"calls":10}]})",
        R"({"uptime_seconds":100.1,"in_flight":7,"queued":2,"capacity":4,"resident_bytes":1000000,)"
        R"("agents":[{"name":"rules","busy_seconds":5.2,"capacity":4,"calls":12}]})",
        R"({"uptime_seconds":102,"in_flight":3,"queued":0,"capacity":4,"resident_bytes":1100000,"ai_confidence":0.8,)"
        R"("agents":[{"name":"rules","busy_seconds":7,"capacity":4,"calls":30},{"name":"ml","busy_seconds":1}],)"
        R"("autoscaler":{"replicas":2}})",  // a key the reader does not know: ignored
    });
    st::target::http::stats_probe probe(stats.url(), {});
    auto s = sustained(200, 0.5);
    s.success_criteria = {st::parse_criterion("memory_growth_percent < 10")};
    st::run::run_options o;
    o.interval = 100ms;
    o.target_stats = [&probe](std::string& error) { return probe.read(error); };
    o.target_stats_source = probe.url();
    asio::io_context io;
    auto [ec, r] = run(io, s, rules_factory{}, o);
    REQUIRE_FALSE(ec);
    CHECK(stats.served() >= 3);
    REQUIRE(r.target_stats);
    CHECK(r.target_stats->polls == stats.served());
    CHECK(r.target_stats->failed_polls == 0);
    CHECK(r.target_stats->peak_in_flight == 7u);
    CHECK(r.target_stats->peak_queued == 2u);
    REQUIRE(r.agents.size() == 1);
    CHECK(r.agents[0].agent_name == "rules");
    REQUIRE(r.agents[0].current_load.has_value());
    CHECK(*r.agents[0].current_load == doctest::Approx(0.25));
    REQUIRE(r.memory_growth);
    CHECK(r.memory_growth->measured_on == "target");
    CHECK(r.memory_growth->source == "resident_bytes of " + stats.url());
    CHECK(r.memory_growth->from_bytes == 1'000'000);
    CHECK(r.memory_growth->to_bytes == 1'100'000);
    CHECK(r.memory_growth->percent == doctest::Approx(10.0));
    REQUIRE(r.criteria.size() == 1);
    CHECK(r.criteria[0].failed());  // 10 is not < 10

    auto const j = st::report::to_json(r);
    CHECK(j["agents"][0]["current_load"].get<double>() == doctest::Approx(0.25));
    CHECK(j["memory_growth"]["percent"].get<double>() == doctest::Approx(10.0));
    CHECK(j["memory_growth"]["measured_on"] == "target");
    CHECK(j["memory_growth"]["source"] == "resident_bytes of " + stats.url());
    CHECK(j["target_stats"]["source"] == stats.url());
    CHECK(j["target_stats"]["peak_in_flight"] == 7);
    CHECK(j["target_stats"]["first"]["uptime_seconds"].get<double>() == 100.0);
    CHECK(j["target_stats"]["last"]["ai_confidence"].get<double>() == doctest::Approx(0.8));
    CHECK(j["target_stats"]["last"]["agents"][1]["capacity"].is_null());
    CHECK(j["target_stats"]["last_error"].is_null());
  }

  TEST_CASE("a target's capacity read from a Prometheus query gives the scaling timeline its scale-outs") {
    // Scripted answers: 2 slots before the load and at 0.1 s, 3 at 0.2 s and 0.3 s, then 4.
    auto answer = [](int n) {
      return R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,")" +
             std::to_string(n) + R"("]}]}})";
    };
    fake_stats_server prometheus({answer(2), answer(2), answer(3), answer(3), answer(4)}, "/api/v1/query");
    st::target::http::prometheus_probe probe(prometheus.base(), "sum(replicas{app=\"fraud\"})", {});
    st::run::run_options o;
    o.interval = 100ms;
    o.target_capacity = [&probe](std::string& error) { return probe.read(error); };
    o.target_capacity_source = "prometheus " + probe.url();
    asio::io_context io;
    auto [ec, r] = run(io, sustained(200, 0.5), rules_factory{}, o);
    REQUIRE_FALSE(ec);
    CHECK(prometheus.last_target() == "/api/v1/query?query=sum%28replicas%7Bapp%3D%22fraud%22%7D%29");
    REQUIRE(r.scaling);
    CHECK(r.scaling->capacity_source == "prometheus " + probe.url());
    CHECK(r.scaling->failed_capacity_polls == 0);
    CHECK(r.scaling->samples.size() == prometheus.served());
    REQUIRE(r.scaling->events.size() == 2);
    CHECK(r.scaling->events[0].kind == st::run::scaling_event_kind::scaled_out);
    CHECK(r.scaling->events[0].at_seconds == doctest::Approx(0.2));
    CHECK(r.scaling->events[0].slots_from == 2);
    CHECK(r.scaling->events[0].slots_to == 3);
    CHECK(r.scaling->events[1].at_seconds == doctest::Approx(0.4));
    CHECK(r.scaling->events[1].slots_to == 4);
    // No threshold and no utilization: no crossing, so no time to scale (not a made-up 0).
    CHECK_FALSE(r.scaling->events[0].time_to_scale_seconds);
    CHECK_FALSE(r.values.get(st::metrics::metric::time_to_scale_seconds));
    auto const j = st::report::to_json(r);
    CHECK(j["scaling"]["capacity_source"] == "prometheus " + probe.url());
    CHECK(j["scaling"]["threshold"].is_null());
    CHECK(j["scaling"]["events"][0]["slots_to"] == 3);
  }

  TEST_CASE("a target's capacity read from a response header gives the same timeline, and a bad header says why") {
    // The Prometheus case's script as X-Slots values: 2, 2, 3, 3, then 4.
    fake_stats_server target({"2", "2", "3", "3", "4"}, "/capacity", "X-Slots");
    st::target::http::header_capacity_probe probe(target.url(), "X-Slots", {});
    st::run::run_options o;
    o.interval = 100ms;
    o.target_capacity = [&probe](std::string& error) { return probe.read(error); };
    o.target_capacity_source = "header X-Slots of " + probe.url();
    asio::io_context io;
    auto [ec, r] = run(io, sustained(200, 0.5), rules_factory{}, o);
    REQUIRE_FALSE(ec);
    REQUIRE(r.scaling);
    CHECK(r.scaling->failed_capacity_polls == 0);
    CHECK(r.scaling->samples.size() == target.served());
    REQUIRE(r.scaling->events.size() == 2);
    CHECK(r.scaling->events[0].at_seconds == doctest::Approx(0.2));
    CHECK(r.scaling->events[0].slots_from == 2);
    CHECK(r.scaling->events[0].slots_to == 3);
    CHECK(r.scaling->events[1].at_seconds == doctest::Approx(0.4));
    CHECK(r.scaling->events[1].slots_to == 4);

    std::string error;
    fake_stats_server bad({"three"}, "/capacity", "X-Slots");
    st::target::http::header_capacity_probe bad_probe(bad.url(), "X-Slots", {});
    CHECK_FALSE(bad_probe.read(error));
    CHECK(error == "GET " + bad.url() + ": X-Slots 'three' is not a number >= 0");
    st::target::http::header_capacity_probe missing(bad.base() + "/elsewhere", "X-Slots", {});
    CHECK_FALSE(missing.read(error));
    CHECK(error == "GET " + bad.base() + "/elsewhere: no X-Slots header (answered 404)");
    CHECK_THROWS_WITH_AS(st::target::http::header_capacity_probe(bad.url(), "", {}),
                         "capacity header: expected a header name", std::invalid_argument);
  }

  TEST_CASE("a stats probe that cannot read says why, and the run falls back to the generator's memory") {
    std::optional<st::target::http::stats_probe> unreachable;
    {
      fake_stats_server gone({"{}"});
      unreachable.emplace(gone.url(), st::target::http::stats_probe_options{200ms, 1024, false});
    }  // nothing listens there any more
    std::string error;
    CHECK_FALSE(unreachable->read(error));
    CHECK(error.find("GET http://127.0.0.1:") == 0);

    fake_stats_server bad({R"({"uptime_seconds":"soon"})", R"({"agents":[{"name":"rules","busy_seconds":-1}]})",
                           std::string(2000, ' ') + "{}", "[1]"});
    st::target::http::stats_probe probe(bad.url(), {200ms, 1024, false});
    CHECK_FALSE(probe.read(error));
    CHECK(error == "GET " + bad.url() + ": uptime_seconds: must be a number in [0.000000, inf]");
    CHECK_FALSE(probe.read(error));
    CHECK(error.find("agents[0].busy_seconds: must be a number") != std::string::npos);
    CHECK_FALSE(probe.read(error));
    CHECK(error == "GET " + bad.url() + ": body larger than 1024 bytes");
    CHECK_FALSE(probe.read(error));
    CHECK(error == "GET " + bad.url() + ": stats: not a JSON object");
    CHECK_THROWS_WITH_AS(st::target::http::stats_probe("http://10.1.2.3:80/stats"),
                         "stats url: 10.1.2.3 is not a loopback address", std::invalid_argument);
    CHECK_THROWS_AS(st::target::http::stats_probe("https://127.0.0.1:1/stats"), std::invalid_argument);

    // Every poll of this run fails: no current_load, memory on the generator, and why.
    st::run::run_options o;
    o.interval = 100ms;
    o.target_stats = [&probe](std::string& e) { return probe.read(e); };
    o.target_stats_source = probe.url();
    asio::io_context io;
    auto [ec, r] = run(io, sustained(100, 0.3), rules_factory{}, o);
    REQUIRE_FALSE(ec);
    REQUIRE(r.target_stats);
    CHECK(r.target_stats->polls >= 2);
    CHECK(r.target_stats->failed_polls == r.target_stats->polls);
    CHECK(r.target_stats->last_error == "GET " + bad.url() + ": stats: not a JSON object");
    REQUIRE(r.agents.size() == 1);
    CHECK_FALSE(r.agents[0].current_load.has_value());
    REQUIRE(r.memory_growth);
    CHECK(r.memory_growth->measured_on == "generator");
    CHECK(r.memory_growth->source == "/proc/self/statm");
  }

  TEST_CASE("the results document carries the summary accounting and mergeable histograms") {
    asio::io_context io;
    auto [ec, r] = run(io, sustained(200, 1), factory{}, {});
    REQUIRE_FALSE(ec);
    auto j = st::report::to_json(r);
    CHECK(j["schema"] == "stress_testing.results");
    CHECK(j["schema_version"] == 3);
    CHECK(j["status"] == "COMPLETED");
    CHECK(j["accounting"]["intended"] == 200);
    CHECK(j["accounting"]["balanced"] == true);
    CHECK(j["summary"]["requests_total"] == 200);
    CHECK(j["scenario"]["scenario_id"] == "t");
    auto h = st::report::read_histogram(nlohmann::json::parse(j.dump()), "response_time");
    CHECK(h.total_count() == 200);
    h.add(r.histograms.response_time);  // a round-tripped histogram merges with a live one
    CHECK(h.total_count() == 400);
    CHECK(h.max() == r.histograms.response_time.max());
  }

  TEST_CASE("an abort on fail criterion ends the run early with status failed") {
    auto s = sustained(200, 20);
    s.success_criteria = {st::parse_criterion("error_rate < 0.5")};
    s.success_criteria[0].abort_on_fail = true;
    factory f;
    f.script.status = 500;
    asio::io_context io;
    auto const t0 = std::chrono::steady_clock::now();
    auto [ec, r] = run(io, s, f, {});
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::failed);
    CHECK(r.status_reason.find("aborted: criterion error_rate < 0.5 failed at 1.0 s") == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.not_sent_at_stop > 0);  // the rest of the 20 s were never sent
    CHECK_FALSE(r.passed());
  }

  TEST_CASE("a latency criterion does not abort the run on intervals where the generator was limited") {
    // Each request blocks the generator's thread for 20 ms at 200/s: every request after the
    // first is sent late, so every interval is generator-limited. The abort-on-fail p99 < 1 ms
    // would fail on every interval (response times include the lateness); it must be
    // inconclusive live, like the final verdict, and the run must complete.
    auto s = sustained(200, 0.5);
    s.success_criteria = {st::parse_criterion("p99_response_time_ms < 1"), st::parse_criterion("error_rate < 0.5")};
    s.success_criteria[0].abort_on_fail = true;
    s.success_criteria[1].abort_on_fail = true;
    factory f;
    f.script.block = 20ms;
    st::run::run_options o;
    o.interval = 100ms;
    o.pool.loop.generator.late_threshold = 2ms;
    std::size_t limited_intervals = 0;
    o.on_interval = [&](const st::run::interval_progress& p) {
      REQUIRE(p.criteria.size() == 2);
      if (p.criteria[0].inconclusive()) ++limited_intervals;
      CHECK_FALSE(p.criteria[0].failed());
      CHECK_FALSE(p.criteria[1].failed());  // errors are still judged (no_data on an empty interval)
    };
    asio::io_context io;
    auto [ec, r] = run(io, s, f, o);
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.generator_limited);
    CHECK(limited_intervals >= 1);
    REQUIRE(r.criteria.size() == 2);
    CHECK(r.criteria[0].inconclusive());
    CHECK(r.criteria[1].passed());
    CHECK(r.verdict() == st::verdict::inconclusive);

    // The same rule, in isolation: 2 of 100 send lags above the tolerance is over 1%.
    st::metrics::histogram lags(1'000, 3'600'000'000'000, 2);
    lags.record_values(100'000, 98);     // 0.1 ms
    lags.record_values(50'000'000, 2);   // 50 ms
    st::load::open_loop_options loop;
    CHECK(st::run::detail::interval_generator_limited(lags, loop));
    loop.generator.late_fraction = 0.02;  // 2 is not more than 2% of 100
    CHECK_FALSE(st::run::detail::interval_generator_limited(lags, loop));
    loop.generator.late_fraction = 0.01;
    loop.generator.late_threshold = 60ms;  // nothing above 60 ms
    CHECK_FALSE(st::run::detail::interval_generator_limited(lags, loop));
  }

  TEST_CASE("cancelling mid run keeps intended equal to the sum of outcomes") {
    asio::io_context io;
    asio::cancellation_signal cancel;
    asio::steady_timer stopper(io, 700ms);
    stopper.async_wait([&](error_code) { cancel.emit(asio::cancellation_type::terminal); });
    auto [ec, r] = run(io, sustained(400, 5), factory{}, {}, &cancel);
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::cancelled);
    CHECK(r.accounting.cancelled);
    CHECK(r.accounting.intended == 2000);  // the whole schedule is accounted, sent or not
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.not_sent_at_stop > 1000);
    CHECK(r.accounting.count(st::outcome::dropped) == 0);  // a stop is not the target's failure
    CHECK(r.values.get(st::metrics::metric::error_rate).value_or(1.0) == 0.0);  // judged on what was due
    CHECK(r.elapsed_seconds < 3.0);
  }

  TEST_CASE("a second stop cuts the drain short") {
    // Replies take 1 h, the drain grace is 20 s: the first stop at 0.3 s would wait it out; the
    // second, at 0.6 s, records what is in flight as timeout and ends the run.
    asio::io_context io;
    asio::cancellation_signal cancel;
    asio::steady_timer first(io, 300ms), second(io, 600ms);
    first.async_wait([&](error_code) { cancel.emit(asio::cancellation_type::terminal); });
    second.async_wait([&](error_code) { cancel.emit(asio::cancellation_type::terminal); });
    factory f;
    f.script.delay = std::chrono::hours(1);
    st::run::run_options o;
    o.pool.loop.drain_grace = 20s;
    auto const t0 = std::chrono::steady_clock::now();
    auto [ec, r] = run(io, sustained(100, 10), f, o, &cancel);
    REQUIRE_FALSE(ec);
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(r.status == st::test_status::cancelled);
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.timed_out_at_stop == r.accounting.issued);
    CHECK(r.accounting.not_sent_at_stop == 1000 - r.accounting.issued);
    CHECK(r.failure_causes.at("timeout") == "still in flight when the run's drain grace ended");
  }

  TEST_CASE("a run in which nothing succeeded fails naming the first cause when required") {
    auto s = sustained(200, 0.5);
    s.success_criteria = {st::parse_criterion("requests_total > 0")};  // a criterion that passes
    factory f;
    f.script.status = 503;
    st::run::run_options o;
    o.require_success = true;
    asio::io_context io;
    auto [ec, r] = run(io, s, f, o);
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::failed);
    CHECK(r.status_reason == "no request succeeded: 100 throttled");  // a function target names no cause
    CHECK_FALSE(r.passed());
    o.require_success = false;  // opted out: judged on its criteria
    asio::io_context io2;
    auto [ec2, r2] = run(io2, s, f, o);
    CHECK(r2.status == st::test_status::completed);
  }

  TEST_CASE("an invalid scenario fails to start with every reason") {
    auto s = sustained(-5, 0);
    asio::io_context io;
    auto [ec, r] = run(io, s, factory{}, {});
    CHECK(ec == boost::system::errc::invalid_argument);
    CHECK(r.status == st::test_status::failed);
    CHECK(r.status_reason.find("load_profile.sustained_tps") != std::string::npos);
    CHECK(r.status_reason.find("duration_seconds") != std::string::npos);
  }

  TEST_CASE("a failure window is detected and recovery is measured" * doctest::test_suite("run.timing")) {
    // 200/s for 6 s; the target answers 500 from 2 s to 3 s of the run (its clock is the run's
    // start: born_at_start). The scenario declares the same window, analysed, not injected.
    auto s = sustained(200, 6);
    st::failure_scenario f;
    f.failure_type = st::failure_type::lambda_crash;
    f.start_time_seconds = 2;
    f.duration_seconds = 1;
    s.failure_scenarios = {f};
    s.success_criteria = {st::parse_criterion("failures_unrecovered == 0"),
                          st::parse_criterion("max_degradation_level >= 3")};
    factory fac;
    fac.script.fail_from = 2.0;
    fac.script.fail_to = 3.0;
    st::run::run_options o;
    o.inject_failures = false;  // the target fails by itself; the window is only analysed
    born_at_start(fac.script, o);
    // Recovery is the last bad request: "slow" above 1.5 x baseline p99 + 100 ms, so a stall of
    // this shared machine after the window is not taken for the failure's tail.
    o.recovery.p99_margin_ms = 100;
    asio::io_context io;
    auto [ec, r] = run(io, s, fac, o);
    REQUIRE_FALSE(ec);
    REQUIRE(r.analysis.windows.size() == 1);
    auto const& w = r.analysis.windows[0];
    INFO(st::report::to_json(r)["resilience"].dump());
    INFO(st::report::to_json(r)["intervals"].dump());
    REQUIRE(w.detected_after_seconds);
    CHECK(*w.detected_after_seconds <= 1.0);
    REQUIRE(w.recovered_after_seconds);
    CHECK(*w.recovered_after_seconds <= 1.0);
    CHECK(w.requests_affected >= 190);  // ~200 requests failed in the window
    CHECK(w.requests_affected <= 410);
    CHECK(r.analysis.max_degradation == st::degradation_level::critical);
    CHECK(r.criteria[0].passed());
    CHECK(r.criteria[1].passed());
    CHECK(r.values.get(st::metrics::metric::error_rate_outside_failures).value() < 0.05);
  }

  TEST_CASE("windowed and recovery criteria judge the worst window and each failure's recovery" *
            doctest::test_suite("run.timing")) {
    // 200/s for 6 s, 0.5 s intervals. Replies take 2 ms, but 80 ms from 4.0 s to 4.25 s of the
    // run (born_at_start): 4% of the run (whole-run p95 stays at 2 ms) and 25% of any 1 s window
    // holding it (that window's p95 is 80 ms). 500s from 2 s to 3 s, declared as a failure.
    auto s = sustained(200, 6);
    st::failure_scenario f;
    f.failure_type = st::failure_type::lambda_crash;
    f.start_time_seconds = 2;
    f.duration_seconds = 1;
    s.failure_scenarios = {f};
    s.success_criteria = {st::parse_criterion("p95_response_time_ms < 50"),
                          st::parse_criterion("p95_response_time_ms < 50 over any 1s"),
                          st::parse_criterion("error_rate < 0.01 within 1s after each failure"),
                          st::parse_criterion("p95_response_time_ms < 50 over any 60s")};
    factory fac;
    fac.script.fail_from = 2.0;
    fac.script.fail_to = 3.0;
    fac.script.slow_from = 4.0;
    fac.script.slow_to = 4.25;
    fac.script.slow_delay = 80ms;
    st::run::run_options o;
    o.interval = 500ms;
    o.inject_failures = false;  // the target fails by itself; the window is only analysed
    born_at_start(fac.script, o);
    asio::io_context io;
    auto [ec, r] = run(io, s, fac, o);
    REQUIRE_FALSE(ec);
    REQUIRE(r.criteria.size() == 4);
    INFO(st::to_string(r.criteria[1].criterion));
    CHECK(r.criteria[0].passed());  // the whole run hides the slow quarter second
    REQUIRE(r.criteria[1].actual);
    CHECK(*r.criteria[1].actual >= 79.0);
    CHECK(*r.criteria[1].actual <= 90.0);
    CHECK(r.criteria[1].failed());
    REQUIRE(r.criteria[2].actual);
    CHECK(*r.criteria[2].actual <= 0.5);  // clean from the first interval after the failure
    CHECK(r.criteria[2].passed());
    // A window longer than the run is judged on the whole run.
    REQUIRE(r.criteria[3].actual);
    CHECK(*r.criteria[3].actual < 50.0);
    CHECK(r.criteria[3].passed());
    CHECK_FALSE(r.passed());
    // The result document carries the scoped expressions and actual values.
    auto j = st::report::to_json(r);
    CHECK(j["criteria"][1]["expression"] == "p95_response_time_ms < 50 over any 1s");
    CHECK(j["criteria"][1]["verdict"] == "fail");
  }

  TEST_CASE("a windowed abort-on-fail criterion stops the run when a window fails") {
    auto s = sustained(200, 10);
    auto c = st::parse_criterion("p95_response_time_ms < 50 over any 1s");
    c.abort_on_fail = true;
    s.success_criteria = {c};
    factory fac;
    fac.script.slow_from = 2.0;
    fac.script.slow_to = 3.0;
    fac.script.slow_delay = 80ms;
    asio::io_context io;
    auto [ec, r] = run(io, s, fac, {});
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::failed);
    CHECK(r.status_reason.find("over any 1s") != std::string::npos);
    CHECK(r.elapsed_seconds < 6.0);
    CHECK(r.accounting.balanced());
  }

  TEST_CASE("a run on two worker threads accounts for every request") {
    st::run::run_options o;
    o.pool.workers = 2;
    asio::io_context io;
    auto [ec, r] = run(io, sustained(1000, 2), factory{}, o);
    REQUIRE_FALSE(ec);
    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.intended == 2000);
    CHECK(r.accounting.balanced());
    CHECK(r.histograms.counters.total() == 2000);
  }

  TEST_CASE("run_blocking runs a scaled predefined scenario") {
    auto s = st::scale_scenario(st::scenario_builder::create_peak_load_scenario(), 0.001, 0.05);  // 1.8 s peaking at 500/s
    st::run::run_options o;
    o.pool.loop.generator.late_threshold = 250ms;  // judge the criteria, not a busy machine's generator
    auto r = st::run::run_blocking(s, factory{}, o);
    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.balanced());
    CHECK(static_cast<double>(r.accounting.intended) == doctest::Approx(500 * (0.15 + 1.2 + 0.15)).epsilon(0.01));
    auto find = [&](std::string_view m) {
      for (auto const& c : r.criteria)
        if (c.criterion.metric == m) return c.verdict;
      return st::verdict::no_data;
    };
    CHECK(find("requests_lost") == st::verdict::pass);
    CHECK(find("p95_response_time_ms") == st::verdict::pass);
    CHECK(find("unhealthy_agents") == st::verdict::no_data);
  }

  TEST_CASE("metrics reported after the run are judged by the criteria") {
    st::run::run_result r;
    r.status = st::test_status::completed;
    r.scenario.success_criteria = {st::parse_criterion("unhealthy_agents == 0"),
                                   st::parse_criterion("fraud_prevented_amount > 100")};
    r.criteria = st::evaluate(r.scenario.success_criteria, r.values);
    CHECK(r.criteria[0].verdict == st::verdict::no_data);
    st::agent_metrics healthy, sick;
    healthy.status = "healthy";
    sick.status = "unhealthy";
    r.agents = {healthy, sick, sick};
    st::business_metrics b;
    b.fraud_prevented_amount = 50;
    r.business = b;
    st::run::update_reported_metrics(r);
    REQUIRE(r.criteria.size() == 2);
    CHECK(r.criteria[0].verdict == st::verdict::fail);
    CHECK(*r.criteria[0].actual == 2);
    CHECK(r.criteria[1].verdict == st::verdict::fail);
    CHECK(*r.criteria[1].actual == 50);
    CHECK(r.status_reason == "completed; a success criterion failed");
    CHECK_FALSE(r.passed());
  }

  TEST_CASE("four shards of a run merge into the run: every request once, counts summed, histograms bucket for bucket") {
    auto s = sustained(400, 1.0);  // 400 arrivals, uniform: shard k takes arrivals j = k (mod 4)
    s.success_criteria = {st::parse_criterion("error_rate < 0.2"), st::parse_criterion("p99_response_time_ms < 5000")};
    asio::io_context io;
    numbered target;
    auto const at = std::chrono::system_clock::now() + 100ms;  // the shards' shared start
    std::vector<outcome_box> boxes(4);
    for (std::size_t k = 0; k < 4; ++k) {
      st::run::run_options o;
      o.shard = st::run::shard_spec{k, 4, "test"};
      o.start_at = at;
      o.keep_interval_histograms = true;
      o.interval = 250ms;
      o.pool.loop.generator.late_threshold = 250ms;
      st::run::async_run(io.get_executor(), s, target, std::move(o),
                         [&box = boxes[k]](error_code ec, st::run::run_result r) { box(ec, std::move(r)); });
    }
    io.run_for(hard_timeout);
    std::vector<nlohmann::json> parts;
    st::metrics::histogram summed = st::metrics::histogram_options{}.make_histogram();
    for (std::size_t k = 0; k < 4; ++k) {
      REQUIRE(boxes[k].value);
      auto const& r = boxes[k].value->second;
      REQUIRE_FALSE(boxes[k].value->first);
      CHECK(r.accounting.intended == 100);
      CHECK(r.accounting.balanced());
      REQUIRE(r.shard);
      CHECK(r.shard->index == k);
      CHECK(r.shard->count == 4);
      CHECK(r.shard->source == "test");
      summed.add(r.histograms.response_time);
      auto shard = r;  // as stress-run --presentation gives every shard
      shard.competitors = {{"legacy", {{"throughput_tps", 50}}}};
      parts.push_back(st::report::to_json(shard));
    }
    // The partition: every sequence of the one schedule exactly once, over the four shards.
    auto seen = *target.seen;
    std::sort(seen.begin(), seen.end());
    REQUIRE(seen.size() == 400);
    for (std::uint64_t i = 0; i < 400; ++i) CHECK(seen[i] == i);

    std::reverse(parts.begin(), parts.end());  // any order
    auto const m = st::report::merge_results(parts);
    CHECK(m.accounting.intended == 400);
    CHECK(m.accounting.balanced());
    CHECK(m.accounting.count(st::outcome::ok) == 360);
    CHECK(m.accounting.count(st::outcome::http_error) == 40);
    CHECK(m.histograms.response_time.total_count() == 400);
    CHECK(m.histograms.response_time.to_base64() == summed.to_base64());  // bucket for bucket
    REQUIRE(m.merged);
    CHECK(m.merged->parts.size() == 4);
    CHECK(m.merged->exact_intervals);
    CHECK(m.merged->start_skew_seconds < 1e-3);  // one start instant (33 us apart seen under TSan)
    std::uint64_t in_intervals = 0;
    for (auto const& i : m.intervals) in_intervals += i.counters.total();
    CHECK(in_intervals == 400);
    REQUIRE(m.criteria.size() == 2);
    CHECK(m.criteria[0].actual == doctest::Approx(0.1));  // re-judged on the merged counts
    CHECK(m.values.get(st::metrics::metric::p99_response_time_ms) ==
          doctest::Approx(static_cast<double>(summed.value_at_percentile(99.0)) / 1e6));
    CHECK(m.status == st::test_status::completed);
    // The reference points carry over: the merged presentation compares with them.
    REQUIRE(m.competitors.size() == 1);
    CHECK(m.competitors[0].figures.at("throughput_tps") == 50.0);
    CHECK(st::report::to_json(m)["presentation"]["competitive_benchmarks"]["competitor_avg"]["throughput_tps"] == 50.0);

    // The same run unsharded: the same outcomes, count for count.
    target.seen->clear();
    io.restart();
    auto [ec, single] = run(io, s, target, {});
    REQUIRE_FALSE(ec);
    CHECK(single.accounting.intended == m.accounting.intended);
    CHECK(single.accounting.outcomes == m.accounting.outcomes);

    // Followed live (stress-run dashboard --follow): a slot is published once every shard has
    // published it; its counts are the sum and its p99 the merged histogram's; the end is the merge.
    st::dashboard::shard_follower follow(4);
    auto live = [](nlohmann::json d, std::size_t intervals) {
      d.erase("accounting");
      d["status"] = "RUNNING";
      auto& list = d["intervals"];
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(std::min(intervals, list.size())), list.end());
      return d;
    };
    std::size_t slots = 0;  // the merged run's: the longest shard's
    for (auto const& part : parts) slots = std::max(slots, part["intervals"].size());
    REQUIRE(slots >= 3);
    auto total = [](const nlohmann::json& outcomes) {
      std::uint64_t t = 0;
      for (auto const& [name, count] : outcomes.items()) t += count.get<std::uint64_t>();
      return t;
    };
    // The first slot in which requests ended (a slow machine, e.g. under TSan, can leave the
    // first interval empty): shard 2 has published up to it, the others everything.
    std::size_t first = 0;
    auto in_slot = [&](std::size_t i) {
      std::uint64_t n = 0;
      for (auto const& part : parts)
        if (i < part["intervals"].size()) n += total(part["intervals"][i]["outcomes"]);
      return n;
    };
    while (first + 1 < slots && in_slot(first) == 0) ++first;
    REQUIRE(first + 1 < slots);
    for (std::size_t k = 0; k < 4; ++k) follow.set(k, live(parts[k], k == 2 ? first + 1 : slots));
    auto messages = follow.poll();
    REQUIRE(messages.size() == first + 1);  // the slots shard 2 has published are complete
    std::uint64_t expected = 0;
    auto expected_histogram = st::metrics::histogram_options{}.make_histogram();
    for (auto const& part : parts) {
      expected += total(part["intervals"][first]["outcomes"]);
      expected_histogram.add(st::metrics::hdr_codec::from_base64_any(
          part["intervals"][first]["histograms"]["response_time"].get<std::string>()));
    }
    auto const& slot = messages.back();
    CHECK(slot["type"] == "interval");
    CHECK(total(slot["interval"]["outcomes"]) == expected);
    CHECK(expected > 0);
    REQUIRE(slot["interval"]["p99_response_time_ms"].is_number());
    CHECK(slot["interval"]["p99_response_time_ms"].get<double>() ==
          doctest::Approx(static_cast<double>(expected_histogram.value_at_percentile(99.0)) / 1e6));
    CHECK(slot["summary"].is_object());
    CHECK(follow.poll().empty());  // nothing new
    for (std::size_t k = 0; k < 4; ++k) follow.set(k, parts[k]);  // every shard finished
    messages = follow.poll();
    REQUIRE(messages.size() == slots - first);  // the other slots, then the merged results
    CHECK(messages.back()["type"] == "document");
    CHECK(messages.back()["document"]["accounting"]["intended"] == 400);
    REQUIRE(follow.result());
    CHECK(follow.result()->histograms.response_time.to_base64() == summed.to_base64());
    auto other = parts[1];
    other["scenario"]["name"] = "another run";
    CHECK_THROWS_WITH_AS(follow.set(1, other), doctest::Contains("shard 1: its scenario differs"), std::invalid_argument);

    // A missing shard, or one that is not a shard, is refused by name.
    parts.pop_back();
    CHECK_THROWS_WITH_AS(st::report::merge_results(parts), doctest::Contains("is missing"), std::invalid_argument);
  }
}
