#ifndef STRESS_TESTING_FAULT_TIMELINE_HPP
#define STRESS_TESTING_FAULT_TIMELINE_HPP

/** The one failure timeline runner: tells each registered site (`fault/site.hpp`) its active
    effects at every instant they change, on the run's clock. The orchestrator runs it; a host
    that drives sites without the orchestrator can too. */

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/site.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::fault {

/** Failures placed at sites, and the sites. `apply_at(t)` gives every site the effects of its
    components active at `t`; `clear()` ends them all. Not thread-safe: one caller. */
class failure_timeline {
 public:
  failure_timeline(std::vector<placed_failure> placed, std::vector<std::shared_ptr<failure_site>> sites)
      : placed_(std::move(placed)), sites_(std::move(sites)), times_(change_times(placed_)) {
    for (auto const& s : sites_) served_.push_back(s ? s->components() : std::vector<std::string>{});
  }

  /// Every instant (seconds on the run's timeline) at which some site's state may change.
  const std::vector<double>& times() const noexcept { return times_; }
  bool empty() const noexcept { return placed_.empty(); }

  void apply_at(double t) {
    for (std::size_t i = 0; i < sites_.size(); ++i) {
      if (!sites_[i]) continue;
      std::vector<active_effect> active;
      for (auto const& c : served_[i])
        for (auto const& a : active_at(placed_, t, c)) active.push_back(a);
      sites_[i]->apply(t, active);
    }
  }

  /// Every site back to no fault (the end of the run).
  void clear(double t) {
    for (auto const& s : sites_)
      if (s) s->apply(t, {});
  }

 private:
  std::vector<placed_failure> placed_;
  std::vector<std::shared_ptr<failure_site>> sites_;
  std::vector<std::vector<std::string>> served_;
  std::vector<double> times_;
};

/** Applies `timeline` at each of its change times, measured from `start`, on the calling
    coroutine's executor; returns after the last one, or early when cancelled (then nothing more
    is applied; call `clear` yourself). Changes due before the call are applied at once, in
    order. */
inline boost::asio::awaitable<void> run_timeline(std::shared_ptr<failure_timeline> timeline,
                                                 std::chrono::steady_clock::time_point start) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (double t : timeline->times()) {
    if (!(t < 1e9)) co_return;  // beyond any run (30 years): the clock cannot hold it anyway
    timer.expires_at(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(t)));
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (ec) co_return;  // cancelled: the run is over
    timeline->apply_at(t);
  }
}

}  // namespace stress_testing::fault

#endif
