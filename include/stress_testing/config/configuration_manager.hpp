#ifndef STRESS_TESTING_CONFIG_CONFIGURATION_MANAGER_HPP
#define STRESS_TESTING_CONFIG_CONFIGURATION_MANAGER_HPP

/** `ConfigurationManager` of the seed: default configurations, saving and loading them (and
    scenarios) as JSON files in a directory, with full validation on load. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/config/problem.hpp>
#include <stress_testing/config/validation.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace stress_testing {

/** Creates, saves and loads configurations.

    Loading never half-loads: a file is parsed, read and validated completely, and a value is
    returned only when nothing is wrong; otherwise every problem is reported with its JSON path.
    Saving writes a temporary file and renames it over the target, so a crash mid-write leaves
    the previous file intact. Not thread-safe for concurrent saves of the same file name. */
class configuration_manager {
 public:
  /// Files go to `config_dir` (created on first save). The seed's default directory.
  explicit configuration_manager(std::filesystem::path config_dir = "stress_testing/configs")
      : config_dir_(std::move(config_dir)) {}

  const std::filesystem::path& config_dir() const noexcept { return config_dir_; }

  /** The seed's defaults: 60 s ramps, 10 workers, dev environment, failure injection and
      presentation mode off, real-time metrics on; `test_id` is `test_YYYYMMDD_HHMMSS` (UTC). */
  stress_test_config create_default_config(std::string test_name, double target_tps = 1000,
                                           double duration_seconds = 300) const {
    stress_test_config c;
    c.created_at = now_timestamp();
    auto const stamp = format_timestamp(c.created_at);  // 2026-11-27T02:18:25.123456Z
    c.test_id = "test_" + stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "_" + stamp.substr(11, 2) +
                stamp.substr(14, 2) + stamp.substr(17, 2);
    c.test_name = std::move(test_name);
    c.target_tps = target_tps;
    c.duration_seconds = duration_seconds;
    c.ramp_up_seconds = 60;
    c.ramp_down_seconds = 60;
    c.num_workers = 10;
    c.enable_failure_injection = false;
    c.enable_presentation_mode = false;
    c.enable_real_time_metrics = true;
    c.test_environment = "dev";
    return c;
  }

  /** Writes `config` as JSON to `config_dir/filename` (default `<test_id>.json`) and returns the
      path. Throws `std::system_error` on I/O failure. */
  std::filesystem::path save_config(const stress_test_config& config, std::string filename = {}) const {
    if (filename.empty()) filename = config.test_id + ".json";
    return write_file(config_dir_ / filename, nlohmann::json(config));
  }

  /// Same for a scenario (default file name `<scenario_id>.json`).
  std::filesystem::path save_scenario(const test_scenario& scenario, std::string filename = {}) const {
    if (filename.empty()) filename = scenario.scenario_id + ".json";
    return write_file(config_dir_ / filename, nlohmann::json(scenario));
  }

  /** Loads and validates a configuration file. On any problem returns nullopt and appends every
      problem to `problems` (a missing or unreadable file is one problem). */
  static std::optional<stress_test_config> load_config(const std::filesystem::path& path,
                                                        std::vector<config_problem>& problems) {
    return load<stress_test_config>(path, problems);
  }

  /// Throwing form: `config_error` naming the file and listing every problem.
  static stress_test_config load_config(const std::filesystem::path& path) {
    return load_or_throw<stress_test_config>(path);
  }

  static std::optional<test_scenario> load_scenario(const std::filesystem::path& path,
                                                    std::vector<config_problem>& problems) {
    return load<test_scenario>(path, problems);
  }

  static test_scenario load_scenario(const std::filesystem::path& path) { return load_or_throw<test_scenario>(path); }

  /// `validate_config` of the seed: (valid, every problem as "path: reason").
  static std::pair<bool, std::vector<std::string>> validate_config(const stress_test_config& config) {
    std::vector<config_problem> problems;
    validate(config, problems);
    std::vector<std::string> messages;
    for (auto const& p : problems) messages.push_back(to_string(p));
    return {problems.empty(), std::move(messages)};
  }

 private:
  template <class T>
  static std::optional<T> load(const std::filesystem::path& path, std::vector<config_problem>& problems) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::error_code ec;
      bool const exists = std::filesystem::exists(path, ec);
      problems.push_back({"", exists ? "cannot read " + path.string() : "no such file: " + path.string()});
      return std::nullopt;
    }
    std::error_code size_ec;
    if (auto const size = std::filesystem::file_size(path, size_ec); !size_ec && size > config_json_limits.max_bytes) {
      problems.push_back({"", path.string() + " is larger than " + std::to_string(config_json_limits.max_bytes) +
                                  " bytes: not a configuration"});
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto j = parse_json_text(text.str(), problems);
    if (!j) return std::nullopt;
    return read_json<T>(*j, problems);
  }

  template <class T>
  static T load_or_throw(const std::filesystem::path& path) {
    std::vector<config_problem> problems;
    auto v = load<T>(path, problems);
    if (!v) throw config_error(path.string(), std::move(problems));
    return *std::move(v);
  }

  static std::filesystem::path write_file(const std::filesystem::path& path, const nlohmann::json& j) {
    detail::write_file_atomically(path, j.dump(2) + "\n");
    return path;
  }

  std::filesystem::path config_dir_;
};

}  // namespace stress_testing

#endif
