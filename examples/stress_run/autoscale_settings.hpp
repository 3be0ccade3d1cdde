// `--autoscale MAX_SLOTS` and its knobs on every command that runs the sample service
// (serve-fraud, and the embedded target of scenario and capacity).
#ifndef STRESS_RUN_AUTOSCALE_SETTINGS_HPP
#define STRESS_RUN_AUTOSCALE_SETTINGS_HPP

#include "cli_util.hpp"

#include <fraud_service/options.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace stress_run {

/** `--autoscale MAX_SLOTS` and its knobs: the sample service's autoscaler
    (`fraud_service::autoscaling_options`; the README of examples/fraud_service). */
struct autoscale_settings {
  std::size_t max_slots = 0;  ///< 0: off
  std::size_t min_slots = 1;
  double threshold = 0.8;
  std::string sustain = "2s", cold_start = "1s", idle_after = "10s";

  void add_to(CLI::App& cmd, const char* who) {
    cmd.add_option("--autoscale", max_slots,
                   std::string(who) + ": scale the sample service's slots with its load, up to this many (from its "
                                      "starting slots; 0: off)");
    cmd.add_option("--autoscale-min", min_slots, "--autoscale: the fewest slots it scales in to")->check(CLI::PositiveNumber);
    cmd.add_option("--autoscale-threshold", threshold, "--autoscale: the utilization that adds slots")
        ->check(CLI::Range(0.01, 1.0));
    cmd.add_option("--autoscale-sustain", sustain, "--autoscale: how long utilization must stay at the threshold");
    cmd.add_option("--autoscale-cold-start", cold_start, "--autoscale: from the decision until a new slot serves");
    cmd.add_option("--autoscale-idle", idle_after,
                   "--autoscale: how long idle (utilization at most 0.3, or half the threshold) before a slot goes");
  }

  /** Into `o`, whose `max_concurrency` are the starting slots (`--autoscale-min` when the command
      line gave none: `slots_given` false); false with the option named on stderr when a
      duration is malformed. The service's own validation checks the rest. */
  bool apply(fraud_service::service_options& o, bool slots_given) const {
    if (max_slots == 0) return true;
    if (!slots_given) o.max_concurrency = min_slots;
    auto& a = o.autoscaling;
    a.enabled = true;
    a.max_slots = max_slots;
    a.min_slots = min_slots;
    a.threshold = threshold;
    a.idle_below = std::min(a.idle_below, threshold / 2);
    auto ms = [](const char* option, const std::string& text, std::chrono::milliseconds& out, bool zero_ok) {
      auto const s = parse_duration(text);
      if (!s || *s < 0 || (!zero_ok && *s == 0)) {
        std::fprintf(stderr, "stress-run: %s '%s': expected a duration such as 2s or 500ms\n", option, text.c_str());
        return false;
      }
      out = std::chrono::milliseconds(static_cast<std::int64_t>(*s * 1000 + 0.5));
      return true;
    };
    return ms("--autoscale-sustain", sustain, a.sustain, true) && ms("--autoscale-cold-start", cold_start, a.cold_start, true) &&
           ms("--autoscale-idle", idle_after, a.idle_after, false);
  }
};

}  // namespace stress_run

#endif
