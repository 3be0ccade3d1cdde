#ifndef STRESS_TESTING_TARGET_HTTP_SERVER_TIMING_HPP
#define STRESS_TESTING_TARGET_HTTP_SERVER_TIMING_HPP

#include <charconv>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace stress_testing::target::http {

/** Parses a W3C `Server-Timing` header value, e.g.
    `db;dur=53.2, cache;desc="Cache Read";dur=23.2, miss`, calling `f(name, duration_ms)` for
    each metric that has a `dur` parameter (metrics without one carry no timing and are skipped;
    malformed entries are skipped, never fatal). Returns the number of timings reported. Pure,
    allocation-free; quoted parameter values may contain commas and semicolons. */
template <class F>
std::size_t parse_server_timing(std::string_view value, F&& f) {
  std::size_t reported = 0;
  std::size_t i = 0;
  auto const n = value.size();
  auto skip_ws = [&] {
    while (i < n && (value[i] == ' ' || value[i] == '\t')) ++i;
  };
  auto token_end = [&](std::size_t from) {
    while (from < n && value[from] != ',' && value[from] != ';' && value[from] != '=' && value[from] != ' ' &&
           value[from] != '\t')
      ++from;
    return from;
  };
  while (i < n) {
    skip_ws();
    std::size_t const name_end = token_end(i);
    std::string_view const name = value.substr(i, name_end - i);
    i = name_end;
    bool have_dur = false;
    double dur = 0;
    bool entry_ok = !name.empty();
    // Parameters: ;key=value or ;key="quoted"
    while (true) {
      skip_ws();
      if (i >= n || value[i] == ',') break;
      if (value[i] != ';') {  // junk: skip to the next entry
        entry_ok = false;
        while (i < n && value[i] != ',') {
          if (value[i] == '"') {
            ++i;
            while (i < n && value[i] != '"') i += value[i] == '\\' ? 2 : 1;
          }
          ++i;
        }
        break;
      }
      ++i;
      skip_ws();
      std::size_t const key_end = token_end(i);
      std::string_view const key = value.substr(i, key_end - i);
      i = key_end;
      skip_ws();
      std::string_view param;
      if (i < n && value[i] == '=') {
        ++i;
        skip_ws();
        if (i < n && value[i] == '"') {
          std::size_t const start = ++i;
          while (i < n && value[i] != '"') i += value[i] == '\\' ? 2 : 1;
          param = value.substr(start, (i < n ? i : n) - start);
          if (i < n) ++i;
        } else {
          std::size_t const end = token_end(i);
          param = value.substr(i, end - i);
          i = end;
        }
      }
      if (!have_dur && key.size() == 3 && (key[0] | 0x20) == 'd' && (key[1] | 0x20) == 'u' && (key[2] | 0x20) == 'r') {
        auto const [end, ec] = std::from_chars(param.data(), param.data() + param.size(), dur);
        have_dur = ec == std::errc{} && end == param.data() + param.size() && dur >= 0;
      }
    }
    if (entry_ok && have_dur) {
      f(name, dur);
      ++reported;
    }
    if (i < n && value[i] == ',') ++i;
  }
  return reported;
}

}  // namespace stress_testing::target::http

#endif
