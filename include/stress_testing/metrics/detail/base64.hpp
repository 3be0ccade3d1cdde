#ifndef STRESS_TESTING_METRICS_DETAIL_BASE64_HPP
#define STRESS_TESTING_METRICS_DETAIL_BASE64_HPP

/** Standard base64 (RFC 4648 section 4, `+` `/` alphabet, `=` padding) so that a binary histogram
    encoding can travel as a JSON string. Pure, std only. Decoding is strict: it accepts exactly
    what the encoder produces (no whitespace, no missing padding, no non-zero pad bits), so a
    damaged string is rejected here rather than producing different bytes. */

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::metrics::detail {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Sextet value of each byte, or -1 for bytes outside the alphabet (including `=`).
inline constexpr std::array<std::int8_t, 256> base64_sextets = [] {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < base64_alphabet.size(); ++i) {
    table[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}();

/// Encodes `bytes` as padded base64.
inline std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | std::uint32_t{bytes[i + 2]};
    out.push_back(base64_alphabet[(group >> 18) & 0x3Fu]);
    out.push_back(base64_alphabet[(group >> 12) & 0x3Fu]);
    out.push_back(base64_alphabet[(group >> 6) & 0x3Fu]);
    out.push_back(base64_alphabet[group & 0x3Fu]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) group |= std::uint32_t{bytes[i + 1]} << 8;
    out.push_back(base64_alphabet[(group >> 18) & 0x3Fu]);
    out.push_back(base64_alphabet[(group >> 12) & 0x3Fu]);
    out.push_back(rest == 2 ? base64_alphabet[(group >> 6) & 0x3Fu] : '=');
    out.push_back('=');
  }
  return out;
}

/** Decodes padded base64; `std::nullopt` if `text` is not exactly something `base64_encode`
    could have produced (bad length, foreign character, misplaced `=`, non-zero pad bits). */
inline std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    // Padding may only appear in the last group, as "xx==" or "xxx=".
    std::size_t padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      std::int8_t sextet = 0;
      if (k < 4 - padding) {
        sextet = base64_sextets[static_cast<unsigned char>(text[i + k])];
        if (sextet < 0) return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(sextet);
    }
    out.push_back(static_cast<std::uint8_t>(group >> 16));
    if (padding < 2) out.push_back(static_cast<std::uint8_t>(group >> 8));
    if (padding < 1) out.push_back(static_cast<std::uint8_t>(group));
    // Canonical form: the bits that padding discards must be zero.
    if (padding == 1 && (group & 0xFFu) != 0) return std::nullopt;
    if (padding == 2 && (group & 0xFFFFu) != 0) return std::nullopt;
  }
  return out;
}

}  // namespace stress_testing::metrics::detail

#endif
