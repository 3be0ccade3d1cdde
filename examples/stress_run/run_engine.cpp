// run_and_report (run_engine.hpp): the only call of st::run::async_run in stress-run. Its target
// factory is type-erased (any_target), so the orchestrator, worker pool and load loop are
// compiled once here, whatever the mode's target.

#include "run_engine.hpp"

#include "console.hpp"
#include "live_dashboard.hpp"

#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/metrics/hdr_log.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/capacity_search.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

namespace {

/** `--hdr-log FILE`: the header when the run starts (StartTime = BaseTime = the run's start, the
    instant interval times are measured from), then one line per interval with its response-time
    histogram, written as each interval ends. Memory stays one line; the file is flushed per line. */
struct hdr_log_output {
  std::ofstream file;
  st::metrics::hdr_log_writer writer{file};

  explicit hdr_log_output(const std::string& path) : file(open(path)) {}

  // Creates the parent directories, as --out does for results.json.
  static std::ofstream open(const std::string& path) {
    std::error_code ec;
    auto const parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    return std::ofstream(path, std::ios::binary | std::ios::trunc);
  }

  /// Chains the log's writing in front of the handlers already in `options`.
  void attach(st::run::run_options& options) {
    auto previous_start = std::move(options.on_start);
    options.on_start = [this, previous_start](std::chrono::steady_clock::time_point start) {
      auto const now_wall = std::chrono::system_clock::now();
      auto const since_start = std::chrono::steady_clock::now() - start;
      double const epoch = std::chrono::duration<double>((now_wall - since_start).time_since_epoch()).count();
      writer.write_header(epoch);
      file.flush();
      if (previous_start) previous_start(start);
    };
    auto previous = std::move(options.on_interval);
    options.on_interval = [this, previous](const st::run::interval_progress& p) {
      writer.write_interval(p.interval.start_seconds(), p.interval.end_seconds() - p.interval.start_seconds(),
                            p.snapshot.response_time);
      file.flush();
      if (previous) previous(p);
    };
  }
};

// How long a second Ctrl-C leaves the run to write what it has before the process exits.
constexpr auto second_stop_grace = std::chrono::seconds(2);

/** Ctrl-C (SIGINT, SIGTERM). The first stops issuing and drains; the second cuts the drain (the
    engine's second stop) and, if the run has not completed `second_stop_grace` later (a target
    that ignores cancellation), exits at once with 130; a third exits at once. */
struct stop_on_signals {
  asio::signal_set& signals;
  asio::cancellation_signal& stop;
  asio::steady_timer& force_exit;
  int& seen;

  void operator()(boost::system::error_code ec, int) const {
    if (ec) return;
    ++seen;
    if (seen == 1) {
      std::fprintf(stderr, "\nstopping: draining requests in flight... (Ctrl-C again to stop at once)\n");
    } else if (seen == 2) {
      std::fprintf(stderr, "\nstopping now: cancelling what is in flight, writing the results...\n");
      force_exit.expires_after(second_stop_grace);
      force_exit.async_wait([](boost::system::error_code timer_ec) {
        if (timer_ec) return;
        std::fprintf(stderr, "stress-run: the run did not end %lld s after the second stop; exiting without results\n",
                     static_cast<long long>(second_stop_grace.count()));
        std::_Exit(130);
      });
    } else {
      std::fprintf(stderr, "\nstress-run: stopped at once\n");
      std::_Exit(130);
    }
    stop.emit(asio::cancellation_type::terminal);
    signals.async_wait(*this);
  }
};

struct run_outcome {
  boost::system::error_code ec;
  std::optional<st::run::run_result> result;
};

/** The one call of st::run::async_run: runs on `io` until the run completes; Ctrl-C emits `stop`
    (`stop_on_signals`: stop issuing and drain, then cut the drain; the run still completes with
    what was measured). Without `own_signals` Ctrl-C is the caller's (the run supervisor stops
    its run through the dashboard). */
run_outcome run_stoppable(asio::io_context& io, asio::cancellation_signal& stop, st::test_scenario scenario,
                          workload_factory_fn factory, st::run::run_options options, bool own_signals = true) {
  asio::signal_set signals(io);
  if (own_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
  }
  asio::steady_timer force_exit(io);
  int signals_seen = 0;
  if (own_signals) signals.async_wait(stop_on_signals{signals, stop, force_exit, signals_seen});
  run_outcome out;
  st::run::async_run(io.get_executor(), std::move(scenario), std::move(factory), std::move(options),
                     asio::bind_cancellation_slot(stop.slot(), [&](boost::system::error_code ec, st::run::run_result r) {
                       out.ec = ec;
                       out.result = std::move(r);
                       signals.cancel();
                       force_exit.cancel();
                     }));
  io.run();
  return out;
}

/// The same target for every workload: the engine's one factory type (`workload_factory_fn`).
workload_factory_fn for_every_workload(target_factory_fn f) {
  return [f = std::move(f)](asio::any_io_executor ex, std::size_t i, const st::workload&) { return f(std::move(ex), i); };
}

}  // namespace

int run_and_report(app_context& ctx, const st::test_scenario& scenario, target_factory_fn factory,
                   st::run::run_options options, const std::string& out_dir, const result_finisher& finish) {
  return run_and_report(ctx, scenario, for_every_workload(std::move(factory)), std::move(options), out_dir, finish);
}

