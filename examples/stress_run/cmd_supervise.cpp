// The run supervisor (cmd_supervise.hpp): one dashboard host for its whole life, one run at a
// time on a thread of its own, each run the same `run_scenario_mode` as `stress-run scenario`.

#include "cmd_supervise.hpp"

#include "cmd_scenario.hpp"
#include "http_common.hpp"
#include "live_dashboard.hpp"

#include <stress_testing/config/run_config.hpp>
#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/config/validation.hpp>
#include <stress_testing/detail/atomic_file.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

namespace {

/// The scales a start may ask for: the command line's ranges (`scenario --time-scale`).
constexpr double min_scale = 1e-6;
constexpr double max_scale = 1e6;
/// Runs listed by GET /api/runs; older records are forgotten (their files stay on disk).
constexpr std::size_t max_listed_runs = 100;

std::string scenario_names() {
  std::string names;
  for (auto n : st::scenario_builder::names) names += (names.empty() ? "" : ", ") + std::string(n);
  return names;
}

/// One run the supervisor started.
struct run_record {
  std::uint64_t id = 0;
  std::string scenario;
  double time_scale = 1;
  double load_scale = 1;
  std::string out_dir;
  bool finished = false;
  int exit_code = 0;  // once finished
};

class supervisor {
 public:
  supervisor(const app_context& base, const supervise_settings& s, std::filesystem::path out, const std::string& listen,
             std::string token, std::string token_source)
      : base_(base), target_(s.target), http_(s.http), out_(std::move(out)) {
    for (auto name : st::scenario_builder::names) {
      auto const sc = *st::scenario_builder::create(name);
      scenarios_.push_back({{"name", name},
                            {"description", sc.description},
                            {"duration_seconds", sc.duration_seconds},
                            {"peak_tps", st::profile_peak_tps(sc.load_profile)},
                            {"failures", sc.failure_scenarios.size()}});
    }
    dashboard_host_options o;
    o.option = "--listen";
    o.address = listen;
    o.token = std::move(token);
    o.token_source = std::move(token_source);
    o.on_start = [this](const nlohmann::json& body) { return start(body); };
    o.runs = [this](const std::vector<std::string>& kept) { return runs(kept); };
    o.initial_document = {{"live", true},
                          {"status", "IDLE"},
                          {"status_reason", "no run yet: start one in the Admin view (with the admin token)"}};
    host_ = std::make_unique<dashboard_host>(std::move(o));  // serves from here on: last, as it calls back
  }
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;
  ~supervisor() {
    shutdown();
    join();
    host_.reset();  // no more calls back into this object
  }

  std::string url() const { return host_->url(); }

  /// Ctrl-C: no new run; the one in progress stops (drain, results). Any thread.
  void shutdown() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    if (host_) host_->stop_runs();
  }
  /// Cuts the drain of the run in progress (a second Ctrl-C): the engine's second stop.
  void stop_again() { host_->stop_runs(); }

  bool idle() {
    std::lock_guard lock(mutex_);
    return !running_;
  }

  /// Waits for the run thread; call after `shutdown`, once `idle`.
  void join() {
    std::thread t;
    {
      std::lock_guard lock(mutex_);
      t = std::move(thread_);
    }
    if (t.joinable()) t.join();
  }

