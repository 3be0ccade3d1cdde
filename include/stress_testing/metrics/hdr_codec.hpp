#ifndef STRESS_TESTING_METRICS_HDR_CODEC_HPP
#define STRESS_TESTING_METRICS_HDR_CODEC_HPP

/** HdrHistogram's V2 encoding of a histogram, plain and zlib-compressed, and its base64 text
    (the `HISTF...` strings of HdrHistogram's interval logs), so HdrHistogram's libraries,
    HistogramLogAnalyzer and hdr-plot read our histograms and we read theirs.
    Layer `codec`: std + zlib (docs/architecture.md §2); link `ZLIB::ZLIB` (the
    `stress_testing::stress_testing` target does).

    The format, as HdrHistogram defines it (all integers big-endian):

    | offset | size | field |
    |---|---|---|
    | 0  | 4 | cookie: `0x1c849303` with `0x10` in the second nibble (`0x1c849313`), the nibble masked when read |
    | 4  | 4 | payload length in bytes |
    | 8  | 4 | normalizing index offset (written 0; read and ignored, as integer histograms have none) |
    | 12 | 4 | significant digits |
    | 16 | 8 | lowest discernible value |
    | 24 | 8 | highest trackable value |
    | 32 | 8 | integer-to-double conversion ratio (written as the double 1.0; ignored) |
    | 40 | n | counts from slot 0 to the slot of the maximum: ZigZag LEB128 (at most 9 bytes, the ninth holding 8 bits); a value `k >= 0` is one slot's count, `k < 0` is `-k` empty slots |

    Compressed: cookie `0x1c849304` (written `0x1c849314`), the length of what follows, then the
    zlib stream (RFC 1950) of the plain encoding. Slot `i` is HdrHistogram's counts index `i`
    (our layout is theirs, `histogram::counts_array_index`), so the counts travel unchanged.

    What the format does not carry: the exact minimum and maximum (a decoded histogram's are its
    first slot's lowest and its last slot's highest equivalent value, capped at the highest
    trackable value; `histogram::restore_extremes` puts exact ones back) and
    `out_of_range_count()` (decoded as 0). */

