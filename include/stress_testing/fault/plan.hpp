#ifndef STRESS_TESTING_FAULT_PLAN_HPP
#define STRESS_TESTING_FAULT_PLAN_HPP

/** The decisions of the in-process failure injectors (DESIGN.md §4), without I/O: given a
    request's sequence number and the time since the run started, what happens to it — an added
    delay, a failure instead of the real call, or no answer at all. `fault/inject.hpp` applies the
    decisions around any target. Pure and deterministic: probabilities come from a counter-based
    hash of (seed, fault, sequence), so the same seed makes the same decisions whatever the
    timing or the thread. */

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/detail/splitmix64.hpp>
#include <stress_testing/target/request_result.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace stress_testing::fault {

/** When a fault is active, in seconds since the run's start: `[start, end)` windows. No window
    means always. */
struct active_windows {
  struct window {
    double start_seconds = 0;
    double end_seconds = std::numeric_limits<double>::infinity();
  };
  std::vector<window> windows;

  static active_windows always() { return {}; }
  static active_windows between(double start_seconds, double end_seconds) {
    return {{window{start_seconds, end_seconds}}};
  }
  bool active_at(double t) const noexcept {
    if (windows.empty()) return true;
    for (auto const& w : windows)
      if (t >= w.start_seconds && t < w.end_seconds) return true;
    return false;
  }
};

/// Added latency before the request goes on (or before its injected failure is reported).
struct latency {
  delay_shape shape = delay_shape::fixed;
  double ms = 0;
  double max_ms = 0;
  double probability = 1;
  active_windows when;
};

/** Requests answered with an error instead of going on (`status` 0: a connection reset). The
    outcome is the status's classification unless `kind` says otherwise (DynamoDB throttles with
    a 400 that means `throttled`). */
struct errors {
  double probability = 0;
  unsigned status = 500;
  active_windows when;
  std::optional<outcome> kind;
};

/** A token bucket in front of the target, answering like a throttled AWS API: requests beyond
    `rate_per_second` (after a `burst`) get `status` and count as `throttled` whatever the status
    (DynamoDB's ProvisionedThroughputExceededException is a 400, Bedrock's ThrottlingException a
    429). With W workers each worker's bucket has rate/W and burst/W (no shared state). */
struct throttling {
  double rate_per_second = 0;
  double burst = 1;
  unsigned status = 429;
  active_windows when;
};

/// The target is down: every request fails at once (`status` 0: connection reset; e.g. 502).
struct crash {
  active_windows when;
  unsigned status = 0;
};

/// A black hole: the request is never answered (the engine's timeout ends it).
struct black_hole {
  double probability = 1;
  active_windows when;
};

/// The first `count` requests of the run fail (across all workers when the counter is shared).
struct fail_first {
  std::uint64_t count = 0;
  unsigned status = 0;
};

/// Extra latency on the first `calls` requests after the start and after each crash window.
struct cold_start {
  double extra_ms = 0;
  std::uint64_t calls = 0;
};

/// Every fault of one plan. `problems()` names each invalid field.
struct fault_plan_options {
  std::uint64_t seed = 1;
  std::vector<latency> latencies;
  std::vector<errors> error_faults;
  std::vector<throttling> throttles;
  std::vector<crash> crashes;
  std::vector<black_hole> black_holes;
  std::optional<fail_first> first;
  std::optional<cold_start> cold;

