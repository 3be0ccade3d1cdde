// The live dashboard of stress-run (docs/dashboard.md), in its own translation unit: the
// dashboard server, live feed and Prometheus exposition are compiled here only, not in every
// subcommand. The run publishes each interval to the server (server::publish posts to the
// server's strand), and the Stop control posts the run's cancellation to the run's io_context.

#include "dashboard.hpp"

#include "capacity_dashboard.hpp"
#include "cli_util.hpp"
#include "live_dashboard.hpp"
#include "service_site.hpp"

#include <stress_testing/dashboard/live_feed.hpp>
#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/dashboard/server.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/report/results_json.hpp>

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

namespace {

/** What a failure type does to the whole sample service at `severity`: the service row of the one
    failure model (stress_testing/fault/failure_model.hpp), the same a scenario's `--inject-at
    service` uses; nullopt for the types the service refuses (NETWORK_PARTITION). */
std::optional<fraud_service::service_fault> service_fault_for(st::failure_type type, double severity) {
  if (!st::fault::refusal(type, st::fault::site_kind::service).empty()) return std::nullopt;
  return to_service_fault(st::fault::service_effects_for(type, severity));
}

}  // namespace

std::optional<std::string> load_presentation(app_context& ctx, const std::string& path) {
  // Copied into results.json and every live message: small and shallow (docs/security.md).
  nlohmann::json j;
  try {
    j = st::detail::read_bounded_json_file(path, {.max_depth = 8, .max_bytes = 1u << 20});
  } catch (const std::exception& e) {
    return e.what();
  }
  if (!j.is_object()) return path + ": must be a JSON object";
  if (j.contains("competitors")) {
    auto const& c = j["competitors"];
    if (!c.is_array()) return path + ": competitors: must be a list";
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string const field = path + ": competitors[" + std::to_string(i) + "]";
      if (!c[i].is_object()) return field + ": must be an object";
      if (!c[i].contains("name") || !c[i]["name"].is_string()) return field + ".name: must be a string";
      for (auto const& [k, v] : c[i].items())
        if (k != "name" && !v.is_number()) return field + "." + k + ": must be a number";
    }
  }
  ctx.presentation_document = std::move(j);
  return std::nullopt;
}

nlohmann::json results_document(const app_context& ctx, const st::run::run_result& r) {
  auto doc = st::report::to_json(r);
  if (!ctx.presentation_document.is_null()) doc["presentation"] = ctx.presentation_document;
  if (!ctx.config_document.is_null()) doc["config"] = ctx.config_document;
  // The business figures after each interval (live_business.hpp): the presentation's story line.
  if (ctx.business_series.is_array() && !ctx.business_series.empty()) doc["business_series"] = ctx.business_series;
  return doc;
}

/** A dashboard server on its own io_context and thread, so a slow browser never delays the run:
    started on `address` ("127.0.0.1:8090") with `initial` as its document; throws with a message
    when the address is bad or cannot be bound. */
class server_thread {
 public:
  server_thread(const std::string& address, st::dashboard::server_options o, nlohmann::json initial)
      : work_(io_.get_executor()) {
    // The one HOST:PORT parser (cli_util.hpp): "127.0.0.1:80x" is refused, not read as port 80.
    auto const listen = parse_listen(address);
    if (!listen)
      throw std::invalid_argument("--dashboard '" + address + "': expected HOST:PORT with a port in 0..65535");
    o.address = listen->first;
    if (o.address == "localhost") o.address = "127.0.0.1";
    o.port = listen->second;
    o.page = st::dashboard::live_page();
    server_ = std::make_unique<st::dashboard::server>(io_.get_executor(), std::move(o));
    server_->set_document(std::move(initial));
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
    auto const ep = server_->local_endpoint();
    auto host = ep.address().to_string();
    if (ep.address().is_v6()) host = "[" + host + "]";
    std::fprintf(stderr, "dashboard: http://%s:%u/  (admin token: %s)\n", host.c_str(), static_cast<unsigned>(ep.port()),
                 server_->token().c_str());
    std::fflush(stderr);
  }
  server_thread(const server_thread&) = delete;
  server_thread& operator=(const server_thread&) = delete;

