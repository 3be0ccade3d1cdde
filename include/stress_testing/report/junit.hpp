#ifndef STRESS_TESTING_REPORT_JUNIT_HPP
#define STRESS_TESTING_REPORT_JUNIT_HPP

/** JUnit XML (the Jenkins/Ant shape CI servers read) from results documents: one `<testsuite>`
    per run, one `<testcase>` per success criterion (name = the expression, classname = the
    scenario), plus "all requests accounted" and "run status"; and from a `comparison` (one
    testcase per compared metric and criterion). Pure layer: std and nlohmann_json. A
    `run::run_result` converts through `report::to_json`. Mapping in docs/exporters.md. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/schema.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::report {

/// One `<testcase>`.
struct junit_case {
  enum class kind { passed, failure, skipped };
  std::string name;
  std::string classname;
  double time_seconds = 0;
  junit_case::kind result = kind::passed;
  std::string message;  ///< `message` attribute of `<failure>` / `<skipped>`
  std::string detail;   ///< text inside `<failure>` (may be empty)
  std::string type;     ///< `type` attribute of `<failure>`: criterion, accounting, status, regression
};

/// One `<testsuite>`.
struct junit_suite {
  std::string name;
  std::string timestamp;  ///< `YYYY-MM-DDThh:mm:ss` (UTC), or empty
  double time_seconds = 0;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<junit_case> cases;

  std::size_t tests() const noexcept { return cases.size(); }
  std::size_t failures() const noexcept { return count(junit_case::kind::failure); }
  std::size_t skipped() const noexcept { return count(junit_case::kind::skipped); }

 private:
  std::size_t count(junit_case::kind k) const noexcept {
    std::size_t n = 0;
    for (auto const& c : cases) n += c.result == k ? 1 : 0;
    return n;
  }
};

namespace detail {

/** XML 1.0 escaping for text and attribute values: `& < > " '`, tab/LF/CR as character
    references (so attribute values keep them), other control characters (not allowed in XML
    1.0) replaced by `?`. */
inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) out += '?';
        else out += ch;
    }
  }
  return out;
}

inline std::string junit_seconds(double s) {
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%.3f", std::isfinite(s) && s > 0 ? s : 0.0);
  return buf.data();
}

inline std::string junit_number(double v) {
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%.6g", v);
  return buf.data();
}

/// ISO 8601 as written by the results document, cut to `YYYY-MM-DDThh:mm:ss` (the Ant schema's
/// pattern: no fraction, no zone; the document's times are UTC).
inline std::string junit_timestamp(const nlohmann::json& v) {
  if (!v.is_string()) return {};
  auto s = v.get<std::string>();
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return {};
  return s.substr(0, 19);
}

inline const nlohmann::json& junit_field(const nlohmann::json& doc, const std::string& key, const std::string& path) {
  if (!doc.is_object() || !doc.contains(key)) throw std::invalid_argument("missing field " + path);
  return doc[key];
}

}  // namespace detail

/** The test suite of one results document (docs/results.md). Throws `std::invalid_argument`
    naming the field when the document is not a results document or lacks one.

    - one case per criterion: passed / `<failure>` ("p99_response_time_ms = 30.2, expected < 25")
      / `<skipped>` for `no_data`, and for `inconclusive` (a latency criterion of a run whose
      generator was limited; the message gives the actual value and the generator's reason);
    - "all requests accounted": failure when `accounting.balanced` is false;
    - "run status": COMPLETED passes (skipped when the document's `verdict` is `inconclusive`),
      FAILED is a failure (message: `status_reason`), CANCELLED is skipped; its time is the
      run's elapsed time. */
