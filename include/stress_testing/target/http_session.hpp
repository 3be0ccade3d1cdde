#ifndef STRESS_TESTING_TARGET_HTTP_SESSION_HPP
#define STRESS_TESTING_TARGET_HTTP_SESSION_HPP

/** A scenario's session (`user_profile::session`, issue 15) as the HTTP target's steps
    (`http_target_options::steps`): each step's method, path and body, its body generator looked
    up by name in what the harness provides (stress-run's fraud workload: `fraud_transaction`,
    `fraud_feedback`). */

#include <stress_testing/models.hpp>
#include <stress_testing/target/http_target.hpp>

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::target {

/// A session step's body generator (`http_step::body_generator`).
using http_step_body = std::function<void(const http_step_request& request, std::string& out)>;

/** Fills `out` with `session`'s steps, in order. `generator_named(name)` returns the body
    generator of that name, or an empty function when there is none. Returns every problem,
    each naming its field under `path` (`user_profile.session[1].body_generator: unknown 'x'`);
    `out` is complete only when there is none. The paths are checked against the URL when the
    target is built (`http_target_options::problems`). */
inline std::vector<std::string> http_steps_of(const std::vector<session_step>& session,
                                              const std::function<http_step_body(std::string_view)>& generator_named,
                                              std::vector<http_step>& out, std::string const& path = "user_profile.session") {
  std::vector<std::string> problems;
  out.clear();
  for (std::size_t i = 0; i < session.size(); ++i) {
    auto const& s = session[i];
    auto const field = path + "[" + std::to_string(i) + "]";
    http_step step;
    step.name = s.name;
    step.method = boost::beast::http::string_to_verb(s.method);
    if (step.method == boost::beast::http::verb::unknown) problems.push_back(field + ".method: unknown '" + s.method + "'");
    step.path = s.path;
    if (s.body) step.body = *s.body;
    if (s.body_generator) {
      step.body_generator = generator_named ? generator_named(*s.body_generator) : http_step_body{};
      if (!step.body_generator) problems.push_back(field + ".body_generator: unknown '" + *s.body_generator + "'");
    }
    out.push_back(std::move(step));
  }
  return problems;
}

}  // namespace stress_testing::target

#endif