 private:
  /// `POST /api/control/start` `{"scenario": NAME, "time_scale": F, "load_scale": F}`, on the
  /// server's thread, after the token was checked.
  host_reply start(const nlohmann::json& body) {
    auto const name_field = body.find("scenario");
    if (name_field == body.end() || !name_field->is_string())
      return {400, "scenario: expected the name of a predefined scenario (" + scenario_names() + ")"};
    auto const name = name_field->get<std::string>();
    auto scenario = st::scenario_builder::create(name);
    if (!scenario) return {400, "scenario: unknown scenario '" + name + "' (" + scenario_names() + ")"};
    double scale[2] = {1, 1};
    char const* const fields[2] = {"time_scale", "load_scale"};
    for (int k = 0; k < 2; ++k) {
      auto const it = body.find(fields[k]);
      if (it == body.end()) continue;
      if (!it->is_number() || !(it->get<double>() >= min_scale && it->get<double>() <= max_scale))
        return {400, std::string(fields[k]) + ": expected a number from 1e-6 to 1e6"};
      scale[k] = it->get<double>();
    }
    // Scaled, the scenario meets the limits a scenario file meets (docs/security.md), before it
    // is accepted: the page hears why, not only the supervisor's stderr.
    auto const scaled = st::scale_scenario(*scenario, scale[0], scale[1]);
    std::vector<st::config_problem> problems;
    st::validate(scaled, problems);
    if (!problems.empty()) {
      std::string why = "the scenario as scaled is not valid:";
      for (auto const& p : problems) why += " " + st::to_string(p) + ";";
      why.pop_back();
      return {400, why};
    }
    run_record r;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return {503, "the supervisor is shutting down"};
      if (running_) {
        auto const& now = runs_.back();
        return {409, "run " + std::to_string(now.id) + " (" + now.scenario +
                         ") is in progress: one run at a time (stop it, or wait for its end)"};
      }
      r = {++last_id_, name, scale[0], scale[1], {}, false, 0};
      r.out_dir = (out_ / ("run-" + std::to_string(r.id) + "-" + name)).string();
      runs_.push_back(r);
      if (runs_.size() > max_listed_runs) runs_.pop_front();
      running_ = true;
      // The previous run's thread has ended its work (it cleared running_ last): this join is short.
      if (thread_.joinable()) thread_.join();
      thread_ = std::thread([this, r] { run(r); });
    }
    char text[300];
    std::snprintf(text, sizeof text, "started run %llu: %s, %g s at a peak of %g/s (time scale %g, load scale %g)",
                  static_cast<unsigned long long>(r.id), name.c_str(), scaled.duration_seconds,
                  st::profile_peak_tps(scaled.load_profile), scale[0], scale[1]);
    return {202, text};
  }

  /// One run, on the run thread: `stress-run scenario NAME --target T --time-scale F
  /// --load-scale F --out OUT/run-ID-NAME`, shown on the supervisor's dashboard.
  void run(run_record r) {
    app_context ctx = base_;  // its own live figures; the shared options (--presentation, alerts) as given
    ctx.shared_dashboard = host_.get();
    ctx.run_id = std::to_string(r.id);
    scenario_settings s;
    s.name = r.scenario;
    s.target = target_;
    s.time_scale = r.time_scale;
    s.load_scale = r.load_scale;
    http_settings h = http_;
    h.out_dir = r.out_dir;
    std::fprintf(stderr, "run %llu: %s (time scale %g, load scale %g) -> %s\n", static_cast<unsigned long long>(r.id),
                 r.scenario.c_str(), r.time_scale, r.load_scale, r.out_dir.c_str());
    int code = runtime_error;
    try {
      code = run_scenario_mode(ctx, s, h);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "stress-run: run %llu: %s\n", static_cast<unsigned long long>(r.id), e.what());
    }
    std::fprintf(stderr, "run %llu ended: exit code %d\n", static_cast<unsigned long long>(r.id), code);
    std::lock_guard lock(mutex_);
    for (auto& k : runs_)
      if (k.id == r.id) {
        k.finished = true;
        k.exit_code = code;
      }
    running_ = false;
  }

  /// `GET /api/runs`, on the server's thread.
  nlohmann::json runs(const std::vector<std::string>& kept) {
    nlohmann::json list = nlohmann::json::array();
    std::lock_guard lock(mutex_);
    for (auto const& r : runs_) {
      auto const id = std::to_string(r.id);
      bool exports = false;
      for (auto const& k : kept) exports = exports || k == id;
      list.push_back({{"id", r.id},
                      {"scenario", r.scenario},
                      {"time_scale", r.time_scale},
                      {"load_scale", r.load_scale},
                      {"state", r.finished ? "finished" : "running"},
                      {"exit_code", r.finished ? nlohmann::json(r.exit_code) : nlohmann::json()},
                      {"out_dir", r.out_dir},
                      {"exports", exports}});
    }
    return {{"target", target_},
            {"scenarios", scenarios_},
            {"accepting", !stopping_},
            {"running", running_ ? nlohmann::json(runs_.back().id) : nlohmann::json()},
            {"runs", std::move(list)}};
  }

  app_context const base_;
  std::string const target_;
  http_settings const http_;
  std::filesystem::path const out_;
  nlohmann::json scenarios_ = nlohmann::json::array();

  std::mutex mutex_;
  std::deque<run_record> runs_;  // guarded by mutex_
  std::uint64_t last_id_ = 0;    // guarded by mutex_
  bool running_ = false;         // guarded by mutex_: a run thread is at work
  bool stopping_ = false;        // guarded by mutex_
  std::thread thread_;           // guarded by mutex_

  std::unique_ptr<dashboard_host> host_;  // last: destroyed first, so no callback sees a dead member
};