inline junit_suite junit_suite_of(const nlohmann::json& results) {
  using detail::junit_field;
  if (!is_results_document(results))
    throw std::invalid_argument("not a results document (schema is not \"stress_testing.results\")");
  junit_suite s;
  auto const& sc = junit_field(results, "scenario", "scenario");
  s.name = sc.is_object() ? sc.value("scenario_id", std::string()) : std::string();
  if (s.name.empty() && sc.is_object()) s.name = sc.value("name", std::string());
  if (s.name.empty()) s.name = "scenario";
  s.timestamp = detail::junit_timestamp(results.value("started_at", nlohmann::json()));
  auto const& elapsed = junit_field(results, "elapsed_seconds", "elapsed_seconds");
  if (!elapsed.is_number()) throw std::invalid_argument("elapsed_seconds: expected a number");
  s.time_seconds = elapsed.get<double>();
  auto const& status_v = junit_field(results, "status", "status");
  if (!status_v.is_string()) throw std::invalid_argument("status: expected a string");
  auto const status = status_v.get<std::string>();
  auto const reason = results.value("status_reason", std::string());
  auto const run_verdict = results.value("verdict", std::string());
  std::string generator_reason;
  if (auto const g = results.find("generator"); g != results.end() && g->is_object())
    generator_reason = g->value("reason", std::string());

  if (sc.is_object() && sc.contains("name") && sc["name"].is_string())
    s.properties.emplace_back("scenario_name", sc["name"].get<std::string>());
  if (results.contains("seed") && results["seed"].is_number_integer())
    s.properties.emplace_back("seed", std::to_string(results["seed"].get<std::int64_t>()));
  s.properties.emplace_back("status", status);
  s.properties.emplace_back("status_reason", reason);

  auto const& cs = junit_field(results, "criteria", "criteria");
  if (!cs.is_array()) throw std::invalid_argument("criteria: expected an array");
  for (std::size_t i = 0; i < cs.size(); ++i) {
    auto const& c = cs[i];
    std::string const path = "criteria[" + std::to_string(i) + "]";
    auto const& expr = junit_field(c, "expression", path + ".expression");
    auto const& verdict = junit_field(c, "verdict", path + ".verdict");
    if (!expr.is_string() || !verdict.is_string())
      throw std::invalid_argument(path + ": expression and verdict must be strings");
    junit_case tc;
    tc.name = expr.get<std::string>();
    tc.classname = s.name;
    auto const v = verdict.get<std::string>();
    auto const description = c.value("description", std::string());
    if (v == "fail") {
      tc.result = junit_case::kind::failure;
      tc.type = "criterion";
      std::string why;
      auto const parsed = parse_criterion(tc.name, why);
      auto const actual = c.contains("actual") && c["actual"].is_number()
                              ? detail::junit_number(c["actual"].get<double>())
                              : std::string("no value");
      if (parsed)
        tc.message = parsed->metric + " = " + actual + ", expected " + std::string(to_string(parsed->op)) + " " +
                     detail::junit_number(parsed->threshold);
      else
        tc.message = tc.name + " failed (actual " + actual + ")";
      tc.detail = description.empty() ? tc.message : description + ": " + tc.message;
      if (c.value("abort_on_fail", false)) tc.detail += " (abort_on_fail)";
    } else if (v == "no_data") {
      tc.result = junit_case::kind::skipped;
      tc.message = "no data: the run produced no value for this metric";
    } else if (v == "inconclusive") {
      tc.result = junit_case::kind::skipped;
      auto const actual = c.contains("actual") && c["actual"].is_number()
                              ? detail::junit_number(c["actual"].get<double>())
                              : std::string("no value");
      tc.message = "inconclusive: the load generator could not keep up, so this latency (actual " + actual +
                   ") describes the generator as much as the target";
      if (!generator_reason.empty()) tc.message += " (" + generator_reason + ")";
    } else if (v != "pass") {
      throw std::invalid_argument(path + ".verdict: expected pass, fail, no_data or inconclusive");
    }
    s.cases.push_back(std::move(tc));
  }

  auto const& acc = junit_field(results, "accounting", "accounting");
  junit_case accounted;
  accounted.name = "all requests accounted";
  accounted.classname = s.name;
  auto const& balanced = junit_field(acc, "balanced", "accounting.balanced");
  if (!balanced.is_boolean()) throw std::invalid_argument("accounting.balanced: expected true or false");
  if (!balanced.get<bool>()) {
    std::uint64_t sum = 0;
    if (acc.contains("outcomes") && acc["outcomes"].is_object())
      for (auto const& [k, n] : acc["outcomes"].items())
        if (n.is_number_integer() && n.get<std::int64_t>() >= 0) sum += n.get<std::uint64_t>();
    accounted.result = junit_case::kind::failure;
    accounted.type = "accounting";
    accounted.message = "intended " + acc.value("intended", nlohmann::json(0)).dump() + " != sum of outcomes " +
                        std::to_string(sum);
    if (auto const not_sent = acc.value("not_sent_at_stop", nlohmann::json(0)); not_sent != 0)
      accounted.message += " + not sent at stop " + not_sent.dump();
    accounted.detail = accounted.message;
  }
  s.cases.push_back(std::move(accounted));

  junit_case run;
  run.name = "run status";
  run.classname = s.name;
  run.time_seconds = s.time_seconds;
  if (status == "FAILED") {
    run.result = junit_case::kind::failure;
    run.type = "status";
    run.message = "run FAILED: " + reason;
    run.detail = run.message;
  } else if (status != "COMPLETED") {
    run.result = junit_case::kind::skipped;
    run.message = "run " + status + ": " + reason;
  } else if (run_verdict == "inconclusive") {
    run.result = junit_case::kind::skipped;
    run.message = "run INCONCLUSIVE: " + reason;
  }
  s.cases.push_back(std::move(run));
  return s;
}

