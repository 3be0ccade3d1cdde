// The live dashboard of stress-run (docs/dashboard.md), in its own translation unit: the
// dashboard server, live feed and Prometheus exposition are compiled here only, not in every
// subcommand. A host (the server on its own thread) outlives the runs it shows: one lone run's
// (`--dashboard`), or every run of the supervisor (`stress-run dashboard`, cmd_supervise.cpp).
// The run publishes each interval to the server (server::publish posts to the server's strand),
// and the Stop control posts the run's cancellation to the run's io_context.

#include "dashboard.hpp"

#include "capacity_dashboard.hpp"
#include "cli_util.hpp"
#include "live_dashboard.hpp"
#include "service_site.hpp"

#include <stress_testing/dashboard/live_feed.hpp>
#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/dashboard/server.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/report/results_json.hpp>

#include <fraud_service/fraud_service.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
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
  std::vector<st::competitor_figures> competitors;
  if (j.contains("competitors")) {
    auto const& c = j["competitors"];
    if (!c.is_array()) return path + ": competitors: must be a list";
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::string const field = path + ": competitors[" + std::to_string(i) + "]";
      if (!c[i].is_object()) return field + ": must be an object";
      if (!c[i].contains("name") || !c[i]["name"].is_string()) return field + ".name: must be a string";
      st::competitor_figures f{c[i]["name"].get<std::string>(), {}};
      for (auto const& [k, v] : c[i].items()) {
        if (k == "name") continue;
        if (!v.is_number() || !std::isfinite(v.get<double>())) return field + "." + k + ": must be a number";
        f.figures[k] = v.get<double>();
      }
      competitors.push_back(std::move(f));
    }
  }
  ctx.competitors = std::move(competitors);
  return std::nullopt;
}

nlohmann::json results_document(const app_context& ctx, const st::run::run_result& r) {
  auto doc = st::report::to_json(r);  // its `presentation` compares with r.competitors
  if (!ctx.config_document.is_null()) doc["config"] = ctx.config_document;
  // The business figures after each interval (live_business.hpp): the presentation's story line.
  if (ctx.business_series.is_array() && !ctx.business_series.empty()) doc["business_series"] = ctx.business_series;
  return doc;
}

struct dashboard_host::impl {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<st::dashboard::server> server;
  std::thread thread;

  std::mutex runs_mutex;
  live_dashboard* current = nullptr;  // guarded by runs_mutex: the run the controls act on
  bool stopping = false;              // guarded by runs_mutex: stop_runs() was called

  std::mutex metrics_mutex;
  std::string metrics_text;  // guarded by metrics_mutex

  void set_metrics_text(std::string text) {
    std::lock_guard lock(metrics_mutex);
    metrics_text = std::move(text);
  }

  /// Stop or Inject, on the server's thread: to the run attached now. Holding `runs_mutex`
  /// while it acts keeps that run from being destroyed under it (its destructor detaches first).
  st::dashboard::control_reply forward(const nlohmann::json& body, bool inject);
};

/// The live dashboard of one run: the feed, and the hooks into the run, on a host's server.
class live_dashboard {
 public:
  live_dashboard(app_context& ctx, const st::test_scenario& scenario, const st::run::run_options& options,
                 boost::asio::io_context& run_io, boost::asio::cancellation_signal& stop,
                 std::unique_ptr<dashboard_host> owned, dashboard_host& host)
      : owned_(std::move(owned)),
        host_(host.get()),
        ctx_(ctx),
        run_io_(run_io),
        stop_(stop),
        feed_(scenario, options.pool.histograms, options.recovery),
        prometheus_(scenario.scenario_id, options.pool.histograms),
        fault_(std::make_shared<fault_switch>()) {
    feed_.set_alert_thresholds(ctx.alerting);
    fault_->sink = ctx.dashboard_fault_sink;
    feed_.set_competitors(ctx.competitors);
    host_.server->set_document(feed_.initial_document());
    std::lock_guard lock(host_.runs_mutex);
    host_.current = this;
    if (host_.stopping) this->stop();  // a supervisor's Ctrl-C came while this run was being set up
  }
  live_dashboard(const live_dashboard&) = delete;
  live_dashboard& operator=(const live_dashboard&) = delete;

