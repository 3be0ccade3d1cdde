#ifndef STRESS_TESTING_DASHBOARD_REPORT_HPP
#define STRESS_TESTING_DASHBOARD_REPORT_HPP

/** The dashboard page in its two modes (docs/dashboard.md):
    - `render_report(results)`: static, self-contained HTML with the results document embedded
      in `<script id="results" type="application/json">` -- opens from disk, offline;
    - `live_page()`: for `server`, which the page polls (`/api/snapshot`, `/api/events`).

    The page itself comes from the generated header `<stress_testing/dashboard/assets.hpp>`
    (cmake/dashboard_assets.cmake): link `stress_testing::dashboard_assets`. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/dashboard/assets.hpp>
#include <stress_testing/dashboard/detail/script_json.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/profile/from_model.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <string_view>

namespace stress_testing::dashboard {

/// The page with `insert` in place of its data marker.
inline std::string page_with(std::string_view insert) {
  auto const page = assets::page();
  auto const at = page.find(assets::data_marker);
  std::string out;
  out.reserve(page.size() + insert.size());
  if (at == std::string_view::npos) {
    out.append(page);
    return out;
  }
  out.append(page.substr(0, at)).append(insert).append(page.substr(at + assets::data_marker.size()));
  return out;
}

/** The page in live mode (what `server_options::page` should be). It keeps the data marker, where
    the server inserts the document at the time of each `GET /` (so the page paints at once). */
inline std::string live_page() {
  return page_with(std::string(R"(<meta name="stress-testing-mode" content="live">)") + std::string(assets::data_marker));
}

/** Adds `planned_tps` (the profile's mean rate over the interval, what the schedule intended) to
    every interval of a results document that lacks it, from the document's own scenario. Leaves
    the document as it is when the scenario cannot be read or plans nothing (a closed model). */
inline void add_planned_rates(nlohmann::json& doc) {
  try {
    if (!doc.contains("scenario") || !doc.contains("intervals") || !doc["intervals"].is_array()) return;
    auto const scenario = doc["scenario"].get<test_scenario>();
    auto const profile = profile::make_profile(scenario.load_profile, scenario.duration_seconds);
    if (!(profile.cumulative(scenario.duration_seconds) > 0)) return;
    for (auto& i : doc["intervals"]) {
      if (i.contains("planned_tps") || !i["start_seconds"].is_number() || !i["end_seconds"].is_number()) continue;
      double const a = i["start_seconds"].get<double>();
      double const b = i["end_seconds"].get<double>();
      if (b > a) i["planned_tps"] = (profile.cumulative(b) - profile.cumulative(a)) / (b - a);
    }
  } catch (const std::exception&) {
    // Not a scenario we can read: the chart shows achieved throughput only.
  }
}

/// The static report: the page with `results` embedded (with planned rates added).
inline std::string render_report(nlohmann::json results) {
  add_planned_rates(results);
  return page_with(R"(<script id="results" type="application/json">)" + script_safe_json(results) + "</script>");
}

/** Writes the static report of `results` to `path` (through a temporary file renamed into
    place). Throws `std::system_error` on I/O failure. */
inline void write_report(const nlohmann::json& results, const std::filesystem::path& path) {
  stress_testing::detail::write_file_atomically(path, render_report(results));
}

}  // namespace stress_testing::dashboard

#endif
