// `stress-run dashboard --follow URL...` (cmd_follow.hpp).

#include "cmd_follow.hpp"

#include "app.hpp"
#include "cli_util.hpp"

#include <stress_testing/dashboard/follow.hpp>
#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/dashboard/server.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/target/http/stats_probe.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

int run_follow(const follow_settings& s) {
  using clock = std::chrono::steady_clock;
  auto const listen = parse_listen(s.listen);
  if (!listen) {
    std::cerr << "stress-run: --listen '" << s.listen << "': expected HOST:PORT with a port in 0..65535\n";
    return usage_error;
  }
  // One bounded GET per shard: a live document with interval histograms is a few KB an interval.
  std::vector<std::unique_ptr<st::target::http::bounded_get>> shards;
  for (auto const& u : s.urls) {
    auto url = u;
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.size() < 13 || url.compare(url.size() - 13, 13, "/api/snapshot") != 0) url += "/api/snapshot";
    try {
      shards.push_back(std::make_unique<st::target::http::bounded_get>(
          url, st::target::http::stats_probe_options{std::chrono::milliseconds(2000), 64u << 20, false}, "--follow"));
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << e.what() << " (" << u << ")\n";
      return usage_error;
    }
  }
  if (!s.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(s.out, ec);
    if (auto why = st::detail::unwritable_directory_reason(s.out); !why.empty()) {
      std::cerr << "stress-run: --out " << s.out << ": " << why << '\n';
      return usage_error;
    }
  }

  st::dashboard::shard_follower follower(shards.size());
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  st::dashboard::server_options o;
  o.address = listen->first == "localhost" ? "127.0.0.1" : listen->first;
  o.port = listen->second;
  o.page = st::dashboard::live_page();
  std::unique_ptr<st::dashboard::server> server;
  try {
    server = std::make_unique<st::dashboard::server>(io.get_executor(), std::move(o));
    server->set_document(follower.initial_document());
    server->start();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: --listen " << s.listen << ": " << e.what() << '\n';
    return usage_error;
  }
  std::atomic<bool> interrupted{false};
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) interrupted = true;
  });
  std::thread thread([&io] { io.run(); });
  auto const ep = server->local_endpoint();
  std::fprintf(stderr, "following %zu shards: http://%s:%u/\n", shards.size(), ep.address().to_string().c_str(),
               static_cast<unsigned>(ep.port()));

  auto const poll = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s.poll_seconds));
  auto const give_up = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s.give_up_seconds));
  auto last_answer = clock::now();
  std::vector<std::string> last_error(shards.size());
  int code = runtime_error;
  std::string why_stopped;
  while (!interrupted) {
    auto const round = clock::now();
    for (std::size_t k = 0; k < shards.size(); ++k) {
      if (follower.finished(k)) continue;
      std::string error;
      auto body = shards[k]->get(error);
      if (body) {
        last_answer = clock::now();
        std::string why;
        auto doc = st::detail::try_parse_bounded_json(*body, why);
        if (!doc) error = shards[k]->url() + ": " + why;
        else try {
            follower.set(k, std::move(*doc));
          } catch (const std::exception& e) {
            error = e.what();
          }
      }
      if (!error.empty() && error != last_error[k]) std::fprintf(stderr, "shard %zu: %s\n", k, error.c_str());
      last_error[k] = error;
    }
    try {
      for (auto& m : follower.poll()) server->publish(std::move(m));
    } catch (const std::exception& e) {
      why_stopped = e.what();
      break;
    }
    if (follower.finished()) break;
    if (clock::now() - last_answer > give_up) {
      why_stopped = "no shard answered for " + std::to_string(static_cast<long>(s.give_up_seconds)) + " s";
      break;
    }
    std::this_thread::sleep_until(round + poll);
  }
  if (auto const& r = follower.result()) {
    auto const doc = st::report::to_json(*r);
    if (!s.out.empty()) {
      auto const dir = std::filesystem::path(s.out);
      st::detail::write_file_atomically(dir / "results.json", doc.dump(2));
      st::dashboard::write_report(doc, dir / "report.html");
      std::fprintf(stderr, "merged results: %s\n", (dir / "results.json").string().c_str());
    }
    std::fprintf(stderr, "%zu shards merged: %s (%s)\n", shards.size(), std::string(st::to_string(r->status)).c_str(),
                 r->status_reason.c_str());
    code = exit_code_for(r->verdict());
    auto const until = clock::now() + std::chrono::duration_cast<clock::duration>(
                                          std::chrono::duration<double>(s.linger_seconds));
    while (!interrupted && clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } else {
    std::fprintf(stderr, "stress-run: stopped following before every shard finished%s%s\n",
                 why_stopped.empty() ? "" : ": ", why_stopped.c_str());
  }
  server->stop();
  signals.cancel();
  work.reset();
  for (int i = 0; i < 200 && !io.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  io.stop();
  thread.join();
  return code;
}

}  // namespace stress_run