  ~live_dashboard() {
    {
      std::lock_guard lock(host_.runs_mutex);
      if (host_.current == this) host_.current = nullptr;
    }
    // An injection's clearing timer may fire after the run (and the service it switches) ended.
    std::lock_guard lock(fault_->mutex);
    fault_->sink = nullptr;
  }

  /// Chains the live feed onto the run's per-interval callback (the console's live line stays).
  void attach(st::run::run_options& options) {
    // The run's own start: the instant its failure windows and intervals are measured from; a
    // Stop that came before it is carried out now (a cancellation emitted earlier is lost).
    auto previous_start = std::move(options.on_start);
    options.on_start = [this, previous_start](std::chrono::steady_clock::time_point start) {
      if (previous_start) previous_start(start);
      run_start_.store(start.time_since_epoch().count(), std::memory_order_release);
      std::lock_guard lock(control_mutex_);
      started_ = true;
      if (stop_pending_) emit_stop();
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
      // The live presentation: the business figures (live_business.hpp) and the agents as the
      // service reports them; the feed adds the rest and derives it like results.json's.
      auto host = ctx_.live_figures;
      host.agents = service_flow_agents();
      auto message = feed_.update(p, std::move(host));
      // The business figures of this interval (live_business.hpp, chained before this callback).
      if (ctx_.live_business.is_object())
        for (auto const& [k, v] : ctx_.live_business.items()) message[k] = v;
      message["service"] = service_json();
      if (ctx_.business_series.is_array() && !ctx_.business_series.empty() && message.contains("interval"))
        message["interval"]["business"] = ctx_.business_series.back();  // the story's money line
      host_.server->publish(std::move(message));
      prometheus_.update(p);
      host_.set_metrics_text(prometheus_.text());
    };
  }

  /** The final results document to the page, and the run's files to download. The files are
      kept before the document is sent, so a page told of the end finds them. */
  void finish(nlohmann::json results, std::vector<st::dashboard::export_file> files) {
    try {
      auto text = st::report::to_prometheus(results);
      files.push_back({"metrics.txt", "text/plain; version=0.0.4; charset=utf-8", text});
      host_.set_metrics_text(std::move(text));
    } catch (const std::exception&) {
      // A document the exporter cannot read keeps the last live exposition (and exports none).
    }
    host_.server->add_exports(ctx_.run_id.empty() ? "1" : ctx_.run_id, std::move(files));
    host_.server->set_document(std::move(results));
  }

  /// `POST /api/control/stop`, on the server's thread (under the host's `runs_mutex`).
  st::dashboard::control_reply stop() {
    std::lock_guard lock(control_mutex_);
    if (!started_) {
      stop_pending_ = true;
      return {200, "stopping as soon as the run starts"};
    }
    emit_stop();
    return {200, "stopping: draining requests in flight"};
  }

