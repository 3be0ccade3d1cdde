// run_and_report (run_engine.hpp): the only call of st::run::async_run in stress-run. Its target
// factory is type-erased (any_target), so the orchestrator, worker pool and load loop are
// compiled once here, whatever the mode's target.

#include "run_engine.hpp"

#include "console.hpp"
#include "live_dashboard.hpp"

#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/results_json.hpp>

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
#include <iostream>
#include <optional>
#include <utility>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

namespace {

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

}  // namespace

int run_and_report(app_context& ctx, const st::test_scenario& scenario, target_factory_fn factory,
                   st::run::run_options options, const std::string& out_dir, const result_finisher& finish) {
  // Before the run: a run whose results cannot be written is a failure, not a pass with no artefacts.
  if (auto why = st::detail::unwritable_directory_reason(out_dir); !why.empty()) {
    std::cerr << "stress-run: --out '" << out_dir << "': " << why << "; nothing was run\n";
    return runtime_error;
  }
  asio::io_context io;
  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer force_exit(io);
  int signals_seen = 0;
  signals.async_wait(stop_on_signals{signals, stop, force_exit, signals_seen});
  std::optional<st::run::run_result> result;
  boost::system::error_code run_ec;
  live_dashboard_ptr dashboard;
  try {
    dashboard = start_dashboard(ctx, io, stop, scenario, options);  // --dashboard (dashboard.cpp)
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  st::run::async_run(io.get_executor(), scenario, std::move(factory), options,
                     asio::bind_cancellation_slot(stop.slot(), [&](boost::system::error_code ec, st::run::run_result r) {
                       run_ec = ec;
                       result = std::move(r);
                       signals.cancel();
                       force_exit.cancel();
                     }));
  try {
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return runtime_error;
  }
  if (!result) return runtime_error;
  if (run_ec == boost::system::errc::invalid_argument) {
    std::cerr << "stress-run: " << result->status_reason << '\n';
    return usage_error;
  }
  if (finish) finish(*result);

  std::string path;
  bool written = false;
  try {
    auto const p = std::filesystem::path(out_dir) / "results.json";
    auto const doc = results_document(ctx, *result);  // report::to_json + --presentation
    st::detail::write_file_atomically(p, doc.dump(2) + "\n");
    path = p.string();
    st::detail::write_file_atomically(p.parent_path() / "junit.xml", st::report::to_junit(doc));
    finish_dashboard(ctx, dashboard.get(), *result, p);  // report.html next to it
    written = true;
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write results: " << e.what() << '\n';
  }
  print_summary(*result, path);
  if (run_ec || !written) return runtime_error;  // no artefacts is no pass
  // A cancelled run is judged on what it measured (verdict()), like a completed one.
  switch (result->verdict()) {
    case st::verdict::fail: return criterion_failed;
    case st::verdict::inconclusive: return inconclusive;
    default: return passed;
  }
}

}  // namespace stress_run