#include <stress_testing/metrics/detail/base64.hpp>
#include <stress_testing/metrics/histogram.hpp>

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::metrics::hdr_codec {

/// HdrHistogram's V2 cookies without their word-size nibble (`cookie & ~0xf0`).
inline constexpr std::uint32_t v2_cookie_base = 0x1c849303;
inline constexpr std::uint32_t v2_compressed_cookie_base = 0x1c849304;
/// The nibble HdrHistogram writes into its V2 cookies (its readers mask it away).
inline constexpr std::uint32_t cookie_nibble = 0x10;
/// Size of the plain encoding's header.
inline constexpr std::size_t v2_header_size = 40;

namespace detail {

inline void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, int size) {
  for (int k = size - 1; k >= 0; --k) out.push_back(static_cast<std::uint8_t>(value >> (8 * k)));
}

inline std::uint64_t get_be(std::span<const std::uint8_t> bytes, std::size_t offset, int size) noexcept {
  std::uint64_t value = 0;
  for (int k = 0; k < size; ++k) value = (value << 8) | bytes[offset + static_cast<std::size_t>(k)];
  return value;
}

// ZigZag LEB128 in at most 9 bytes: eight 7-bit groups, then the 8 bits left whole.
inline void put_zigzag(std::vector<std::uint8_t>& out, std::int64_t signed_value) {
  auto value = (static_cast<std::uint64_t>(signed_value) << 1) ^ static_cast<std::uint64_t>(signed_value >> 63);
  for (int group = 0; group < 8; ++group) {
    if (value < 0x80u) {
      out.push_back(static_cast<std::uint8_t>(value));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((value & 0x7Fu) | 0x80u));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

// Reads one ZigZag LEB128 value at `pos`, advancing it; the reason on failure.
inline const char* get_zigzag(std::span<const std::uint8_t> bytes, std::size_t& pos, std::int64_t& out) noexcept {
  std::uint64_t value = 0;
  for (int group = 0; group < 9; ++group) {
    if (pos >= bytes.size()) return "truncated count in payload";
    const std::uint8_t byte = bytes[pos++];
    if (group == 8) {
      value |= std::uint64_t{byte} << 56;
      break;
    }
    value |= std::uint64_t{byte & 0x7Fu} << (7 * group);
    if ((byte & 0x80u) == 0) break;
  }
  out = static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1u);
  return nullptr;
}

// Inflates a zlib stream into exactly `out.size()` bytes; the reason on failure (a shorter or
// longer stream, or trailing input, is a failure: the sizes were announced by the headers).
inline const char* inflate_exact(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                                 bool must_end) noexcept {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return "zlib: cannot initialise";
  zs.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct; it only reads
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = Z_OK;
  while (zs.avail_out > 0 && rc == Z_OK) rc = ::inflate(&zs, Z_NO_FLUSH);
  const bool filled = zs.avail_out == 0;
  if (filled && rc == Z_OK && must_end) {
    // Everything announced was produced: the stream must end here, with nothing after it.
    std::uint8_t extra = 0;
    zs.next_out = &extra;
    zs.avail_out = 1;
    rc = ::inflate(&zs, Z_FINISH);
    if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) rc = Z_DATA_ERROR;
  }
  const std::size_t left = zs.avail_in;
  inflateEnd(&zs);
  if (!filled) return rc == Z_STREAM_END ? "compressed payload shorter than its header says" : "truncated or corrupt zlib stream";
  if (must_end && rc != Z_STREAM_END) return "corrupt zlib stream, or longer than its header says";
  if (must_end && left != 0) return "trailing bytes after the zlib stream";
  return nullptr;
}

// Layout fields of a plain V2 header; the reason when they are not a valid layout.
struct v2_header {
  std::uint32_t payload_size = 0;
  int digits = 0;
  std::int64_t lowest = 0;
  std::int64_t highest = 0;
};

inline const char* read_v2_header(std::span<const std::uint8_t> bytes, v2_header& h) noexcept {
  if (bytes.size() < v2_header_size) return "truncated header";
  const auto cookie = static_cast<std::uint32_t>(get_be(bytes, 0, 4));
  if ((cookie & ~std::uint32_t{0xF0}) != v2_cookie_base) return "not an HdrHistogram V2 encoding (cookie)";
  h.payload_size = static_cast<std::uint32_t>(get_be(bytes, 4, 4));
  const auto digits = static_cast<std::int32_t>(get_be(bytes, 12, 4));
  h.lowest = static_cast<std::int64_t>(get_be(bytes, 16, 8));
  h.highest = static_cast<std::int64_t>(get_be(bytes, 24, 8));
  if (digits < 1 || digits > 5) return "significant digits outside [1, 5]";
  h.digits = digits;
  if (h.lowest < 1) return "lowest discernible value must be >= 1";
  if (h.highest / 2 < h.lowest) return "highest trackable value must be >= 2 * lowest discernible value";
  return nullptr;
}

// Decodes the counts of a plain V2 encoding whose header was read into `h`.
inline const char* decode_counts(std::span<const std::uint8_t> payload, histogram& out) noexcept {
  std::size_t pos = 0;
  std::size_t index = 0;
  const std::size_t length = out.counts_array_length();
  while (pos < payload.size()) {
    std::int64_t item = 0;
    if (const char* reason = get_zigzag(payload, pos, item)) return reason;
    if (item < 0) {
      if (item == std::numeric_limits<std::int64_t>::min() ||
          static_cast<std::uint64_t>(-item) > length - index) {
        return "run of empty slots beyond the counts array";
      }
      index += static_cast<std::size_t>(-item);
      continue;
    }
    if (index >= length) return "count beyond the counts array";
    if (item > 0) {
      // HdrHistogram's last bucket reaches past the highest trackable value, and some of its
      // ports count values there; ours does not.
      if (out.value_from_index(index) > out.highest_trackable_value()) return "count above the highest trackable value";
      if (!out.record_values(out.value_from_index(index), item)) return "counts overflow";
    }
    ++index;
  }
  if (out.total_count() > 0) {
    // HdrHistogram's reading of the maximum: the highest value of the last counted slot.
    const std::int64_t max =
        std::min(out.highest_equivalent_value(out.max()), out.highest_trackable_value());
    (void)out.restore_extremes(out.min(), max);
  }
  return nullptr;
}

inline const char* decode_plain(std::span<const std::uint8_t> bytes, std::optional<histogram>& out) {
  v2_header h;
  if (const char* reason = read_v2_header(bytes, h)) return reason;
  if (bytes.size() - v2_header_size < h.payload_size) return "truncated payload";
  if (bytes.size() - v2_header_size > h.payload_size) return "trailing bytes after payload";
  histogram& result = out.emplace(h.lowest, h.highest, h.digits);
  return decode_counts(bytes.subspan(v2_header_size), result);
}

inline const char* decode_compressed(std::span<const std::uint8_t> bytes, std::optional<histogram>& out) {
  if (bytes.size() < 8) return "truncated compressed header";
  const std::uint64_t length = get_be(bytes, 4, 4);
  if (length > bytes.size() - 8) return "truncated compressed payload";
  if (length < bytes.size() - 8) return "trailing bytes after compressed payload";
  const auto stream = bytes.subspan(8);
  // The plain header first: it gives the layout (checked) and the payload size to expect, so
  // memory stays bounded by the layout whatever the stream claims.
  std::vector<std::uint8_t> plain(v2_header_size);
  if (const char* reason = inflate_exact(stream, plain, false)) return reason;
  v2_header h;
  if (const char* reason = read_v2_header(plain, h)) return reason;
  histogram& result = out.emplace(h.lowest, h.highest, h.digits);
  // At most 9 bytes per slot, plus a run marker between any two counts.
  if (h.payload_size > 9 * (result.counts_array_length() + 1)) return "payload longer than its layout allows";
  plain.resize(v2_header_size + h.payload_size);
  if (const char* reason = inflate_exact(stream, plain, true)) return reason;
  return decode_counts(std::span<const std::uint8_t>(plain).subspan(v2_header_size), result);
}

inline const char* decode_any(std::span<const std::uint8_t> bytes, std::optional<histogram>& out) {
  if (bytes.size() < 4) return "truncated cookie";
  const auto base = static_cast<std::uint32_t>(get_be(bytes, 0, 4)) & ~std::uint32_t{0xF0};
  if (base == v2_compressed_cookie_base) return decode_compressed(bytes, out);
  if (base == v2_cookie_base) return decode_plain(bytes, out);
  return "not an HdrHistogram V2 encoding (cookie)";
}

[[noreturn]] inline void fail(const char* what, const char* reason) {
  throw std::invalid_argument(std::string("stress_testing::metrics::hdr_codec::") + what + ": " + reason);
}

}  // namespace detail