  /// `POST /api/control/inject` (on the server's thread, under the host's `runs_mutex`):
  /// `{"failure_type", "severity", "duration_seconds"}` applied to the embedded service, cleared
  /// when the duration is over.
  st::dashboard::control_reply inject(const nlohmann::json& body) {
    if (!fault_->sink)  // set before the run, never changed while it is attached
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
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(fault_->mutex);
      fault_->sink(*fault);
      generation = ++fault_->generation;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(
        host_.io, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)));
    timer->async_wait([f = fault_, timer, generation](boost::system::error_code ec) {
      // A later injection replaces this one and clears itself; a run that ended took its sink away.
      std::lock_guard lock(f->mutex);
      if (!ec && generation == f->generation && f->sink) f->sink(fraud_service::service_fault{});
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

 private:
  /// The run's cancellation, posted to the run's own thread (the signal is not thread-safe).
  void emit_stop() {
    boost::asio::post(run_io_, [&stop = stop_] {
      std::fprintf(stderr, "\nstopping (dashboard): draining requests in flight...\n");
      stop.emit(boost::asio::cancellation_type::terminal);
    });
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

  /// The service's agents between its last two readings as flow nodes: calls/s and time per call
  /// (`target::agent_figures`); its report has no per-agent failures, so no error rate.
  std::vector<st::run::flow_agent> service_flow_agents() const {
    std::vector<st::run::flow_agent> out;
    if (!latest_stats_) return out;
    for (auto const& a : latest_stats_->agents) {
      auto const f = previous_stats_ ? st::target::agent_figures(*previous_stats_, *latest_stats_, a.name)
                                     : st::target::agent_span{};
      out.push_back({a.name, a.name, f.calls_per_second, f.mean_busy_ms, std::nullopt});
    }
    return out;
  }


  /// The embedded service's fault switch, shared with the timers that clear an injection.
  struct fault_switch {
    std::mutex mutex;
    std::function<void(const fraud_service::service_fault&)> sink;  // empty once the run has ended
    std::uint64_t generation = 0;
  };

  std::unique_ptr<dashboard_host> owned_;  // a lone run's server; first member, so destroyed last
  dashboard_host::impl& host_;
  app_context& ctx_;  // outlives the run
  boost::asio::io_context& run_io_;
  boost::asio::cancellation_signal& stop_;
  // The service's readings (run's thread only: the probe and the interval callback both run there).
  std::string stats_source_;
  std::optional<st::target::service_stats> latest_stats_, previous_stats_;
  st::dashboard::live_feed feed_;
  st::report::prometheus_live prometheus_;  // on the run's thread
  std::atomic<std::chrono::steady_clock::rep> run_start_{0};  // set on the run's thread, read on the server's
  std::mutex mutex_;
  std::vector<st::run::disturbance_window> injected_;  // guarded by mutex_, until the next interval
  std::mutex control_mutex_;
  bool started_ = false;       // guarded by control_mutex_: on_start has run
  bool stop_pending_ = false;  // guarded by control_mutex_: Stop came before the start
  std::shared_ptr<fault_switch> fault_;
};

st::dashboard::control_reply dashboard_host::impl::forward(const nlohmann::json& body, bool inject) {
  std::lock_guard lock(runs_mutex);
  if (!current) return {409, "no run is in progress"};
  return inject ? current->inject(body) : current->stop();
}

dashboard_host::dashboard_host(dashboard_host_options o) : impl_(std::make_unique<impl>()) {
  auto& h = *impl_;
  // The one HOST:PORT parser (cli_util.hpp): "127.0.0.1:80x" is refused, not read as port 80.
  auto const listen = parse_listen(o.address);
  if (!listen)
    throw std::invalid_argument(o.option + " '" + o.address + "': expected HOST:PORT with a port in 0..65535");
  st::dashboard::server_options so;
  so.address = listen->first;
  if (so.address == "localhost") so.address = "127.0.0.1";
  so.port = listen->second;
  so.page = st::dashboard::live_page();
  so.token = o.token;
  so.on_stop = [&h](const nlohmann::json& body) { return h.forward(body, false); };
  so.on_inject = [&h](const nlohmann::json& body) { return h.forward(body, true); };
  if (o.on_start)
    so.on_start = [start = std::move(o.on_start)](const nlohmann::json& body) {
      auto r = start(body);
      return st::dashboard::control_reply{r.status, std::move(r.message)};
    };
  if (o.runs)
    so.runs = [&h, runs = std::move(o.runs)] { return runs(h.server->kept_runs()); };
  // /metrics: the exposition a run rendered on its thread after each interval (and from the
  // results at the end), handed over as text.
  so.metrics = [&h] {
    std::lock_guard lock(h.metrics_mutex);
    return h.metrics_text;
  };
  try {
    h.server = std::make_unique<st::dashboard::server>(h.io.get_executor(), std::move(so));
  } catch (const std::exception& e) {
    std::string const why = e.what();
    bool const token = !o.token.empty() && why.find("token:") != std::string::npos;
    throw std::invalid_argument((token ? o.token_source : o.option + " " + o.address) + ": " + why);
  }
  h.server->set_document(o.initial_document.is_null() ? nlohmann::json::object() : std::move(o.initial_document));
  h.server->start();
  h.thread = std::thread([&h] { h.io.run(); });
  std::string const token = o.token.empty() ? h.server->token() : "from " + o.token_source;  // never echo a kept secret
  std::fprintf(stderr, "dashboard: %s  (admin token: %s)\n", url().c_str(), token.c_str());
  std::fflush(stderr);
}

dashboard_host::~dashboard_host() {
  auto& h = *impl_;
  h.server->stop();
  h.work.reset();
  // The coroutines end once their sockets are closed and io.run() returns; bound the wait.
  for (int i = 0; i < 200 && !h.io.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  h.io.stop();
  if (h.thread.joinable()) h.thread.join();
}

std::string dashboard_host::url() const {
  auto const ep = impl_->server->local_endpoint();
  auto host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port()) + "/";
}

void dashboard_host::stop_runs() {
  std::lock_guard lock(impl_->runs_mutex);
  impl_->stopping = true;
  if (impl_->current) impl_->current->stop();
}

/// The live page of a capacity search (capacity_dashboard.hpp): a host with no run attached (its
/// Stop and Inject answer 409), showing the search's own messages.
class capacity_dashboard {
 public:
  capacity_dashboard(const app_context& ctx, nlohmann::json initial) : host_(options(ctx, std::move(initial))) {}
  void publish(nlohmann::json update) { host_.get().server->publish(std::move(update)); }
  void finish(nlohmann::json final_document) { host_.get().server->set_document(std::move(final_document)); }

 private:
  static dashboard_host_options options(const app_context& ctx, nlohmann::json initial) {
    dashboard_host_options o;
    o.address = ctx.dashboard_address;
    o.initial_document = std::move(initial);
    return o;
  }
  dashboard_host host_;
};

void capacity_dashboard_deleter::operator()(capacity_dashboard* d) const noexcept { delete d; }

capacity_dashboard_ptr start_capacity_dashboard(const app_context& ctx, nlohmann::json initial) {
  if (ctx.dashboard_address.empty()) return nullptr;
  return capacity_dashboard_ptr(new capacity_dashboard(ctx, std::move(initial)));
}

void publish_capacity(capacity_dashboard& d, nlohmann::json update) { d.publish(std::move(update)); }
void finish_capacity(capacity_dashboard& d, nlohmann::json final_document) { d.finish(std::move(final_document)); }

void live_dashboard_deleter::operator()(live_dashboard* d) const noexcept { delete d; }

live_dashboard_ptr start_dashboard(app_context& ctx, boost::asio::io_context& run_io,
                                   boost::asio::cancellation_signal& stop, const st::test_scenario& scenario,
                                   st::run::run_options& options) {
  std::unique_ptr<dashboard_host> owned;
  dashboard_host* host = ctx.shared_dashboard;
  if (!host) {
    if (ctx.dashboard_address.empty()) return nullptr;
    dashboard_host_options o;
    o.address = ctx.dashboard_address;
    owned = std::make_unique<dashboard_host>(std::move(o));
    host = owned.get();
  }
  live_dashboard_ptr d(new live_dashboard(ctx, scenario, options, run_io, stop, std::move(owned), *host));
  d->attach(options);
  return d;
}

void finish_dashboard(live_dashboard* live, const nlohmann::json& doc, const written_results& written,
                      const std::filesystem::path& results_path) {
  auto const html_path = results_path.parent_path() / "report.html";
  std::string html;
  try {
    html = st::dashboard::render_report(doc);
    st::detail::write_file_atomically(html_path, html);
    std::fprintf(stderr, "report: %s\n", html_path.string().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stress-run: could not write the report: %s\n", e.what());
  }
  if (!live) return;
  // The same bytes as the files written next to each other: one rendering of each.
  std::vector<st::dashboard::export_file> files{{"results.json", "application/json", written.results_json},
                                                {"junit.xml", "application/xml", written.junit_xml}};
  if (!html.empty()) files.push_back({"report.html", "text/html; charset=utf-8", std::move(html)});
  live->finish(doc, std::move(files));
}

}  // namespace stress_run
