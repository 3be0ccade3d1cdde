#ifndef STRESS_TESTING_REPORT_SCHEMA_HPP
#define STRESS_TESTING_REPORT_SCHEMA_HPP

/** What makes a JSON document a results document (docs/results.md): the one check every reader
    of results.json makes first (exporters, compare, merge, the shard follower), so a document
    whose `schema` is missing or not even a string is refused by name rather than by a JSON
    library's type error. Files layer: nlohmann_json only. */

#include <nlohmann/json.hpp>

namespace stress_testing::report {

/// Identifies the document; bump `results_schema_version` on any incompatible change.
inline constexpr const char* results_schema = "stress_testing.results";
// 2: nulls for unknown figures, request-resolution windows, verdict, percentile CIs;
// 3: accounting.not_sent_at_stop (a stopped run's unsent rest, no outcome) replaces dropped_at_stop;
//    histograms in HdrHistogram V2.
inline constexpr int results_schema_version = 3;

/// An object whose `schema` is the string `results_schema`.
inline bool is_results_document(const nlohmann::json& j) noexcept {
  if (!j.is_object()) return false;
  auto const it = j.find("schema");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == results_schema;
}

}  // namespace stress_testing::report

#endif