  /// No fault at all: an injector with this plan passes every request straight through.
  bool empty() const noexcept {
    return latencies.empty() && error_faults.empty() && throttles.empty() && crashes.empty() && black_holes.empty() &&
           !(first && first->count > 0) && !(cold && cold->calls > 0);
  }

  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    auto prob = [&](const std::string& path, double p) {
      if (!(p >= 0 && p <= 1)) out.push_back(path + ".probability: must be in [0, 1]");
    };
    auto windows = [&](const std::string& path, const active_windows& a) {
      for (std::size_t i = 0; i < a.windows.size(); ++i)
        if (!(a.windows[i].start_seconds >= 0) || !(a.windows[i].end_seconds > a.windows[i].start_seconds))
          out.push_back(path + ".when[" + std::to_string(i) + "]: must have 0 <= start < end");
    };
    for (std::size_t i = 0; i < latencies.size(); ++i) {
      auto const p = "latencies[" + std::to_string(i) + "]";
      auto const& l = latencies[i];
      if (!(l.ms >= 0) || !std::isfinite(l.ms)) out.push_back(p + ".ms: must be >= 0");
      if (l.shape != delay_shape::fixed && !(l.max_ms >= l.ms)) out.push_back(p + ".max_ms: must be >= ms");
      if (l.shape == delay_shape::long_tail && !(l.ms > 0)) out.push_back(p + ".ms: the median must be > 0");
      prob(p, l.probability);
      windows(p, l.when);
    }
    for (std::size_t i = 0; i < error_faults.size(); ++i) {
      auto const p = "error_faults[" + std::to_string(i) + "]";
      prob(p, error_faults[i].probability);
      windows(p, error_faults[i].when);
    }
    for (std::size_t i = 0; i < throttles.size(); ++i) {
      auto const p = "throttles[" + std::to_string(i) + "]";
      if (!(throttles[i].rate_per_second >= 0)) out.push_back(p + ".rate_per_second: must be >= 0");
      if (!(throttles[i].burst >= 1)) out.push_back(p + ".burst: must be >= 1");
      windows(p, throttles[i].when);
    }
    for (std::size_t i = 0; i < crashes.size(); ++i) windows("crashes[" + std::to_string(i) + "]", crashes[i].when);
    for (std::size_t i = 0; i < black_holes.size(); ++i) {
      auto const p = "black_holes[" + std::to_string(i) + "]";
      prob(p, black_holes[i].probability);
      windows(p, black_holes[i].when);
    }
    if (cold && !(cold->extra_ms >= 0)) out.push_back("cold.extra_ms: must be >= 0");
    return out;
  }
};

/// What happens to one request.
struct decision {
  std::chrono::nanoseconds delay{0};             ///< waited before going on / reporting
  std::optional<target::request_result> result;  ///< reported instead of calling the target
  bool black_hole = false;                        ///< never answered (until cancelled)

  bool passes_through() const noexcept { return delay.count() == 0 && !result && !black_hole; }
};

/** One worker's fault state: its throttling buckets and cold-start counter (each worker has its
    own), and the fail-first counter (shared by every worker's plan when they are built with the
    same `shared_counter`, so "the first N" is exact across workers). `decide` is not
    thread-safe; one plan per worker. */
class fault_plan {
 public:
  /** `workers` splits each throttle's rate and burst; `counter` is the fail-first counter to
      share between the plans of one run (a new one when null). Throws `std::invalid_argument`
      listing every problem of `options`. */
  explicit fault_plan(fault_plan_options options, std::size_t workers = 1,
                      std::shared_ptr<std::atomic<std::uint64_t>> counter = {})
      : options_(std::move(options)),
        counter_(counter ? std::move(counter) : std::make_shared<std::atomic<std::uint64_t>>(0)) {
    if (auto p = options_.problems(); !p.empty()) {
      std::string text = "fault_plan: ";
      for (std::size_t i = 0; i < p.size(); ++i) text += (i ? "; " : "") + p[i];
      throw std::invalid_argument(text);
    }
    double const share = 1.0 / static_cast<double>(workers == 0 ? 1 : workers);
    for (auto const& t : options_.throttles)
      buckets_.push_back(bucket{t.rate_per_second * share, std::max(1.0, t.burst * share),
                                std::max(1.0, t.burst * share), -1.0});
  }

  /// A counter to share between the plans of one run's workers (fail-first across workers).
  static std::shared_ptr<std::atomic<std::uint64_t>> shared_counter() {
    return std::make_shared<std::atomic<std::uint64_t>>(0);
  }

