#!/usr/bin/env bash
# The exporters against their real consumers (docs/exporters.md): a short run writes results.json
# and junit.xml; junit.xml validates against tests/data/junit.xsd (xmllint), `stress-run metrics`
# passes `promtool check metrics` and its request counters add up to the accounting; `compare`
# exits 0 against itself, 99 against a copy with a worse p99, 2 on bad input.
# Exits 77 (ctest SKIP_RETURN_CODE) when promtool or xmllint is not installed (scripts/install-deps).
set -uo pipefail
bin=$1 dir=$2 xsd=$3
for tool in promtool xmllint; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/install-deps installs it)"; exit 77; }
done
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/test_common.sh"  # fail, expect

# A short run (the investor scenario 100x faster at 5% load, embedded service over loopback).
"$bin" scenario investor_presentation --time-scale 0.01 --load-scale 0.05 --threads 1 --connections 64 --quiet \
  --out "$dir/run" >"$dir/run.txt" 2>&1
code=$?
[ "$code" -eq 0 ] || [ "$code" -eq 98 ] || [ "$code" -eq 99 ] || { cat "$dir/run.txt"; fail "the run exited $code"; }
results=$dir/run/results.json
[ -f "$results" ] || fail "no results.json"
[ -f "$dir/run/junit.xml" ] || fail "no junit.xml next to results.json"

# JUnit: valid against the schema, and the converter gives the same file as the run.
xmllint --noout --schema "$xsd" "$dir/run/junit.xml" || fail "junit.xml does not validate"
echo "ok: junit.xml of the run validates"
expect 0 "junit subcommand" "$bin" junit "$results" -o "$dir/junit2.xml"
cmp -s "$dir/run/junit.xml" "$dir/junit2.xml" || { diff "$dir/run/junit.xml" "$dir/junit2.xml"; fail "junit from results.json differs from the run's"; }
grep -q '<testcase name="all requests accounted"' "$dir/junit2.xml" || fail "accounting testcase"
grep -q '<testcase name="run status"' "$dir/junit2.xml" || fail "status testcase"

# Prometheus: promtool accepts it (lint included) and the outcomes add up to the intended count.
expect 0 "metrics subcommand" "$bin" metrics "$results"
cp "$dir/out.txt" "$dir/metrics.txt"
promtool check metrics <"$dir/metrics.txt" || fail "promtool check metrics"
echo "ok: promtool check metrics"
intended=$(grep -o '"intended": *[0-9]*' "$results" | head -1 | grep -o '[0-9]*$')
sum=$(awk '/^stress_testing_requests_total\{/ { s += $NF } END { print s }' "$dir/metrics.txt")
[ -n "$intended" ] && [ "$sum" = "$intended" ] || fail "sum of stress_testing_requests_total ($sum) != accounting.intended ($intended)"
grep -q "^stress_testing_requests_intended_total{scenario=\"investor_presentation\"} $intended\$" "$dir/metrics.txt" ||
  fail "stress_testing_requests_intended_total"
count=$(awk '/^stress_testing_response_time_seconds_count\{/ { print $NF }' "$dir/metrics.txt")
inf=$(awk '/^stress_testing_response_time_seconds_bucket\{.*le="\+Inf"/ { print $NF }' "$dir/metrics.txt")
[ -n "$count" ] && [ "$count" = "$inf" ] || fail "_count ($count) != +Inf bucket ($inf)"
echo "ok: requests_total sums to accounting.intended ($intended)"

# Compare: itself, a worse p99, bad input.
expect 0 "compare a run with itself" "$bin" compare "$results" "$results" --junit "$dir/compare.xml"
grep -q "^no regression" "$dir/out.txt" || fail "no regression expected"
xmllint --noout --schema "$xsd" "$dir/compare.xml" || fail "compare junit does not validate"
sed -E 's/"p99_response_time_ms": *[0-9.e+-]+/"p99_response_time_ms": 99999.0/' "$results" >"$dir/worse.json"
expect 99 "compare against a worse p99" "$bin" compare "$results" "$dir/worse.json" --junit "$dir/compare99.xml"
grep -q "^p99_response_time_ms .*REGRESSION" "$dir/out.txt" || { cat "$dir/out.txt"; fail "p99 row flagged"; }
[ "$(grep -c REGRESSION "$dir/out.txt")" -eq 1 ] || { cat "$dir/out.txt"; fail "only p99 regressed"; }
xmllint --noout --schema "$xsd" "$dir/compare99.xml" || fail "compare junit (regression) does not validate"
grep -q 'failures="1"' "$dir/compare99.xml" || fail "one failure in the comparison's junit"
expect 0 "a generous threshold accepts it" "$bin" compare "$results" "$dir/worse.json" \
  --threshold "p99_response_time_ms=+100000000%"
expect 2 "compare a missing file" "$bin" compare "$results" "$dir/no-such.json"
grep -q "no-such.json" "$dir/err.txt" || fail "the message names the file"
sed 's/"schema": "stress_testing.results"/"schema": "other"/' "$results" >"$dir/bad.json"
expect 2 "compare a document that is not results" "$bin" compare "$dir/bad.json" "$results"
grep -q 'bad.json: field "schema"' "$dir/err.txt" || { cat "$dir/err.txt"; fail "the message names file and field"; }
sed 's/"metrics": {/"renamed": {/' "$results" >"$dir/nometrics.json"
expect 2 "compare a document without metrics" "$bin" compare "$results" "$dir/nometrics.json"
grep -q 'nometrics.json: field "metrics" missing' "$dir/err.txt" || { cat "$dir/err.txt"; fail "file and field named"; }
printf '{"schema": ' >"$dir/truncated.json"
expect 2 "compare a truncated file" "$bin" compare "$dir/truncated.json" "$results"
grep -q 'truncated.json: not valid JSON' "$dir/err.txt" || { cat "$dir/err.txt"; fail "file named"; }
expect 2 "junit of a truncated file" "$bin" junit "$dir/truncated.json" -o "$dir/x.xml"
expect 2 "metrics of a truncated file" "$bin" metrics "$dir/truncated.json"
sed -E 's/"error_rate": *[0-9.e+-]+,/"error_rate": "high",/' "$results" >"$dir/typo.json"
expect 2 "compare a document with a bad field" "$bin" compare "$results" "$dir/typo.json"
grep -q 'typo.json: field "metrics.error_rate" is not a number' "$dir/err.txt" || { cat "$dir/err.txt"; fail "file and field named"; }
expect 2 "a bad threshold" "$bin" compare "$results" "$results" --threshold "p99=+10%"
echo "all exporter checks passed"