/** The test suite of a comparison: one case per compared metric (classname `compare.metrics`;
    failure on regression, skipped when a side has no value), one per criterion whose verdict
    exists in the new run (`compare.criteria`), and "status". */
inline junit_suite junit_suite_of(const comparison& c) {
  junit_suite s;
  s.name = "compare " + (c.current_scenario.empty() ? std::string("results") : c.current_scenario);
  for (auto const& m : c.metrics) {
    junit_case tc;
    tc.name = m.rule.metric;
    tc.classname = "compare.metrics";
    if (!m.base || !m.current) {
      tc.result = junit_case::kind::skipped;
      tc.message = std::string("no value in the ") + (!m.base ? "base" : "new") + " run";
    } else if (m.regression) {
      tc.result = junit_case::kind::failure;
      tc.type = "regression";
      tc.message = m.rule.metric + " " + detail::junit_number(*m.base) + " -> " + detail::junit_number(*m.current) +
                   ", threshold " + to_string(m.rule);
      tc.detail = tc.message;
    }
    s.cases.push_back(std::move(tc));
  }
  for (auto const& cc : c.criteria) {
    if (!cc.current_verdict) continue;
    junit_case tc;
    tc.name = cc.expression;
    tc.classname = "compare.criteria";
    if (cc.regression) {
      tc.result = junit_case::kind::failure;
      tc.type = "regression";
      tc.message = cc.expression + ": " + cc.base_verdict.value_or("(absent)") + " -> " + *cc.current_verdict;
      tc.detail = tc.message;
    }
    s.cases.push_back(std::move(tc));
  }
  junit_case st;
  st.name = "status";
  st.classname = "compare";
  if (c.status_regression) {
    st.result = junit_case::kind::failure;
    st.type = "regression";
    st.message = "status " + c.base_status + " -> " + c.current_status;
    st.detail = st.message;
  }
  s.cases.push_back(std::move(st));
  return s;
}

/// The XML document of `suites` inside one `<testsuites>`, with totals, UTF-8, escaped.
inline std::string to_junit_xml(const std::vector<junit_suite>& suites) {
  using detail::xml_escape;
  std::size_t tests = 0, failures = 0, skipped = 0;
  double time = 0;
  for (auto const& s : suites) {
    tests += s.tests();
    failures += s.failures();
    skipped += s.skipped();
    time += s.time_seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"stress_testing\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
         detail::junit_seconds(time) + "\">\n";
  for (std::size_t i = 0; i < suites.size(); ++i) {
    auto const& s = suites[i];
    out += "  <testsuite name=\"" + xml_escape(s.name) + "\" id=\"" + std::to_string(i) + "\" tests=\"" +
           std::to_string(s.tests()) + "\" failures=\"" + std::to_string(s.failures()) + "\" errors=\"0\" skipped=\"" +
           std::to_string(s.skipped()) + "\" time=\"" + detail::junit_seconds(s.time_seconds) + "\"";
    if (!s.timestamp.empty()) out += " timestamp=\"" + xml_escape(s.timestamp) + "\"";
    out += ">\n";
    if (!s.properties.empty()) {
      out += "    <properties>\n";
      for (auto const& [k, v] : s.properties)
        out += "      <property name=\"" + xml_escape(k) + "\" value=\"" + xml_escape(v) + "\"/>\n";
      out += "    </properties>\n";
    }
    for (auto const& c : s.cases) {
      out += "    <testcase name=\"" + xml_escape(c.name) + "\" classname=\"" + xml_escape(c.classname) +
             "\" time=\"" + detail::junit_seconds(c.time_seconds) + "\"";
      switch (c.result) {
        case junit_case::kind::passed: out += "/>\n"; break;
        case junit_case::kind::skipped: out += ">\n      <skipped message=\"" + xml_escape(c.message) + "\"/>\n    </testcase>\n"; break;
        case junit_case::kind::failure:
          out += ">\n      <failure message=\"" + xml_escape(c.message) + "\" type=\"" +
                 xml_escape(c.type.empty() ? std::string("failure") : c.type) + "\">" + xml_escape(c.detail) +
                 "</failure>\n    </testcase>\n";
          break;
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

/// JUnit XML of one results document (`to_junit_xml({junit_suite_of(results)})`).
inline std::string to_junit(const nlohmann::json& results) { return to_junit_xml({junit_suite_of(results)}); }

/// JUnit XML of several results documents, one `<testsuite>` each.
inline std::string to_junit(const std::vector<nlohmann::json>& results) {
  std::vector<junit_suite> suites;
  for (auto const& r : results) suites.push_back(junit_suite_of(r));
  return to_junit_xml(suites);
}

/// JUnit XML of a comparison.
inline std::string to_junit(const comparison& c) { return to_junit_xml({junit_suite_of(c)}); }

}  // namespace stress_testing::report

#endif