  ~server_thread() {
    server_->stop();
    work_.reset();
    // The coroutines end once their sockets are closed and io_.run() returns; bound the wait.
    for (int i = 0; i < 200 && !io_.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  st::dashboard::server& server() { return *server_; }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<st::dashboard::server> server_;
  std::thread thread_;
};

/// The live dashboard of one run: server thread, feed, and the hooks into the run.
class live_dashboard {
 public:
  /// Starts the server on `ctx.dashboard_address` ("127.0.0.1:8090"); throws with a message on failure.
  live_dashboard(app_context& ctx, const st::test_scenario& scenario, const st::run::run_options& options,
                 boost::asio::io_context& run_io, boost::asio::cancellation_signal& stop)
      : ctx_(ctx),
        feed_(scenario, options.pool.histograms, options.recovery),
        prometheus_(scenario.scenario_id, options.pool.histograms) {
    feed_.set_alert_thresholds(ctx.alerting);
    st::dashboard::server_options o;
    // Stop: the run's cancellation, posted to the run's own thread (the signal is not thread-safe).
    o.on_stop = [&run_io, &stop](const nlohmann::json&) {
      boost::asio::post(run_io, [&stop] {
        std::fprintf(stderr, "\nstopping (dashboard): draining requests in flight...\n");
        stop.emit(boost::asio::cancellation_type::terminal);
      });
      return st::dashboard::control_reply{200, "stopping: draining requests in flight"};
    };
    o.on_inject = [this](const nlohmann::json& body) { return inject(body); };
    // /metrics: the exposition rendered on the run's thread after each interval (and from the
    // results at the end), handed over as text.
    o.metrics = [this] {
      std::lock_guard lock(mutex_);
      return metrics_text_;
    };
    auto initial = feed_.initial_document();
    if (!ctx.presentation_document.is_null()) initial["presentation"] = ctx.presentation_document;
    host_ = std::make_unique<server_thread>(ctx.dashboard_address, std::move(o), std::move(initial));
  }
  live_dashboard(const live_dashboard&) = delete;
  live_dashboard& operator=(const live_dashboard&) = delete;

  /// Chains the live feed onto the run's per-interval callback (the console's live line stays).
  void attach(st::run::run_options& options) {
    // The run's own start: the instant its failure windows and intervals are measured from.
    auto previous_start = std::move(options.on_start);
    options.on_start = [this, previous_start](std::chrono::steady_clock::time_point start) {
      if (previous_start) previous_start(start);
      run_start_.store(start.time_since_epoch().count(), std::memory_order_release);
    };
    // The service's GET /stats readings, as the run polls them (before the load and after each
    // interval, on the run's thread): the live Agents view and the target's memory.
    if (options.target_stats) {
      stats_source_ = options.target_stats_source;
      auto read = std::move(options.target_stats);
      options.target_stats = [this, read](std::string& error) {
        auto r = read(error);
        if (r) {
          previous_stats_ = std::move(latest_stats_);
          latest_stats_ = r;
        }
        return r;
      };
    }
    auto previous = std::move(options.on_interval);
    options.on_interval = [this, previous](const st::run::interval_progress& p) {
      if (previous) previous(p);
      {
        std::lock_guard lock(mutex_);
        for (auto& w : injected_) feed_.add_window(std::move(w));
        injected_.clear();
      }
      auto message = feed_.update(p);
      // The business figures of this interval (live_business.hpp, chained before this callback).
      if (ctx_.live_business.is_object())
        for (auto const& [k, v] : ctx_.live_business.items()) message[k] = v;
      message["service"] = service_json();
      if (ctx_.business_series.is_array() && !ctx_.business_series.empty() && message.contains("interval"))
        message["interval"]["business"] = ctx_.business_series.back();  // the story's money line
      host_->server().publish(std::move(message));
      prometheus_.update(p);
      auto text = prometheus_.text();
      std::lock_guard lock(mutex_);
      metrics_text_ = std::move(text);
    };
  }

  /// Sends the final results document (business, hero, agents, criteria) to the page.
  void finish(nlohmann::json results) {
    try {
      auto text = st::report::to_prometheus(results);
      std::lock_guard lock(mutex_);
      metrics_text_ = std::move(text);
    } catch (const std::exception&) {
      // A document the exporter cannot read keeps the last live exposition.
    }
    host_->server().set_document(std::move(results));
  }

 private:
  /// `POST /api/control/inject` (on the server's thread): `{"failure_type", "severity",
  /// "duration_seconds"}` applied to the embedded service, cleared when the duration is over.
  st::dashboard::control_reply inject(const nlohmann::json& body) {
    auto const& sink = ctx_.dashboard_fault_sink;
    if (!sink)
      return {501, "failures can be injected at run time into the embedded sample service only (--target embedded)"};
    if (!body.contains("failure_type") || !body["failure_type"].is_string()) return {400, "failure_type: expected a name"};
    auto const type = st::enum_from_string<st::failure_type>(body["failure_type"].get<std::string>());
    if (!type) return {400, "failure_type: unknown failure type"};
    // A field of the wrong type is the client's mistake (400 naming it), not a server error.
    auto number = [&body](const char* field, double fallback) -> std::optional<double> {
      auto const it = body.find(field);
      if (it == body.end()) return fallback;
      if (!it->is_number()) return std::nullopt;
      return it->get<double>();
    };
    auto const severity_field = number("severity", 0.5);
    if (!severity_field) return {400, "severity: expected a number from 0 to 1"};
    auto const seconds_field = number("duration_seconds", 5.0);
    if (!seconds_field) return {400, "duration_seconds: expected a number of seconds"};
    double const severity = *severity_field;
    double const seconds = *seconds_field;
    if (!(severity >= 0 && severity <= 1)) return {400, "severity: expected 0 to 1"};
    if (!(seconds > 0 && seconds <= 3600)) return {400, "duration_seconds: expected more than 0, at most 3600"};
    auto const fault = service_fault_for(*type, severity);
    if (!fault) return {400, "failure_type: " + body["failure_type"].get<std::string>() + " has no recipe inside the service"};
    sink(*fault);
    auto const generation = ++injections_;
    auto timer = std::make_shared<boost::asio::steady_timer>(host_->io(), std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                      std::chrono::duration<double>(seconds)));
    timer->async_wait([this, timer, generation](boost::system::error_code ec) {
      // A later injection replaces this one and clears itself.
      if (!ec && generation == injections_ && ctx_.dashboard_fault_sink) ctx_.dashboard_fault_sink(fraud_service::service_fault{});
    });
    auto const run_start = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(run_start_.load(std::memory_order_acquire)));
    double const start = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    std::string const name = std::string(st::to_string(*type));
    {
      std::lock_guard lock(mutex_);
      injected_.push_back({name + " (dashboard)", start, start + seconds, true});
    }
    std::fprintf(stderr, "\ninjecting %s from the dashboard at %.1f s for %.1f s, severity %.2f (embedded service)\n",
                 name.c_str(), start, seconds, severity);
    char text[200];
    std::snprintf(text, sizeof text, "injected %s for %.1f s at severity %.2f into the embedded service", name.c_str(),
                  seconds, severity);
    return {202, text};
  }