  /** Decides for request `sequence` at `t` seconds since the run's start. Order: a crash
      window fails it at once; then fail-first; a black hole swallows it; a throttle without a
      token answers throttled; an error fault answers its status; otherwise it goes on. Every
      active latency (and a cold start's extra) delays it, whatever was decided, except a crash
      (immediate) and a black hole (forever). */
  decision decide(std::uint64_t sequence, double t) {
    decision d;
    bool crashed = false;
    for (auto const& c : options_.crashes)
      if (c.when.active_at(t)) {
        d.result = failure(c.status);
        crashed = true;
        break;
      }
    if (crashed) {
      in_crash_ = true;
      return d;
    }
    if (in_crash_) {  // the first request after a crash window: the target starts cold again
      in_crash_ = false;
      calls_since_start_ = 0;
    }
    if (options_.first && options_.first->count > 0) {
      if (counter_->fetch_add(1, std::memory_order_relaxed) < options_.first->count)
        d.result = failure(options_.first->status);
    }
    std::uint64_t k = 0;  // fault index for independent random streams
    if (!d.result) {
      for (auto const& b : options_.black_holes) {
        ++k;
        if (b.when.active_at(t) && draw(k, sequence) < b.probability) {
          d.black_hole = true;
          return d;
        }
      }
    }
    k = 100;
    if (!d.result) {
      for (std::size_t i = 0; i < options_.throttles.size(); ++i) {
        auto const& th = options_.throttles[i];
        if (!th.when.active_at(t)) continue;
        if (!buckets_[i].take(t)) {
          d.result = target::request_result{outcome::throttled, th.status, 0, 0};
          break;
        }
      }
    }
    k = 200;
    if (!d.result) {
      for (auto const& e : options_.error_faults) {
        ++k;
        if (e.when.active_at(t) && draw(k, sequence) < e.probability) {
          d.result = failure(e.status);
          if (e.kind) d.result->kind = *e.kind;
          break;
        }
      }
    }
    double ms = 0;
    k = 300;
    for (auto const& l : options_.latencies) {
      k += 3;
      if (!l.when.active_at(t) || draw(k, sequence) >= l.probability) continue;
      ms += sample(l, draw(k + 1, sequence), draw(k + 2, sequence));
    }
    if (options_.cold && calls_since_start_ < options_.cold->calls) ms += options_.cold->extra_ms;
    ++calls_since_start_;
    d.delay = std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ms * 1e6)));
    return d;
  }

  const fault_plan_options& options() const noexcept { return options_; }

  /// A latency fault's delay for two uniform draws in [0, 1) (milliseconds).
  static double sample(const latency& l, double u1, double u2) noexcept {
    switch (l.shape) {
      case delay_shape::fixed: return l.ms;
      case delay_shape::uniform: return l.ms + (l.max_ms - l.ms) * u1;
      case delay_shape::long_tail: {
        // Log-normal: median m, 99th percentile p → sigma = ln(p / m) / z(0.99).
        double const sigma = std::log(l.max_ms / l.ms) / 2.3263478740408408;
        double const z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(6.283185307179586 * u2);
        return l.ms * std::exp(sigma * z);
      }
    }
    return l.ms;
  }

 private:
  struct bucket {
    double rate;
    double capacity;
    double tokens;
    double last;  // seconds; < 0 before the first request
    bool take(double t) noexcept {
      if (last >= 0 && t > last) tokens = std::min(capacity, tokens + (t - last) * rate);
      if (last < 0 || t > last) last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  };

  static target::request_result failure(unsigned status) noexcept {
    return status == 0 ? target::request_result::failure(outcome::io_error)
                       : target::request_result::from_http_status(status);
  }

  double draw(std::uint64_t fault, std::uint64_t sequence) const noexcept {
    return stress_testing::detail::to_unit(
        stress_testing::detail::counter_hash(stress_testing::detail::counter_hash(options_.seed, fault), sequence));
  }

  fault_plan_options options_;
  std::shared_ptr<std::atomic<std::uint64_t>> counter_;
  std::vector<bucket> buckets_;
  std::uint64_t calls_since_start_ = 0;
  bool in_crash_ = false;
};

}  // namespace stress_testing::fault

#endif
