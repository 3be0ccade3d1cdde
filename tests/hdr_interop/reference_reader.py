#!/usr/bin/env python3
"""Reads a run's results.json and --hdr-log interval log with a reader written here from
HdrHistogram's published V2 format (not with our C++ decoder), and checks that they hold every
completed request.

The format: base64 of [int32 cookie 0x1c849304 (second nibble masked), int32 length, zlib stream]
around [int32 cookie 0x1c849303, int32 payload length, int32 normalizing offset, int32 digits,
int64 lowest, int64 highest, double ratio, payload], big-endian; the payload is ZigZag LEB128
(at most 9 bytes, the ninth holding 8 bits): k >= 0 is one slot's count, k < 0 is -k empty slots.

Usage: reference_reader.py RESULTS.json RUN.hlog PERCENTILES.txt
(PERCENTILES.txt: `stress-run percentiles RESULTS.json` output.) Exit 0 when every check passes.
"""

import base64
import json
import math
import struct
import sys
import zlib

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def zigzag_values(payload):
    pos = 0
    while pos < len(payload):
        value = 0
        for group in range(9):
            byte = payload[pos]
            pos += 1
            if group == 8:
                value |= byte << 56
                break
            value |= (byte & 0x7F) << (7 * group)
            if byte & 0x80 == 0:
                break
        yield (value >> 1) ^ -(value & 1)


class Layout:
    """HdrHistogram's counts index <-> value arithmetic for (lowest, highest, digits)."""

    def __init__(self, lowest, highest, digits):
        single_unit = 2 * 10 ** digits
        sub_bucket_count_magnitude = math.ceil(math.log2(single_unit))
        self.half_magnitude = max(sub_bucket_count_magnitude, 1) - 1
        self.unit = int(math.floor(math.log2(lowest)))
        self.half_count = 1 << self.half_magnitude
        smallest_untrackable = (2 * self.half_count) << self.unit
        buckets = 1
        while smallest_untrackable <= highest:
            smallest_untrackable <<= 1
            buckets += 1
        self.length = (buckets + 1) * self.half_count

    def value_from_index(self, index):
        bucket = (index >> self.half_magnitude) - 1
        sub = (index & (self.half_count - 1)) + self.half_count
        if bucket < 0:
            sub -= self.half_count
            bucket = 0
        return sub << (bucket + self.unit)

    def highest_equivalent(self, index):
        bucket = max((index >> self.half_magnitude) - 1, 0)
        return self.value_from_index(index) + (1 << (bucket + self.unit)) - 1


def decode(text):
    raw = base64.b64decode(text, validate=True)
    cookie, length = struct.unpack(">iI", raw[:8])
    check(cookie & ~0xF0 == 0x1C849304, "compressed cookie %#x" % cookie)
    check(length == len(raw) - 8, "compressed length %d of %d bytes" % (length, len(raw) - 8))
    plain = zlib.decompress(raw[8:])
    cookie, payload_length, _offset, digits, lowest, highest, _ratio = struct.unpack(">iIiiqqd", plain[:40])
    check(cookie & ~0xF0 == 0x1C849303, "V2 cookie %#x" % cookie)
    check(payload_length == len(plain) - 40, "payload length")
    layout = Layout(lowest, highest, digits)
    counts = {}
    index = 0
    for k in zigzag_values(plain[40:]):
        if k < 0:
            index += -k
        else:
            if k:
                counts[index] = k
            index += 1
    check(index <= layout.length, "counts beyond the layout (%d > %d)" % (index, layout.length))
    return layout, counts, (lowest, highest, digits)


def main():
    results_path, log_path, percentiles_path = sys.argv[1:4]
    with open(results_path) as f:
        results = json.load(f)
    check(results["schema_version"] == 3, "schema_version")
    hs = results["histograms"]
    check(hs["encoding"] == "HdrHistogram V2 compressed, base64", "encoding field")
    outcomes = results["accounting"]["outcomes"]
    completed = sum(outcomes.values()) - outcomes["dropped"]
    check(completed > 0, "the run completed requests")
    totals = {}
    for name in ("response_time", "service_time", "send_lag"):
        layout, counts, params = decode(hs[name])
        totals[name] = sum(counts.values())
        check(totals[name] == completed, "%s holds %d of %d completed requests" % (name, totals[name], completed))
        exact = hs["exact"][name]
        if counts:
            first, last = min(counts), max(counts)
            check(layout.value_from_index(first) <= exact["min"] <= layout.highest_equivalent(first),
                  "%s exact min in the first slot" % name)
            check(layout.value_from_index(last) <= exact["max"] <= layout.highest_equivalent(last),
                  "%s exact max in the last slot" % name)
        check(params[0] >= 1 and params[2] in range(1, 6), "%s layout %s" % (name, params))

    # The interval log: header, then one line per interval covering every completed request.
    with open(log_path) as f:
        lines = f.read().splitlines()
    check(lines[0] == "#[Histogram log format version 1.3]", "version line")
    check(lines[1].startswith("#[StartTime: ") and "(seconds since epoch)" in lines[1], "StartTime line")
    check(lines[2].startswith("#[BaseTime: "), "BaseTime line")
    check(lines[3] == '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"', "legend")
    logged = 0
    previous_end = 0.0
    intervals = 0
    for line in lines[4:]:
        start, length, max_ms, text = line.split(",")
        start, length, max_ms = float(start), float(length), float(max_ms)
        check(abs(start - previous_end) < 0.0015, "intervals contiguous at %.3f" % start)
        previous_end = start + length
        layout, counts, _ = decode(text)
        logged += sum(counts.values())
        intervals += 1
        if counts:
            last = max(counts)
            # Interval_Max is the exact maximum in ms (ns / 1e6, 3 decimals): inside the last slot.
            check(layout.value_from_index(last) - 500 <= max_ms * 1e6 <= layout.highest_equivalent(last) + 500,
                  "interval max %.3f ms in its last slot" % max_ms)
    check(intervals == len(results["intervals"]), "one log line per interval (%d, %d)" % (intervals, len(results["intervals"])))
    check(logged == completed, "interval log holds %d of %d completed requests" % (logged, completed))

    # stress-run percentiles: the footer counts every completed request; the last line is 1.0.
    with open(percentiles_path) as f:
        table = f.read().splitlines()
    check(table[0].split() == ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"], "table header")
    footer = [l for l in table if l.startswith("#[Max")]
    check(len(footer) == 1 and footer[0].split("=")[-1].strip(" ]") == str(completed), "percentiles total count")
    check(table[-4].split()[1:3] == ["1.000000000000", str(completed)], "last percentile line")

    for f in failures:
        print("FAIL:", f)
    print("%d completed requests; histograms and %d intervals checked: %s"
          % (completed, intervals, "FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