  /** The live `service` object: the source of the service's own report and its latest reading
      (resident memory, requests in flight and queued, capacity), and each agent's work between
      the last two readings (`target::agent_figures`); null when the run polls no GET /stats.
      The readings are taken after each interval, so they lag the interval's figures by one. */
  nlohmann::json service_json() const {
    if (stats_source_.empty() && !latest_stats_) return nullptr;
    auto number = [](auto const& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    nlohmann::json j{{"source", stats_source_}};
    if (!latest_stats_) {
      j["reading"] = nullptr;
      return j;
    }
    auto const& now = *latest_stats_;
    j["uptime_seconds"] = number(now.uptime_seconds);
    j["resident_bytes"] = number(now.resident_bytes);
    j["in_flight"] = number(now.in_flight);
    j["queued"] = number(now.queued);
    j["capacity"] = number(now.capacity);
    j["ai_confidence"] = number(now.ai_confidence);
    nlohmann::json agents = nlohmann::json::array();
    for (auto const& a : now.agents) {
      auto const f = previous_stats_ ? st::target::agent_figures(*previous_stats_, now, a.name) : st::target::agent_span{};
      agents.push_back({{"name", a.name},
                        {"calls", number(a.calls)},
                        {"busy_seconds", number(a.busy_seconds)},
                        {"capacity", number(a.capacity)},
                        {"calls_per_second", number(f.calls_per_second)},
                        {"mean_busy_ms", number(f.mean_busy_ms)},
                        {"load", number(f.load)}});
    }
    j["agents"] = std::move(agents);
    return j;
  }

  app_context& ctx_;  // outlives the run
  // The service's readings (run's thread only: the probe and the interval callback both run there).
  std::string stats_source_;
  std::optional<st::target::service_stats> latest_stats_, previous_stats_;
  st::dashboard::live_feed feed_;
  st::report::prometheus_live prometheus_;  // on the run's thread
  std::atomic<std::chrono::steady_clock::rep> run_start_{0};  // set on the run's thread, read on the server's
  std::mutex mutex_;
  std::string metrics_text_;  // guarded by mutex_
  std::vector<st::run::disturbance_window> injected_;  // guarded by mutex_, until the next interval
  std::uint64_t injections_ = 0;                        // on the server's thread only
  std::unique_ptr<server_thread> host_;  // last: stopped (its thread joined) before the rest goes
};

/// The live page of a capacity search (capacity_dashboard.hpp): no feed, the search's own messages.
class capacity_dashboard {
 public:
  capacity_dashboard(const app_context& ctx, nlohmann::json initial) : host_(ctx.dashboard_address, {}, std::move(initial)) {}
  server_thread host_;
};

void capacity_dashboard_deleter::operator()(capacity_dashboard* d) const noexcept { delete d; }

capacity_dashboard_ptr start_capacity_dashboard(const app_context& ctx, nlohmann::json initial) {
  if (ctx.dashboard_address.empty()) return nullptr;
  return capacity_dashboard_ptr(new capacity_dashboard(ctx, std::move(initial)));
}

void publish_capacity(capacity_dashboard& d, nlohmann::json update) { d.host_.server().publish(std::move(update)); }
void finish_capacity(capacity_dashboard& d, nlohmann::json final_document) {
  d.host_.server().set_document(std::move(final_document));
}

void live_dashboard_deleter::operator()(live_dashboard* d) const noexcept { delete d; }

live_dashboard_ptr start_dashboard(app_context& ctx, boost::asio::io_context& run_io,
                                   boost::asio::cancellation_signal& stop, const st::test_scenario& scenario,
                                   st::run::run_options& options) {
  if (ctx.dashboard_address.empty()) return nullptr;
  live_dashboard_ptr d(new live_dashboard(ctx, scenario, options, run_io, stop));
  d->attach(options);
  return d;
}

/// The hook after results.json is written: report.html next to it, and the final document live.
void finish_dashboard(const app_context& ctx, live_dashboard* live, const st::run::run_result& result,
                      const std::filesystem::path& results_path) {
  auto doc = results_document(ctx, result);
  auto const html = results_path.parent_path() / "report.html";
  try {
    st::dashboard::write_report(doc, html);
    std::fprintf(stderr, "report: %s\n", html.string().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stress-run: could not write the report: %s\n", e.what());
  }
  if (live) live->finish(std::move(doc));
}

}  // namespace stress_run
