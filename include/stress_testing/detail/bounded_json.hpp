#ifndef STRESS_TESTING_DETAIL_BOUNDED_JSON_HPP
#define STRESS_TESTING_DETAIL_BOUNDED_JSON_HPP

/** The one way the project parses JSON that comes from outside (scenario and configuration files,
    results documents, `--presentation`, the dashboard's and the fault proxy's control bodies):
    with a bound on nesting depth and on size. nlohmann's parser itself is iterative, but a
    document nested 100,000 levels deep still overflows the stack later, in anything that walks
    it recursively (copies, `dump`, comparisons), and a large one costs memory without bound. The
    depth is checked while parsing (a callback that throws at the first value too deep), so such a
    document is never built. Files layer: nlohmann_json only. */

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::detail {

/// Bounds of one JSON input. The defaults suit the project's own documents: a results document
/// is nested 6 levels deep and a 2-hour soak sampled every 100 ms is about 70 MB.
struct json_limits {
  /// Objects and arrays open at once (the top level is depth 1).
  std::size_t max_depth = 64;
  /// Bytes of JSON text.
  std::size_t max_bytes = 256u << 20;
};

/// What `parse_bounded_json` throws: the reason, naming the limit exceeded or the syntax error.
class json_input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace bounded_json_impl {
struct too_deep {
  std::size_t depth;
};

/// Where the parser is, as a JSON path ("load_profile.sustained_tps", "phases[2]"), so that an
/// error in a value (a number out of range: `1e999`) names its field.
class path_tracker {
 public:
  void on(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using e = nlohmann::json::parse_event_t;
    switch (event) {
      case e::object_start: frames_.push_back({false, 0, {}}); break;
      case e::array_start: frames_.push_back({true, 0, {}}); break;
      case e::key:
        if (!frames_.empty() && parsed.is_string()) frames_.back().key = parsed.get_ref<const std::string&>();
        break;
      case e::object_end:
      case e::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
      case e::value: element_done(); break;
    }
  }

  std::string path() const {
    std::string out;
    for (auto const& f : frames_) {
      if (f.array) out += "[" + std::to_string(f.index) + "]";
      else if (!f.key.empty()) out += (out.empty() ? "" : ".") + f.key;
    }
    return out;
  }

 private:
  struct frame {
    bool array;
    std::size_t index;
    std::string key;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::vector<frame> frames_;
};
}  // namespace bounded_json_impl

/** Parses `text` within `limits`; throws `json_input_error` ("nested deeper than 64 levels",
    "larger than N bytes", or nlohmann's syntax message with its position). */
inline nlohmann::json parse_bounded_json(std::string_view text, const json_limits& limits = {}) {
  if (text.size() > limits.max_bytes)
    throw json_input_error("JSON text larger than " + std::to_string(limits.max_bytes) + " bytes (" +
                           std::to_string(text.size()) + ")");
  auto const max_depth = limits.max_depth;
  bounded_json_impl::path_tracker where;
  nlohmann::json::parser_callback_t const check = [max_depth, &where](int depth, nlohmann::json::parse_event_t event,
                                                                      nlohmann::json& parsed) {
    // `depth` is the enclosing level of the object or array being opened (0 at the top).
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth)
      throw bounded_json_impl::too_deep{static_cast<std::size_t>(depth) + 1};
    where.on(event, parsed);
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const bounded_json_impl::too_deep&) {
    throw json_input_error("JSON nested deeper than " + std::to_string(max_depth) + " levels");
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: users need the position.
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    if (auto const at = where.path(); !at.empty()) what += " (at " + at + ")";
    throw json_input_error(what);
  }
}

/// `parse_bounded_json`, or nullopt with the reason in `why`.
inline std::optional<nlohmann::json> try_parse_bounded_json(std::string_view text, std::string& why,
                                                            const json_limits& limits = {}) {
  try {
    return parse_bounded_json(text, limits);
  } catch (const json_input_error& e) {
    why = e.what();
    return std::nullopt;
  }
}

/** Reads and parses a JSON file within `limits` (a file larger than `max_bytes` is refused
    before it is read); throws `json_input_error` naming the file and its problem ("FILE: cannot
    read", "FILE: larger than N bytes", "FILE: not valid JSON: why"). */
inline nlohmann::json read_bounded_json_file(const std::filesystem::path& path, const json_limits& limits = {}) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw json_input_error("cannot read " + path.string());
  std::error_code ec;
  auto const size = std::filesystem::file_size(path, ec);
  if (!ec && size > limits.max_bytes)
    throw json_input_error(path.string() + ": larger than " + std::to_string(limits.max_bytes) + " bytes");
  std::string text;
  char chunk[64 * 1024];
  // In chunks, stopping one byte past the limit: a file that grows while read is still bounded.
  while (text.size() <= limits.max_bytes && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  try {
    return parse_bounded_json(text, limits);
  } catch (const json_input_error& e) {
    throw json_input_error(path.string() + ": not valid JSON: " + e.what());
  }
}

}  // namespace stress_testing::detail

#endif
