// HdrHistogram itself (its JavaScript port, hdr-histogram-js from npm, package.json here) against
// our files, both ways:
//  1. it writes an interval log and a V2 histogram of known values; `stress-run percentiles`
//     decodes them and must print exactly HdrHistogram's own percentile distribution of them;
//  2. it reads our results.json histograms and our --hdr-log interval log: they must decode, hold
//     every completed request, and give the same percentile table as `stress-run percentiles`.
// Usage: node interop.js STRESS_RUN WORK_DIR RESULTS.json RUN.hlog
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const hdr = require("hdr-histogram-js");

const [stressRun, work, resultsPath, logPath] = process.argv.slice(2);
fs.mkdirSync(work, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const percentiles = (file, scale) =>
  execFileSync(stressRun, ["percentiles", file, "--scale", String(scale)], { timeout: 30000 }).toString();
const build = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600000000,
                                numberOfSignificantValueDigits: 3, bitBucketSize: 64, useWebAssembly: false });
// Lines of a table other than the footer's Max, which HdrHistogram's JavaScript port prints as the
// exact maximum of a histogram it recorded itself and we, for a decoded one (V2 has no maximum),
// as its slot's highest value (what HdrHistogram's Java port prints); every other line must match.
const withoutMax = (text) => text.split("\n").filter((l) => !l.startsWith("#[Max")).join("\n");

// 1. Written by HdrHistogram: a log of two intervals and one histogram, known values.
const a = build();
for (let v = 1; v <= 1000; v++) a.recordValue(v * 7);
a.startTimeStampMsec = 1796630546000; a.endTimeStampMsec = 1796630547000;
const b = build();
b.recordValueWithCount(25000, 40);
b.recordValue(3000000);
b.startTimeStampMsec = 1796630547000; b.endTimeStampMsec = 1796630548000;
let log = "";
const writer = new hdr.HistogramLogWriter((s) => { log += s; });
writer.outputLogFormatVersion();
writer.outputStartTime(1796630546000);
writer.outputLegend();
writer.baseTime = 1796630546000;
writer.outputIntervalHistogram(a);
writer.outputIntervalHistogram(b);
const theirLog = path.join(work, "theirs.hlog");
fs.writeFileSync(theirLog, log);
const theirHist = path.join(work, "theirs.hist");
fs.writeFileSync(theirHist, hdr.encodeIntoCompressedBase64(b) + "\n");
const merged = build();
merged.add(a);
merged.add(b);
check(withoutMax(percentiles(theirLog, 1)) === withoutMax(merged.outputPercentileDistribution(5, 1)),
      "stress-run percentiles of HdrHistogram's log differs from HdrHistogram's table");
check(withoutMax(percentiles(theirHist, 1000)) === withoutMax(b.outputPercentileDistribution(5, 1000)),
      "stress-run percentiles of HdrHistogram's V2 histogram differs from HdrHistogram's table");

// 2. Written by us, read by HdrHistogram.
const results = JSON.parse(fs.readFileSync(resultsPath, "utf8"));
const outcomes = results.accounting.outcomes;
const completed = Object.values(outcomes).reduce((x, y) => x + y, 0) - outcomes.dropped;
check(completed > 0, "the run completed requests");
for (const name of ["response_time", "service_time", "send_lag"]) {
  const h = hdr.decodeFromCompressedBase64(results.histograms[name], 64, false);
  check(h.totalCount === completed, `${name}: HdrHistogram reads ${h.totalCount} of ${completed} completed requests`);
}
const ours = hdr.decodeFromCompressedBase64(results.histograms.response_time, 64, false);
check(withoutMax(percentiles(resultsPath, 1000000)) === withoutMax(ours.outputPercentileDistribution(5, 1000000)),
      "stress-run percentiles of results.json differs from HdrHistogram's table of the same histogram");
const reader = new hdr.HistogramLogReader(fs.readFileSync(logPath, "utf8"), 64, false);
let intervals = 0;
let logged = 0;
let previousEnd = null;
for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
  intervals++;
  logged += h.totalCount;
  if (previousEnd !== null) check(Math.abs(h.startTimeStampMsec - previousEnd) < 2, `interval ${intervals} starts where the last ended`);
  previousEnd = h.endTimeStampMsec;
}
check(intervals === results.intervals.length, `HdrHistogram reads ${intervals} intervals of ${results.intervals.length}`);
check(logged === completed, `HdrHistogram reads ${logged} of ${completed} completed requests in the interval log`);

for (const f of failures) console.log("FAIL:", f);
console.log(`${completed} completed requests, ${intervals} intervals: ${failures.length ? "FAILED" : "ok"}`);
process.exit(failures.length ? 1 : 0);
