#include <stress_testing/config/json.hpp>
#include <stress_testing/config/scenario_builder.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace stress_testing;
using nlohmann::json;

namespace {

timestamp ts(std::int64_t micros) { return timestamp{std::chrono::microseconds{micros}}; }

bool has_problem(const std::vector<config_problem>& ps, std::string const& path, std::string const& fragment = {}) {
  return std::any_of(ps.begin(), ps.end(), [&](auto const& p) {
    return p.path == path && p.reason.find(fragment) != std::string::npos;
  });
}

std::string dump(const std::vector<config_problem>& ps) {
  std::string s;
  for (auto const& p : ps) s += to_string(p) + "\n";
  return s;
}

// Writes, dumps to text, parses and reads back: the full file round trip.
template <class T>
T round_trip(const T& v) {
  auto const text = json(v).dump(2);
  std::vector<config_problem> problems;
  auto j = parse_json_text(text, problems);
  REQUIRE(j);
  auto back = read_json<T>(*j, problems);
  INFO(dump(problems));
  REQUIRE(back);
  return *back;
}

system_metrics sample_system_metrics() {
  system_metrics m;
  m.timestamp = ts(1'700'000'000'123'456);
  m.throughput_tps = 4523.5;
  m.requests_total = 1000000;
  m.requests_successful = 999500;
  m.requests_failed = 500;
  m.avg_response_time_ms = 245.3;
  m.p50_response_time_ms = 180.0;
  m.p95_response_time_ms = 450.0;
  m.p99_response_time_ms = 850.0;
  m.max_response_time_ms = 1200.0;
  m.error_rate = 0.0005;
  m.timeout_rate = 0.0001;
  m.cpu_utilization = 0.75;
  m.memory_utilization = 0.68;
  m.network_throughput_mbps = 125.5;
  m.queue_depth = 17;
  m.queue_latency_ms = 0.1 + 0.2;  // not exactly representable: must still round-trip
  return m;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("a config with every field set round-trips through JSON text unchanged") {
    stress_test_config c;
    c.test_id = "t1";
    c.test_name = "Name with \"quotes\" and ünïcode";
    c.description = "d";
    c.target_tps = 1234.5;
    c.duration_seconds = 600;
    c.ramp_up_seconds = 30;
    c.ramp_down_seconds = 15;
    c.num_workers = 4;
    c.enable_failure_injection = true;
    c.enable_presentation_mode = true;
    c.enable_real_time_metrics = false;
    c.test_environment = "staging";
    c.max_error_rate = 0.02;
    c.max_p99_latency_ms = 4000;
    c.min_success_rate = 0.98;
    c.max_cost_per_hour = 12.5;
    c.auto_stop_on_budget_exceed = false;
    c.created_at = ts(1'764'209'905'000'001);
    c.created_by = "ci";
    c.tags = {{"team", "fraud"}, {"run", "nightly"}};
    CHECK(round_trip(c) == c);
    auto j = json(c);
    CHECK(j["created_at"] == "2025-11-27T02:18:25.000001Z");
    CHECK(j["target_tps"] == 1234.5);
  }

  TEST_CASE("every metrics and presentation model round-trips through JSON text unchanged") {
    auto sm = sample_system_metrics();
    CHECK(round_trip(sm) == sm);

    agent_metrics am;
    am.agent_id = "a1";
    am.agent_name = "Velocity";
    am.timestamp = ts(5);
    am.requests_processed = 10;
    am.avg_response_time_ms = 1.5;
    am.p95_response_time_ms = 2.5;
    am.p99_response_time_ms = 3.5;
    am.success_rate = 0.9;
    am.error_count = 1;
    am.timeout_count = 2;
    am.current_load = 0.3;
    am.concurrent_requests = 4;
    am.health_score = 0.95;
    am.status = "degraded";
    am.decision_accuracy = 0.97;
    CHECK(round_trip(am) == am);
    CHECK(json(am)["false_positive_rate"].is_null());

    business_metrics bm;
    bm.timestamp = ts(6);
    bm.transactions_processed = 100;
    bm.fraud_prevented_amount = 1e6 / 3;
    bm.aws_cost_breakdown = {{"lambda", 1.25}, {"bedrock", 7.5}};
    CHECK(round_trip(bm) == bm);

    hero_metrics hm;
    hm.timestamp = ts(7);
    hm.total_transactions = 123456789;
    hm.transactions_per_second = 8000;
    hm.ai_accuracy = 0.991;
    CHECK(round_trip(hm) == hm);
    hm.ai_confidence = 0.87;
    CHECK(round_trip(hm) == hm);

    transaction_flow_node node;
    node.node_id = "n";
    node.node_type = "agent";
    node.node_name = "Geo";
    node.status = "processing";
    node.throughput = 42;
    node.latency_ms = 3.25;
    node.position = {120, -40};
    CHECK(round_trip(node) == node);
    CHECK(json(node)["position"] == json::array({120, -40}));

    competitive_benchmarks cb;
    cb.timestamp = ts(8);
    cb.our_performance = {{"tps", 10000}};
    cb.competitor_avg = std::map<std::string, double>{{"tps", 2500}};
    cb.improvement_percentage = std::map<std::string, double>{{"tps", 300}};
    cb.unique_advantages = std::vector<std::string>{"multi-agent"};
    cb.market_position = "leader";
    cb.competitors = {{"legacy", {{"tps", 2500}}}};
    CHECK(round_trip(cb) == cb);

    cost_efficiency_metrics ce;
    ce.timestamp = ts(9);
    ce.current_hourly_cost = 3.5;
    ce.optimization_recommendations = {"cache", "batch"};
    CHECK(round_trip(ce) == ce);

    resilience_metrics rm;
    rm.timestamp = ts(10);
    rm.failures_injected = 4;
    rm.failures_recovered = 3;
    rm.degradation_level = degradation_level::severe;
    CHECK(round_trip(rm) == rm);
    CHECK(json(rm)["degradation_level"] == "SEVERE");

    presentation_data pd;
    pd.timestamp = ts(11);
    pd.hero_metrics = hm;
    pd.system_metrics = sm;
    pd.business_metrics = bm;
    pd.transaction_flow_data = {node, node};
    pd.competitive_benchmarks = cb;
    pd.cost_efficiency = ce;
    pd.resilience_demonstration = rm;
    pd.business_narrative = "n";
    pd.key_highlights = {"h1"};
    pd.investor_profile = "technical";
    CHECK(round_trip(pd) == pd);
  }

  TEST_CASE("a figure nobody measured is written null and read back as unknown") {
    agent_metrics am;
    am.agent_id = "queue";
    am.agent_name = "queue";
    auto const a = json(am);
    CHECK(a["timeout_count"].is_null());
    CHECK(a["current_load"].is_null());
    CHECK(a["concurrent_requests"].is_null());
    CHECK(round_trip(am) == am);

    business_metrics bm;
    auto const b = json(bm);
    CHECK(b["payback_period_months"].is_null());
    CHECK(b["performance_vs_baseline"].is_null());
    CHECK(b["cost_vs_baseline"].is_null());
    CHECK(round_trip(bm) == bm);
    bm.payback_period_months = 7.5;
    CHECK(json(bm)["payback_period_months"] == 7.5);
    CHECK(round_trip(bm) == bm);

    hero_metrics hm;
    auto const h = json(hm);
    CHECK(h["ai_confidence"].is_null());
    CHECK(h["customer_satisfaction"].is_null());
    CHECK(round_trip(hm) == hm);

    // The keys stay required: a document that leaves one out is refused, as before.
    auto partial = h;
    partial.erase("ai_confidence");
    std::vector<config_problem> problems;
    CHECK_FALSE(read_json<hero_metrics>(partial, problems).has_value());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].path == "ai_confidence");
  }

  TEST_CASE("a scenario with failures parameters and criteria round-trips unchanged") {
    test_scenario s;
    s.scenario_id = "x";
    s.name = "X";
    s.load_profile.profile_type = load_profile_type::chaos;
    s.load_profile.peak_hold_seconds = 12.5;
    s.load_profile.seed = 0xFFFF'FFFF'FFFF'FFFFull;  // beyond int64: must survive
    s.duration_seconds = 100;
    s.success_criteria = {parse_criterion("p95_response_time_ms < 2000"), parse_criterion("throughput_tps >= 4900")};
    s.success_criteria[1].abort_on_fail = true;
    s.success_criteria[1].description = "goodput";
    failure_scenario f;
    f.failure_type = failure_type::network_partition;
    f.start_time_seconds = 10;
    f.duration_seconds = 5;
    f.target_component = "dynamodb";
    f.parameters = {{"latency_ms", std::int64_t{500}}, {"ratio", 0.25}, {"hard", true}, {"mode", std::string("drop")}};
    s.failure_scenarios = {f};
    s.created_at = ts(123);
    s.tags = {"a", "b"};
    CHECK(round_trip(s) == s);
    auto j = json(s);
    CHECK(j["load_profile"]["profile_type"] == "CHAOS");
    CHECK(j["success_criteria"][0] == "p95_response_time_ms < 2000");
    CHECK(j["success_criteria"][1]["abort_on_fail"] == true);
    CHECK(j["failure_scenarios"][0]["failure_type"] == "NETWORK_PARTITION");
  }

  TEST_CASE("a scenario's user profile round-trips with the seed's naming and validates each field") {
    test_scenario s;
    s.scenario_id = "users";
    s.name = "Users";
    s.duration_seconds = 60;
    user_profile u;
    u.users = 500;
    u.think_time_distribution = think_time_distribution::uniform;
    u.think_time_min_seconds = 0.05;
    u.think_time_max_seconds = 0.15;
    u.stages = {{10, 500}, {40, 500}, {10, 0}};
    u.nominal_response_time_ms = 20;
    s.user_profile = u;
    CHECK(round_trip(s) == s);
    auto const j = json(s);
    CHECK(j["user_profile"]["think_time_distribution"] == "UNIFORM");
    CHECK(j["user_profile"]["stages"][2]["target_users"] == 0);
    CHECK(json(test_scenario{})["user_profile"].is_null());  // absent: the open model

    auto bad = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"},
      "user_profile": {"users": 0, "think_time_distribution": "EXPONENTIAL", "think_time_seconds": 0,
                       "ramp_up_seconds": 20, "nominal_response_time_ms": -1}})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(bad, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "user_profile.users", "between 1 and 100000"));
    CHECK(has_problem(ps, "user_profile.think_time_seconds", "must be > 0"));
    CHECK(has_problem(ps, "user_profile.ramp_up_seconds", "must not exceed the scenario's duration_seconds"));
    CHECK(has_problem(ps, "user_profile.nominal_response_time_ms", "must be >= 0"));
    CHECK(ps.size() == 4);

    auto staged = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"},
      "user_profile": {"think_time_distribution": "UNIFORM", "think_time_min_seconds": 2, "think_time_max_seconds": 1,
                       "stages": [{"duration_seconds": 8, "target_users": 0}, {"duration_seconds": 4, "target_users": -3}]}})");
    std::vector<config_problem> ps2;
    CHECK_FALSE(read_json<test_scenario>(staged, ps2));
    INFO(dump(ps2));
    CHECK(has_problem(ps2, "user_profile.stages[1].target_users", "between 0 and 100000"));
    CHECK(has_problem(ps2, "user_profile.stages", "need a stage with target_users >= 1"));
    CHECK(has_problem(ps2, "user_profile.stages", "longer than the scenario's duration_seconds"));
    CHECK(has_problem(ps2, "user_profile.think_time_max_seconds", "must be >= think_time_min_seconds"));
    CHECK(ps2.size() == 4);

    auto typo = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"}, "user_profile": {"users": 5, "think_time_distribution": "NORMAL"}})");
    std::vector<config_problem> ps3;
    CHECK_FALSE(read_json<test_scenario>(typo, ps3));
    CHECK(has_problem(ps3, "user_profile.think_time_distribution", "FIXED, UNIFORM, EXPONENTIAL"));
  }

  TEST_CASE("a user profile's session round-trips with the seed's naming and each step's problems are named") {
    test_scenario s;
    s.scenario_id = "session";
    s.name = "Session";
    s.duration_seconds = 60;
    user_profile u;
    u.users = 20;
    u.think_time_seconds = 0.1;
    session_step score;
    score.name = "score";
    score.path = "/v1/transactions/score";
    score.body_generator = "fraud_transaction";
    session_step feedback;
    feedback.name = "feedback";
    feedback.path = "http://127.0.0.1:8080/v1/transactions/feedback";
    feedback.body = R"({"transaction_id":"tx-0000000000000001","label":"fraudulent"})";
    feedback.think_time_seconds = 2.5;
    feedback.nominal_response_time_ms = 30;
    session_step health;
    health.name = "health";
    health.method = "GET";
    u.session = {score, feedback, health};
    s.user_profile = u;
    CHECK(round_trip(s) == s);
    auto const j = json(s);
    auto const& js = j["user_profile"]["session"];
    REQUIRE(js.size() == 3);
    CHECK(js[0]["name"] == "score");
    CHECK(js[0]["method"] == "POST");  // the default: a session step usually sends something
    CHECK(js[0]["path"] == "/v1/transactions/score");
    CHECK(js[0]["body_generator"] == "fraud_transaction");
    CHECK(js[0]["body"].is_null());
    CHECK(js[1]["think_time_seconds"] == 2.5);
    CHECK(js[1]["nominal_response_time_ms"] == 30);
    CHECK(js[2]["method"] == "GET");
    CHECK(js[2]["path"] == "");
    // Read from a file without the optional fields: POST, the target URL, no body, the think time.
    auto minimal = read_json<session_step>(json::parse(R"({"name": "ping"})"));
    CHECK(minimal.method == "POST");
    CHECK(minimal.path.empty());
    CHECK_FALSE(minimal.body);
    CHECK_FALSE(minimal.think_time_seconds);

    auto bad = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"},
      "user_profile": {"users": 2, "session": [
        {"name": "score", "method": "POST", "path": "/score", "body_generator": "fraud_transaction"},
        {"name": "feedback", "method": "FETCH", "path": "feedback", "body": "{}", "body_generator": "fraud_feedback",
         "think_time_seconds": -1, "nominal_response_time_ms": -2},
        {"name": "score", "body_generator": ""},
        {"name": ""}]}})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(bad, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "user_profile.session[1].method", "unknown 'FETCH'"));
    CHECK(has_problem(ps, "user_profile.session[1].path", "must start with '/'"));
    CHECK(has_problem(ps, "user_profile.session[1].body", "not both"));
    CHECK(has_problem(ps, "user_profile.session[1].think_time_seconds", "must be >= 0"));
    CHECK(has_problem(ps, "user_profile.session[2].name", "also session[0]'s name"));
    CHECK(has_problem(ps, "user_profile.session[2].body_generator", "must not be empty"));
    CHECK(has_problem(ps, "user_profile.session[3].name", "must not be empty"));
    CHECK(has_problem(ps, "user_profile.session[1].nominal_response_time_ms", "must be >= 0"));
    CHECK(ps.size() == 8);

    auto missing = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"}, "user_profile": {"users": 2, "session": [{"path": "/x", "verb": "GET"}]}})");
    std::vector<config_problem> ps2;
    CHECK_FALSE(read_json<test_scenario>(missing, ps2));
    INFO(dump(ps2));
    CHECK(has_problem(ps2, "user_profile.session[0].name", ""));
    CHECK(has_problem(ps2, "user_profile.session[0].verb", ""));
  }

  TEST_CASE("a mix of workloads loads from the sample file, round-trips, and each problem is named") {
    // The sample file stress-run's test runs (examples/stress_run/scenarios/mixed.json).
    std::ifstream in(STRESS_TESTING_SOURCE_DIR "/examples/stress_run/scenarios/mixed.json");
    REQUIRE(in);
    std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<config_problem> ps;
    auto j = parse_json_text(text, ps);
    REQUIRE(j);
    auto s = read_json<test_scenario>(*j, ps);
    INFO(dump(ps));
    REQUIRE(s);
    REQUIRE(s->workloads.size() == 2);
    CHECK(s->workloads[0].name == "scoring");
    CHECK(s->workloads[0].model() == "open");
    CHECK(s->workloads[0].load_profile->sustained_tps == 8000);
    CHECK(s->workloads[0].request.method == "POST");
    CHECK(s->workloads[0].request.url == "/v1/transactions/score");
    CHECK(s->workloads[0].request.generator == "fraud_transactions");
    CHECK(s->workloads[1].model() == "closed");
    CHECK(s->workloads[1].user_profile->users == 500);
    CHECK(s->workloads[1].request.url == "/stats");
    REQUIRE(s->success_criteria.size() == 5);
    CHECK(s->success_criteria[0].workload.empty());
    CHECK(s->success_criteria[1].workload == "scoring");
    CHECK(s->success_criteria[1].metric == "p99_response_time_ms");
    CHECK(s->success_criteria[1].threshold == 200);
    CHECK(round_trip(*s) == *s);
    auto const w = json(*s);
    CHECK(w["workloads"][1]["user_profile"]["think_time_distribution"] == "FIXED");
    CHECK(w["success_criteria"][1] == "p99_response_time_ms < 200 @ scoring");
    CHECK(json(test_scenario{})["workloads"] == json::array());  // no workloads: the implicit one

    // Scaled, each workload's load is scaled as the scenario's own would be.
    auto const scaled = scale_scenario(*s, 0.05, 0.05);
    CHECK(scaled.workloads[0].load_profile->sustained_tps == doctest::Approx(400));
    CHECK(scaled.workloads[1].user_profile->users == 25);
    CHECK(scaled.success_criteria[3].threshold == doctest::Approx(25));  // concurrent_users >= 500 @ analysts

    // Named errors: a duplicate name, a workload with both loads and one with none, a bad name,
    // method and URL, users beside workloads, a criterion on a workload the scenario lacks or on a
    // window of one, and a criterion object whose workload disagrees with its expression.
    auto const bad = json::parse(R"({"scenario_id": "m", "name": "m", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"}, "user_profile": {"users": 5},
      "workloads": [
        {"name": "a", "load_profile": {"profile_type": "SUSTAINED", "sustained_tps": 10}},
        {"name": "a", "load_profile": {"profile_type": "SUSTAINED"},
         "user_profile": {"users": 2, "session": [{"name": "s", "path": "/x"}]}},
        {"name": "no spaces", "request": {"method": "get", "url": "stats"}}],
      "success_criteria": ["error_rate < 0.1 @ b", "error_rate < 0.1 @ a"]})");
    std::vector<config_problem> bp;
    CHECK_FALSE(read_json<test_scenario>(bad, bp));
    INFO(dump(bp));
    CHECK(has_problem(bp, "workloads[1].name", "duplicate: workloads[0] is also \"a\""));
    CHECK(has_problem(bp, "workloads[1]", "has both a load_profile and a user_profile"));
    CHECK(has_problem(bp, "workloads[2]", "needs a load_profile (arrival rates) or a user_profile"));
    CHECK(has_problem(bp, "workloads[2].name", "letters, digits"));
    CHECK(has_problem(bp, "workloads[2].request.method", "HTTP method in capitals"));
    CHECK(has_problem(bp, "workloads[2].request.url", "must be a path"));
    CHECK(has_problem(bp, "user_profile", "must be empty in a scenario with workloads"));
    CHECK(has_problem(bp, "workloads[1].user_profile.session", "not supported in a workload yet"));
    CHECK(has_problem(bp, "success_criteria[0].workload", "unknown workload \"b\" (its workloads: a, a, no spaces)"));
    CHECK_FALSE(has_problem(bp, "success_criteria[1].workload"));

    auto const windowed = json::parse(R"({"scenario_id": "m", "name": "m", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"},
      "workloads": [{"name": "a", "load_profile": {"profile_type": "SUSTAINED"}}],
      "success_criteria": ["error_rate < 0.1 over any 2s @ a",
                           {"expression": "error_rate < 0.1 @ a", "workload": "b"},
                           {"expression": "error_rate < 0.1", "workload": "a"},
                           "error_rate < 0.1 @ "]})");
    std::vector<config_problem> wp;
    CHECK_FALSE(read_json<test_scenario>(windowed, wp));
    INFO(dump(wp));
    CHECK(has_problem(wp, "success_criteria[0]", "judged on that workload's whole run"));
    CHECK(has_problem(wp, "success_criteria[1].workload", "but the expression says @ a"));
    CHECK_FALSE(has_problem(wp, "success_criteria[2]"));
    CHECK(has_problem(wp, "success_criteria[3]", "expected a workload name"));
    auto const none = json::parse(R"({"scenario_id": "m", "name": "m", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"}, "success_criteria": ["error_rate < 0.1 @ a"]})");
    std::vector<config_problem> np;
    CHECK_FALSE(read_json<test_scenario>(none, np));
    CHECK(has_problem(np, "success_criteria[0].workload", "the scenario has no workloads"));
  }

  TEST_CASE("every problem in a bad config is reported with its path") {
    auto j = json::parse(R"({
      "test_name": 42,
      "target_tps": -5,
      "duration_seconds": 100,
      "ramp_up_seconds": 80,
      "ramp_down_seconds": 40,
      "num_workers": "ten",
      "enable_failure_injection": "yes",
      "test_environment": "prod",
      "created_at": "yesterday",
      "tags": {"ok": "x", "bad": 3},
      "target_tp": 10
    })");
    std::vector<config_problem> ps;
    auto c = read_json<stress_test_config>(j, ps);
    CHECK_FALSE(c);
    INFO(dump(ps));
    CHECK(has_problem(ps, "test_id", "is required"));
    CHECK(has_problem(ps, "test_name", "must be a string"));
    CHECK(has_problem(ps, "num_workers", "must be an integer"));
    CHECK(has_problem(ps, "enable_failure_injection", "true or false"));
    CHECK(has_problem(ps, "created_at", "ISO 8601"));
    CHECK(has_problem(ps, "tags.bad", "must be a string"));
    CHECK(has_problem(ps, "target_tp", "unknown field"));
    // Structural problems stop before semantic checks, so the value-level ones come from a
    // structurally valid document:
    auto j2 = json::parse(R"({"test_id": "t", "test_name": "n", "target_tps": -5, "duration_seconds": 100,
                              "ramp_up_seconds": 80, "ramp_down_seconds": 40, "num_workers": 0,
                              "test_environment": "prod", "max_error_rate": 1.5})");
    std::vector<config_problem> ps2;
    CHECK_FALSE(read_json<stress_test_config>(j2, ps2));
    INFO(dump(ps2));
    CHECK(has_problem(ps2, "target_tps", "must be > 0, got -5"));
    CHECK(has_problem(ps2, "ramp_up_seconds", "longer than duration_seconds"));
    CHECK(has_problem(ps2, "num_workers", "between 1 and 1024"));
    CHECK(has_problem(ps2, "test_environment", "dev, staging, production"));
    CHECK(has_problem(ps2, "max_error_rate", "between 0 and 1"));
    CHECK(ps2.size() == 5);
  }

  TEST_CASE("unknown enum text names the field and the accepted values") {
    auto j = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
                             "load_profile": {"profile_type": "RAMP"},
                             "failure_scenarios": [{"failure_type": "DYNAMO", "start_time_seconds": 1, "duration_seconds": 1}]})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "load_profile.profile_type", "unknown LoadProfileType \"RAMP\"; expected one of RAMP_UP, SUSTAINED"));
    CHECK(has_problem(ps, "failure_scenarios[0].failure_type", "DYNAMODB_THROTTLE"));
  }

  TEST_CASE("scenario timeline problems are reported against the scenario duration") {
    auto j = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 100,
      "load_profile": {"profile_type": "RAMP_UP", "ramp_up_seconds": 70, "ramp_down_seconds": 40, "peak_tps": -1},
      "failure_scenarios": [{"failure_type": "LAMBDA_CRASH", "start_time_seconds": 90, "duration_seconds": 20, "severity": 2}],
      "success_criteria": ["p95_response_time_ms < 2000", "p99 <", {"expression": "error_rate < 1", "abort_on_fail": "no"}]})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "success_criteria[1]", "expected a number"));
    CHECK(has_problem(ps, "success_criteria[2].abort_on_fail", "true or false"));
    // Fix the criteria: now the semantic problems appear, all of them.
    j["success_criteria"] = json::array({"p95_response_time_ms < 2000"});
    ps.clear();
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "load_profile.peak_tps", "must be >= 0"));
    CHECK(has_problem(ps, "load_profile.ramp_up_seconds", "longer than the scenario's duration_seconds (100 s)"));
    CHECK(has_problem(ps, "failure_scenarios[0].severity", "between 0 and 1"));
    CHECK(has_problem(ps, "failure_scenarios[0].duration_seconds", "ends at 110 s"));
    CHECK(ps.size() == 4);
  }

  TEST_CASE("a criterion on an unknown metric is reported with the closest known name") {
    auto j = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "SUSTAINED"},
      "success_criteria": ["p95_response_time < 2000", "error_rate < 0.01", "bogus_thing > 1"]})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "success_criteria[0]", "did you mean \"p95_response_time_ms\""));
    CHECK(has_problem(ps, "success_criteria[2]", "unknown metric \"bogus_thing\""));
    CHECK(ps.size() == 2);
  }

  TEST_CASE("scoped criteria load, round-trip, and a whole-run metric cannot be scoped") {
    auto j = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 60,
      "load_profile": {"profile_type": "SUSTAINED"},
      "success_criteria": ["p99_response_time_ms < 500 over any 10s",
                           {"expression": "error_rate < 0.01 within 30s after each failure", "description": "recovers"}]})");
    std::vector<config_problem> ps;
    auto s = read_json<test_scenario>(j, ps);
    INFO(dump(ps));
    REQUIRE(s);
    CHECK(s->success_criteria[0].scope == criterion_scope::any_window);
    CHECK(s->success_criteria[0].span_seconds == 10);
    CHECK(s->success_criteria[1].scope == criterion_scope::after_each_failure);
    CHECK(round_trip(*s) == *s);

    auto bad = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 60,
      "load_profile": {"profile_type": "SUSTAINED"},
      "success_criteria": ["failures_unrecovered == 0 over any 10s"]})");
    ps.clear();
    CHECK_FALSE(read_json<test_scenario>(bad, ps));
    CHECK(has_problem(ps, "success_criteria[0]", "whole-run metric"));
    test_scenario direct = *s;
    direct.success_criteria = {parse_criterion("unhealthy_agents == 0 within 5s after each failure", metric_check::any)};
    ps.clear();
    validate(direct, ps);
    CHECK(has_problem(ps, "success_criteria[0]", "cannot be judged after each failure"));
  }

  TEST_CASE("NaN and broken JSON text are reported not crashed on") {
    std::vector<config_problem> ps;
    CHECK_FALSE(parse_json_text(R"({"test_id": "t", "target_tps": NaN})", ps));
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].reason.find("invalid JSON") == 0);
    CHECK(ps[0].reason.find("line 1") != std::string::npos);
    ps.clear();
    CHECK_FALSE(parse_json_text("{\"a\": 1,\n", ps));
    CHECK(ps.size() == 1);
    // A NaN put into a document programmatically is caught by the reader.
    json j = {{"test_id", "t"}, {"test_name", "n"}, {"target_tps", std::nan("")}};
    ps.clear();
    CHECK_FALSE(read_json<stress_test_config>(j, ps));
    CHECK(has_problem(ps, "target_tps", "finite"));
  }

  TEST_CASE("JSON nested too deep or too large is refused before it is built") {
    // 100,000 levels overflowed the stack in the readers that walk a document recursively.
    std::vector<config_problem> ps;
    std::string const deep = std::string(100'000, '[') + std::string(100'000, ']');
    CHECK_FALSE(parse_json_text(deep, ps));
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].reason == "invalid JSON: JSON nested deeper than 32 levels");
    // The limit is exact: 32 levels parse, 33 do not.
    ps.clear();
    CHECK(parse_json_text(std::string(32, '[') + std::string(32, ']'), ps));
    CHECK_FALSE(parse_json_text(std::string(33, '[') + std::string(33, ']'), ps));
    std::string why;
    CHECK(detail::try_parse_bounded_json(R"({"a": {"b": [1]}})", why, {.max_depth = 3, .max_bytes = 100}));
    CHECK_FALSE(detail::try_parse_bounded_json(R"({"a": {"b": [1]}})", why, {.max_depth = 2, .max_bytes = 100}));
    CHECK(why == "JSON nested deeper than 2 levels");
    CHECK_FALSE(detail::try_parse_bounded_json(std::string(101, ' ') + "1", why, {.max_depth = 2, .max_bytes = 100}));
    CHECK(why == "JSON text larger than 100 bytes (102)");
    CHECK_FALSE(detail::try_parse_bounded_json("{\"a\": tru}", why));
    CHECK(why.find("syntax error") != std::string::npos);
  }

  TEST_CASE("sanity limits on rates and durations name the field") {
    // A rate of 1e9 or 1e308, or a 10^9 s duration, would make a run that cannot end or stop.
    auto j = json::parse(R"({"scenario_id": "s", "name": "n", "duration_seconds": 1e9,
      "load_profile": {"profile_type": "SUSTAINED", "sustained_tps": 1e308}})");
    std::vector<config_problem> ps;
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "duration_seconds", "must be <= 604800 s (a week, the sanity limit), got 1000000000"));
    CHECK(has_problem(ps, "load_profile.sustained_tps", "must be <= 1000000 requests/s (the sanity limit)"));
    // 1e999 is out of double's range: the parser refuses it, and the problem names the field
    // (it used to escape as an exception: exit 1 with no field).
    ps.clear();
    CHECK_FALSE(parse_json_text(R"({"scenario_id": "s", "name": "n", "duration_seconds": 10,
      "load_profile": {"profile_type": "BURST", "burst_tps": 1e999}})", ps));
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].reason == "invalid JSON: number overflow parsing '1e999' (at load_profile.burst_tps)");
    ps.clear();
    CHECK_FALSE(parse_json_text(R"({"a": [1, {"b": [2, 3, -1e400]}]})", ps));
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].reason == "invalid JSON: number overflow parsing '-1e400' (at a[1].b[2])");
    // A scenario scaled too short is refused too (--time-scale 1e-300).
    test_scenario tiny;
    tiny.scenario_id = "t";
    tiny.duration_seconds = 1e-300;
    ps.clear();
    validate(tiny, ps);
    CHECK(has_problem(ps, "duration_seconds", "must be >= 0.001 s"));
  }

  TEST_CASE("integers are checked for type and range") {
    std::vector<config_problem> ps;
    json j = {{"test_id", "t"}, {"test_name", "n"}, {"num_workers", 10.0}};
    auto c = read_json<stress_test_config>(j, ps);
    REQUIRE(c);
    CHECK(c->num_workers == 10);
    j["num_workers"] = 10.5;
    CHECK_FALSE(read_json<stress_test_config>(j, ps));
    CHECK(has_problem(ps, "num_workers", "must be an integer, got 10.5"));
    ps.clear();
    j["num_workers"] = 1e12;
    CHECK_FALSE(read_json<stress_test_config>(j, ps));
    ps.clear();
    json p = {{"profile_type", "SUSTAINED"}, {"seed", -1}};
    CHECK_FALSE(read_json<load_profile>(p, ps));
    CHECK(has_problem(ps, "seed", "must not be negative"));
  }

  TEST_CASE("the seed's criteria dict and Python enum values load") {
    // As the original Python tool writes a scenario (lower-case enum values, naive datetime).
    auto j = json::parse(R"({"scenario_id": "peak_load_test", "name": "Peak Load Test", "description": "",
      "load_profile": {"profile_type": "ramp_up", "start_tps": 0, "peak_tps": 10000, "sustained_tps": 10000},
      "duration_seconds": 1800,
      "success_criteria": {"zero_data_loss": true, "p95_latency_ms": 2000, "p99_latency_ms": 5000,
                           "error_rate": 0.001, "all_agents_healthy": true, "no_degradation": false},
      "failure_scenarios": [], "created_at": "2025-01-01T00:00:00.123456", "tags": ["peak"]})");
    std::vector<config_problem> ps;
    auto s = read_json<test_scenario>(j, ps);
    INFO(dump(ps));
    REQUIRE(s);
    CHECK(s->load_profile.profile_type == load_profile_type::ramp_up);
    std::vector<std::string> texts;
    for (auto const& c : s->success_criteria) texts.push_back(to_string(c));
    std::sort(texts.begin(), texts.end());
    CHECK(texts == std::vector<std::string>{"error_rate < 0.001", "p95_response_time_ms < 2000",
                                            "p99_response_time_ms < 5000", "requests_lost == 0",
                                            "unhealthy_agents == 0"});
    j["success_criteria"] = {{"visually_stunning", true}, {"p95_latency_ms", "fast"}};
    ps.clear();
    CHECK_FALSE(read_json<test_scenario>(j, ps));
    INFO(dump(ps));
    CHECK(has_problem(ps, "success_criteria.visually_stunning", "not a criterion this tool can measure"));
    CHECK(has_problem(ps, "success_criteria.p95_latency_ms", "must be a number"));
  }

  TEST_CASE("get throws config_error listing every problem") {
    json j = {{"test_name", 1}};
    try {
      (void)j.get<stress_test_config>();
      FAIL("expected config_error");
    } catch (config_error const& e) {
      CHECK(e.problems().size() == 2);
      std::string what = e.what();
      CHECK(what.find("test_id: is required") != std::string::npos);
      CHECK(what.find("test_name: must be a string") != std::string::npos);
    }
  }
}