int run_and_report(app_context& ctx, const st::test_scenario& scenario, workload_factory_fn factory,
                   st::run::run_options options, const std::string& out_dir, const result_finisher& finish) {
  // Before the run: a run whose results cannot be written is a failure, not a pass with no artefacts.
  if (auto why = st::detail::unwritable_directory_reason(out_dir); !why.empty()) {
    std::cerr << "stress-run: --out '" << out_dir << "': " << why << "; nothing was run\n";
    return runtime_error;
  }
  asio::io_context io;
  asio::cancellation_signal stop;
  live_dashboard_ptr dashboard;
  try {
    dashboard = start_dashboard(ctx, io, stop, scenario, options);  // --dashboard (dashboard.cpp)
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  std::unique_ptr<hdr_log_output> hdr_log;
  if (!ctx.hdr_log_file.empty()) {
    hdr_log = std::make_unique<hdr_log_output>(ctx.hdr_log_file);
    if (!hdr_log->file) {
      std::cerr << "stress-run: --hdr-log " << ctx.hdr_log_file << ": cannot open for writing\n";
      return usage_error;
    }
    hdr_log->attach(options);
  }
  run_outcome outcome;
  try {
    outcome = run_stoppable(io, stop, scenario, std::move(factory), options, ctx.shared_dashboard == nullptr);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return runtime_error;
  }
  auto& result = outcome.result;
  auto const run_ec = outcome.ec;
  if (!result) return runtime_error;
  if (run_ec == boost::system::errc::invalid_argument) {
    std::cerr << "stress-run: " << result->status_reason << '\n';
    return usage_error;
  }
  if (finish) finish(*result);
  result->alerting = ctx.alerting;  // --alert-error-rate, --alert-p99-ms
  result->competitors = ctx.competitors;  // --presentation: what the benchmarks compare with

  std::string path;
  bool written = false;
  try {
    // A shard writes OUT/shard-I/ (stress-run merge OUT puts the run back together).
    auto const dir = result->shard && result->shard->count > 1
                         ? std::filesystem::path(out_dir) / ("shard-" + std::to_string(result->shard->index))
                         : std::filesystem::path(out_dir);
    auto const p = dir / "results.json";
    auto const doc = results_document(ctx, *result);  // report::to_json + config, business_series
    written_results const files{doc.dump(2) + "\n", st::report::to_junit(doc)};
    st::detail::write_file_atomically(p, files.results_json);
    path = p.string();
    st::detail::write_file_atomically(p.parent_path() / "junit.xml", files.junit_xml);
    finish_dashboard(dashboard.get(), doc, files, p);  // report.html next to them; the page's downloads
    written = true;
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write results: " << e.what() << '\n';
  }
  if (hdr_log && !hdr_log->file) std::cerr << "stress-run: --hdr-log " << ctx.hdr_log_file << ": write failed\n";
  print_summary(*result, path);
  if (dashboard && ctx.dashboard_linger_seconds > 0) {
    // The final exposition stays up for a last scrape; Ctrl-C cuts the wait short.
    std::fprintf(stderr, "dashboard: serving the final results for %g s (Ctrl-C ends)\n", ctx.dashboard_linger_seconds);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer linger(io, std::chrono::duration_cast<asio::steady_timer::duration>(
                                      std::chrono::duration<double>(ctx.dashboard_linger_seconds)));
    linger.async_wait([&](boost::system::error_code) { signals.cancel(); });
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (!ec) linger.cancel();
    });
    io.restart();
    io.run();
  }
  if (run_ec || !written) return runtime_error;  // no artefacts is no pass
  return exit_code_for(result->verdict());
}

// One signal set for the whole search: while it exists, SIGINT and SIGTERM are Asio's (queued until
// a handler waits), not the default action that would end the process without capacity.json. A
// step's run_stoppable has its own set too; Asio delivers each signal to every set.
struct capacity_session::impl {
  asio::io_context io;
  asio::signal_set signals{io, SIGINT, SIGTERM};
  asio::steady_timer pause{io};
  bool waiting = false, seen = false;

  void wait() {
    if (waiting) return;
    waiting = true;
    signals.async_wait([this](boost::system::error_code ec, int) {
      waiting = false;
      if (ec) return;
      if (!seen) std::fprintf(stderr, "\nstopping the capacity search: writing the steps done...\n");
      seen = true;
      pause.cancel();
    });
  }
  // Runs what is ready (a signal that came during a step) without blocking.
  void poll() {
    wait();
    io.restart();
    io.poll();
  }
};

capacity_session::capacity_session() : impl_(std::make_unique<impl>()) { impl_->wait(); }
capacity_session::~capacity_session() = default;

bool capacity_session::interrupted() const {
  impl_->poll();
  return impl_->seen;
}

void capacity_session::drain(std::chrono::nanoseconds pause) {
  if (interrupted() || pause <= std::chrono::nanoseconds::zero()) return;
  impl_->pause.expires_after(pause);
  impl_->pause.async_wait([this](boost::system::error_code) { impl_->signals.cancel(); });
  impl_->io.restart();
  impl_->io.run();  // until the pause ends (which cancels the wait) or a signal (which cancels the pause)
  impl_->waiting = false;
  impl_->poll();
}

st::run::step_measurement capacity_session::run_step(const st::test_scenario& base, target_factory_fn factory,
                                                     st::run::run_options options, const st::run::step_plan& plan,
                                                     std::chrono::nanoseconds interval) {
  st::run::step_measurement m;
  if (interrupted()) {
    m.cancelled = true;
    return m;
  }
  auto step = st::run::prepare_step(base, std::move(options), plan, interval);
  asio::io_context io;
  asio::cancellation_signal stop;
  auto out = run_stoppable(io, stop, std::move(step.scenario), for_every_workload(std::move(factory)),
                           std::move(step.options));
  if (!out.result || out.ec)
    throw std::invalid_argument(out.result ? out.result->status_reason : std::string("the step did not run"));
  m = st::run::finish_step(std::move(*out.result), *step.halves);
  m.cancelled = m.cancelled || interrupted();
  return m;
}

}  // namespace stress_run