/** HdrHistogram's plain V2 encoding of `h` (table above). Allocates; O(slots up to the max). */
[[nodiscard]] inline std::vector<std::uint8_t> encode(const histogram& h) {
  std::vector<std::uint8_t> out;
  out.reserve(v2_header_size + 64);
  detail::put_be(out, v2_cookie_base | cookie_nibble, 4);
  detail::put_be(out, 0, 4);  // payload size, patched below
  detail::put_be(out, 0, 4);
  detail::put_be(out, static_cast<std::uint64_t>(h.significant_digits()), 4);
  detail::put_be(out, static_cast<std::uint64_t>(h.lowest_discernible_value()), 8);
  detail::put_be(out, static_cast<std::uint64_t>(h.highest_trackable_value()), 8);
  detail::put_be(out, std::bit_cast<std::uint64_t>(1.0), 8);
  if (h.total_count() > 0) {
    const std::size_t end = h.counts_array_index(h.max()) + 1;
    for (std::size_t i = 0; i < end;) {
      const std::int64_t count = h.count_at_index(i++);
      if (count != 0) {
        detail::put_zigzag(out, count);
        continue;
      }
      std::int64_t zeros = 1;
      while (i < end && h.count_at_index(i) == 0) {
        ++zeros;
        ++i;
      }
      // A lone empty slot is written as the count 0, a run as its negated length (as HdrHistogram).
      detail::put_zigzag(out, zeros > 1 ? -zeros : 0);
    }
  }
  const auto payload = static_cast<std::uint32_t>(out.size() - v2_header_size);
  for (int k = 0; k < 4; ++k) out[4 + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(payload >> (8 * (3 - k)));
  return out;
}

/** HdrHistogram's compressed V2 encoding of `h`: what its interval logs and
    `encodeIntoCompressedBase64` carry (before base64). Throws `std::runtime_error` if zlib fails
    (out of memory). */
[[nodiscard]] inline std::vector<std::uint8_t> encode_compressed(const histogram& h) {
  const std::vector<std::uint8_t> plain = encode(h);
  uLongf size = compressBound(static_cast<uLong>(plain.size()));
  std::vector<std::uint8_t> out(8 + size);
  if (compress2(out.data() + 8, &size, plain.data(), static_cast<uLong>(plain.size()), Z_DEFAULT_COMPRESSION) != Z_OK) {
    throw std::runtime_error("stress_testing::metrics::hdr_codec::encode_compressed: zlib failed");
  }
  out.resize(8 + size);
  for (int k = 0; k < 4; ++k) {
    out[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>((v2_compressed_cookie_base | cookie_nibble) >> (8 * (3 - k)));
    out[4 + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(size >> (8 * (3 - k)));
  }
  return out;
}

/// `encode_compressed` as standard padded base64: HdrHistogram's `HISTF...` text.
[[nodiscard]] inline std::string to_base64(const histogram& h) {
  return metrics::detail::base64_encode(encode_compressed(h));
}

/** Decodes a plain or compressed V2 encoding (by its cookie) written by us or by any
    HdrHistogram. Throws `std::invalid_argument` with the reason on any inconsistency (cookie,
    layout outside ours: significant digits 1..5, truncation, trailing bytes, a corrupt zlib
    stream, counts beyond the layout or overflowing). Never reads outside `bytes`; memory is
    bounded by the layout the header asks for (at most about 50 MiB). */
[[nodiscard]] inline histogram decode(std::span<const std::uint8_t> bytes) {
  std::optional<histogram> result;
  if (const char* reason = detail::decode_any(bytes, result)) detail::fail("decode", reason);
  return std::move(*result);
}

/// `decode` without exceptions: `std::nullopt` on any failure (including out of memory).
[[nodiscard]] inline std::optional<histogram> try_decode(std::span<const std::uint8_t> bytes) noexcept {
  try {
    std::optional<histogram> result;
    if (detail::decode_any(bytes, result) != nullptr) return std::nullopt;
    return result;
  } catch (...) {
    return std::nullopt;
  }
}

/// Inverse of `to_base64` (also reads base64 of a plain encoding); throws like `decode`.
[[nodiscard]] inline histogram from_base64(std::string_view text) {
  const auto bytes = metrics::detail::base64_decode(text);
  if (!bytes) detail::fail("from_base64", "invalid base64");
  return decode(*bytes);
}

/** A histogram from base64 text in either of the encodings results documents have carried:
    HdrHistogram V2 (`HISTF...`, schema version 3 on) or our own `histogram::encode` ("STHG",
    `U1RIRw...`, schema versions 1 and 2). Throws `std::invalid_argument` with the reason. */
[[nodiscard]] inline histogram from_base64_any(std::string_view text) {
  const auto bytes = metrics::detail::base64_decode(text);
  if (!bytes) detail::fail("from_base64_any", "invalid base64");
  if (bytes->size() >= 4 && std::memcmp(bytes->data(), "STHG", 4) == 0) return histogram::decode(*bytes);
  return decode(*bytes);
}

}  // namespace stress_testing::metrics::hdr_codec

#endif