/// The first line of `path`, without its line ending; nullopt (said) when it cannot be read.
std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) {
    std::cerr << "stress-run: --token-file " << path << ": cannot read a first line\n";
    return std::nullopt;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

}  // namespace

int run_supervisor(const app_context& ctx, const supervise_settings& s, const std::string& listen,
                   const std::string& out_option) {
  std::filesystem::path const out = out_option.empty() ? std::string("stress-results") : out_option;
  {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (auto why = st::detail::unwritable_directory_reason(out); !why.empty()) {
      std::cerr << "stress-run: --out " << out.string() << ": " << why << '\n';
      return usage_error;
    }
  }
  if (s.target != "embedded" && s.target != "sim") {
    // A URL is checked once, now (a loopback address, a valid URL), as `scenario` checks it before
    // its run, rather than failing every run the page starts.
    http_factory probe;
    probe.base.url = s.target;
    if (!validate_target(probe)) {
      std::cerr << "stress-run: --target " << s.target << ": not a target the supervisor can load (above)\n";
      return usage_error;
    }
  }
  std::string token;
  if (!s.token_file.empty()) {
    auto t = read_token_file(s.token_file);
    if (!t) return usage_error;
    token = std::move(*t);
  }
  std::unique_ptr<supervisor> sup;
  try {
    sup = std::make_unique<supervisor>(ctx, s, out, listen, std::move(token), "--token-file " + s.token_file);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  std::fprintf(stderr, "run supervisor: start a scenario in the Admin view, %sadmin; target %s, results under %s; "
                       "Ctrl-C ends\n", (sup->url() + "#").c_str(), s.target.c_str(), out.string().c_str());

  // Ctrl-C is the supervisor's alone (its runs install no handler): the first stops the run in
  // progress, which drains and writes its results, and then the supervisor ends; the second cuts
  // the drain; a third exits at once.
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer poll(io);
  int seen = 0;
  std::function<void()> wait_idle = [&] {
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (sup->idle()) signals.cancel();
      else wait_idle();
    });
  };
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
    if (ec) return;
    ++seen;
    if (seen == 1) {
      std::fprintf(stderr, "\nstopping: the run in progress drains and writes its results (Ctrl-C again to cut the drain)\n");
      sup->shutdown();
      wait_idle();
    } else if (seen == 2) {
      std::fprintf(stderr, "\nstopping now: cancelling what is in flight, writing the results...\n");
      sup->stop_again();
    } else {
      std::fprintf(stderr, "\nstress-run: stopped at once\n");
      std::_Exit(130);
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  io.run();
  sup->join();
  sup.reset();
  std::fprintf(stderr, "run supervisor: ended\n");
  return passed;
}

}  // namespace stress_run
