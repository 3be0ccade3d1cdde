// libFuzzer entry point for every parser of outside input (docs/security.md, tests/fuzz/README.md).
// One binary, so that one clang compile serves every target: the first byte of an input picks the
// parser (byte % parser_count), the rest is the parser's input. STRESS_TESTING_FUZZ_ONLY=<name>
// pins one parser (then the whole input is its input), for a bounded pass per target.
//
// What counts as a finding: a crash, a sanitizer report, a hang or unbounded memory. Parsers may
// refuse input (an exception of the types they document, or a problem list); anything else
// escaping is a bug too, so only the documented exception types are caught.

#include <stress_testing/config/json.hpp>
#include <stress_testing/criteria.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/fault/proxy/json.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/target/http/header_field.hpp>
#include <stress_testing/target/http/response_sink.hpp>
#include <stress_testing/target/http/server_timing.hpp>
#include <stress_testing/target/http/url.hpp>

#include <boost/asio/buffer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = stress_testing;

void scenario_json(std::string_view in) {
  std::vector<st::config_problem> problems;
  if (auto j = st::parse_json_text(in, problems)) {
    (void)st::read_json<st::test_scenario>(*j, problems);
    (void)st::read_json<st::stress_test_config>(*j, problems);
  }
}

void criterion_text(std::string_view in) {
  std::string why;
  if (auto c = st::parse_criterion(in, why, st::metric_check::any)) (void)st::to_string(*c);
}

void server_timing(std::string_view in) {
  double sum = 0;
  st::target::http::parse_server_timing(in, [&sum](std::string_view, double ms) { sum += ms; });
}

void fault_spec(std::string_view in) {
  std::vector<std::string> problems;
  (void)st::fault::parse_fault_text(in, problems);
  std::string why;
  if (auto j = st::detail::try_parse_bounded_json(in, why, {.max_depth = 16, .max_bytes = 64u << 10}))
    (void)st::fault::parse_fault_spec(*j, problems);
}

void results_reader(std::string_view in) {
  std::string why;
  auto j = st::detail::try_parse_bounded_json(in, why);
  if (!j) return;
  try {
    (void)st::report::to_prometheus(*j);
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)st::report::to_junit(*j);
  } catch (const std::invalid_argument&) {
  }
}

void histogram_decoder(std::string_view in) {
  (void)st::metrics::histogram::try_from_base64(in);
  std::vector<std::uint8_t> bytes(in.begin(), in.end());
  (void)st::metrics::histogram::try_decode(bytes);
}

void http_response(std::string_view in) {
  // As the HTTP target feeds it: limits set, eager, input in arbitrary pieces (the first byte
  // after the selector sets the piece size), a fresh parser after each interim response.
  std::string body, timing;
  st::target::http::response_sink sink(body, 64, timing);
  sink.eager(true);
  sink.header_limit(16 * 1024);
  sink.body_limit(1u << 20);
  std::size_t const piece = in.empty() ? 1 : 1 + static_cast<unsigned char>(in[0]) % 64;
  std::string pending;
  for (std::size_t at = in.empty() ? 0 : 1; at < in.size(); at += piece) {
    pending.append(in.substr(at, piece));
    boost::beast::error_code ec;
    auto const used = sink.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == boost::beast::http::error::need_more) continue;
    if (ec || sink.is_done()) return;
  }
}

void url_and_header(std::string_view in) {
  (void)st::target::http::url::parse(in);
  auto const colon = in.find(':');
  if (colon != std::string_view::npos) (void)st::target::http::header_field_problem(in.substr(0, colon), in.substr(colon + 1));
}

struct parser {
  const char* name;
  void (*run)(std::string_view);
};

constexpr std::array<parser, 8> parsers{{{"scenario_json", scenario_json},
                                         {"criterion_text", criterion_text},
                                         {"server_timing", server_timing},
                                         {"fault_spec", fault_spec},
                                         {"results_reader", results_reader},
                                         {"histogram_decoder", histogram_decoder},
                                         {"http_response", http_response},
                                         {"url_and_header", url_and_header}}};

const parser* pinned() {
  static const parser* const p = [] () -> const parser* {
    const char* only = std::getenv("STRESS_TESTING_FUZZ_ONLY");
    if (only == nullptr) return nullptr;
    for (auto const& q : parsers)
      if (std::string_view(q.name) == only) return &q;
    std::abort();  // a typo must not fuzz nothing
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto const* p = pinned()) {
    p->run(in);
    return 0;
  }
  if (in.empty()) return 0;
  auto const& p = parsers[static_cast<unsigned char>(in[0]) % parsers.size()];
  p.run(in.substr(1));
  return 0;
}
