#ifndef STRESS_TESTING_TIMESTAMP_HPP
#define STRESS_TESTING_TIMESTAMP_HPP

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stress_testing {

/// A wall-clock instant with microsecond precision, serialised as ISO 8601 UTC
/// (`2026-11-27T02:18:25.123456Z`). Microseconds keep JSON round trips exact.
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// Now, truncated to the precision a `timestamp` keeps.
inline timestamp now_timestamp() {
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/// `2026-11-27T02:18:25.123456Z`: always six fraction digits, always UTC.
inline std::string format_timestamp(timestamp t) {
  using namespace std::chrono;
  auto const day = floor<days>(t);
  year_month_day const ymd{day};
  auto const us = (t - day).count();  // microseconds into the day, >= 0 by floor
  auto const secs = us / 1'000'000;
  auto const frac = us % 1'000'000;
  char buf[40];
  auto put = [&buf](int pos, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[pos + i] = static_cast<char>('0' + v % 10);
  };
  int const y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) return "0000-00-00T00:00:00.000000Z";  // outside ISO 8601's 4 digits
  put(0, y, 4);
  buf[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  buf[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  buf[10] = 'T';
  put(11, secs / 3600, 2);
  buf[13] = ':';
  put(14, secs / 60 % 60, 2);
  buf[16] = ':';
  put(17, secs % 60, 2);
  buf[19] = '.';
  put(20, frac, 6);
  buf[26] = 'Z';
  return std::string(buf, 27);
}

/** Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+00:00]` (what `format_timestamp` and Python's
    `datetime.isoformat()` write; a space may stand for `T`). Offsets other than UTC are applied.
    Digits beyond microseconds are truncated. Returns nullopt for anything else. */
inline std::optional<timestamp> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  std::size_t i = 0;
  auto num = [&](int width, int& out) {
    if (i + static_cast<std::size_t>(width) > s.size()) return false;
    out = 0;
    for (int k = 0; k < width; ++k, ++i) {
      char const c = s[i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  auto lit = [&](char c) {
    if (i < s.size() && s[i] == c) { ++i; return true; }
    return false;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!num(4, y) || !lit('-') || !num(2, mo) || !lit('-') || !num(2, d)) return std::nullopt;
  if (!(lit('T') || lit(' '))) return std::nullopt;
  if (!num(2, h) || !lit(':') || !num(2, mi) || !lit(':') || !num(2, se)) return std::nullopt;
  if (h > 23 || mi > 59 || se > 59) return std::nullopt;
  std::int64_t micros = 0;
  if (lit('.')) {
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (int k = digits; k < 6; ++k) micros *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (lit('Z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int const sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh = 0, om = 0;
    if (!num(2, oh) || !lit(':') || !num(2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (i != s.size()) return std::nullopt;
  year_month_day const ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return timestamp{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{se} + microseconds{micros} -
         minutes{offset_minutes};
}

}  // namespace stress_testing

#endif
