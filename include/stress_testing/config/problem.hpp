#ifndef STRESS_TESTING_CONFIG_PROBLEM_HPP
#define STRESS_TESTING_CONFIG_PROBLEM_HPP

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing {

/** One thing wrong with a configuration: where (`load_profile.peak_tps`,
    `failure_scenarios[2].severity`; empty for the document itself) and why. */
struct config_problem {
  std::string path;
  std::string reason;

  friend bool operator==(const config_problem&, const config_problem&) = default;
};

/// `path: reason`, or just the reason for the document itself.
inline std::string to_string(const config_problem& p) {
  return p.path.empty() ? p.reason : p.path + ": " + p.reason;
}

/** Thrown by the throwing forms of the configuration functions. Carries *every* problem found,
    not only the first, and `what()` lists them one per line. */
class config_error : public std::runtime_error {
 public:
  config_error(std::string const& source, std::vector<config_problem> problems)
      : std::runtime_error(make_message(source, problems)), problems_(std::move(problems)) {}

  const std::vector<config_problem>& problems() const noexcept { return problems_; }

 private:
  static std::string make_message(std::string const& source, std::vector<config_problem> const& ps) {
    std::string m = source.empty() ? std::string("invalid configuration") : "invalid configuration in " + source;
    m += " (" + std::to_string(ps.size()) + (ps.size() == 1 ? " problem)" : " problems)");
    for (auto const& p : ps) m += "\n  " + to_string(p);
    return m;
  }

  std::vector<config_problem> problems_;
};

}  // namespace stress_testing

#endif
