#!/usr/bin/env bash
# Known answers for stress-run's command line: exit codes 0 / 98 / 99 / 2, the field named in a config
# error, quick mode against the sample service (started with serve-fraud on a loopback port).
set -uo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/test_common.sh"  # fail, expect

expect 2 "unknown scenario name" "$bin" scenario no_such_scenario
grep -q "unknown scenario 'no_such_scenario'" "$dir/err.txt" || fail "message for an unknown scenario"

expect 0 "config init" "$bin" config init --dir "$dir/cfg"
good=$(ls "$dir"/cfg/*peak_load*.json | head -1)
[ -n "$good" ] || fail "config init wrote no peak_load scenario"
# --late-threshold 1s: on a busy CI machine the generator may fall behind by a few ms, which would
# make the latency criteria inconclusive (98); these runs check other things.
expect 0 "a written scenario runs" "$bin" scenario "$good" --target sim --time-scale 0.002 --load-scale 0.01 \
  --late-threshold 1s --quiet --out "$dir/good"
grep -q '"p99_response_time_ms_ci": \[' "$dir/good/results.json" || fail "results.json gives p99 its confidence interval"
sed -E 's/"duration_seconds": *[0-9.e+]+/"duration_seconds": -5/' "$good" >"$dir/bad.json"
expect 2 "malformed scenario file" "$bin" scenario "$dir/bad.json" --target sim
grep -q "duration_seconds" "$dir/err.txt" || { cat "$dir/err.txt"; fail "the error must name the field"; }

expect 2 "bad duration" "$bin" http://127.0.0.1:9/ --duration 10parsecs
expect 2 "remote address refused" "$bin" http://10.1.2.3:8080/ --duration 1s
grep -q "not a loopback address" "$dir/err.txt" || fail "message for a remote address"

expect 99 "a criterion that cannot pass" "$bin" scenario burst_traffic --target embedded --time-scale 0.005 \
  --load-scale 0.02 --threads 1 --connections 16 --late-threshold 1s --quiet --out "$dir/r99" \
  --slo "p99_response_time_ms < 0.001"
grep -q "✗ p99_response_time_ms < 0.001" "$dir/out.txt" || fail "the failed criterion is shown"
[ -f "$dir/r99/results.json" ] || fail "results.json written for a failed run"
# 0.25 s bursts at this scale: without --interval the run samples at a quarter of one, floored at 10 ms.
grep -q "sampling every 10 ms" "$dir/err.txt" || { cat "$dir/err.txt"; fail "the interval follows the shortest burst"; }

# Inconclusive: --late-threshold 0 makes every request late, so the generator is limited and the
# latency criteria are judged neither way; the others pass, so the run exits 98, not 0 or 99.
expect 98 "a generator-limited run is inconclusive" "$bin" scenario peak_load --target sim --time-scale 0.002 \
  --load-scale 0.01 --late-threshold 0 --quiet --out "$dir/r98"
grep -q "COMPLETED, INCONCLUSIVE" "$dir/out.txt" || { cat "$dir/out.txt"; fail "the summary says INCONCLUSIVE"; }
grep -q "~ p99_response_time_ms < 5000" "$dir/out.txt" || fail "the latency criterion is marked inconclusive"
grep -q "✓ error_rate < 0.001" "$dir/out.txt" || fail "the other criteria are still judged"
grep -q '"verdict": "inconclusive"' "$dir/r98/results.json" || fail "results.json's verdict is inconclusive"
grep -q 'skipped message="inconclusive' "$dir/r98/junit.xml" || fail "JUnit skips the inconclusive criterion"
# The same run with a criterion that fails: a failure wins over inconclusive.
expect 99 "a failed criterion fails an inconclusive run" "$bin" scenario peak_load --target sim --time-scale 0.002 \
  --load-scale 0.01 --late-threshold 0 --quiet --out "$dir/r98f" --slo "requests_total < 1"

# Quick mode against serve-fraud's /health on a port it picks.
"$bin" serve-fraud --listen 127.0.0.1:0 >"$dir/serve.txt" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q "fraud service on" "$dir/serve.txt" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/serve.txt" | head -1)
[ -n "$url" ] || { cat "$dir/serve.txt"; fail "serve-fraud did not start"; }
expect 0 "quick mode at a fixed rate" "$bin" "$url/health" --rate 500 --duration 2s -c 8 -t 1 --quiet \
  --out "$dir/quick" --slo "error_rate < 0.01"
grep -q "intended 1000," "$dir/out.txt" || { cat "$dir/out.txt"; fail "2 s at 500/s is 1000 intended requests"; }
grep -q "(all accounted)" "$dir/out.txt" || fail "every request accounted for"
expect 0 "quick mode as fast as possible" "$bin" "$url/health" --duration 1s -c 4 -t 1 --quiet --out "$dir/max"
grep -q "ok [1-9][0-9]*" "$dir/out.txt" || fail "closed-loop requests completed"

# Ctrl-C: a 60 s run interrupted after ~1.5 s drains, writes its results and exits normally.
"$bin" "$url/health" --rate 1000 --duration 60s -c 8 -t 1 --quiet --out "$dir/interrupted" \
  >"$dir/int.txt" 2>&1 &
run=$!
sleep 1.5
kill -INT $run
wait $run
code=$?
[ "$code" -eq 0 ] || { cat "$dir/int.txt"; fail "an interrupted run exits 0 when no criterion failed (got $code)"; }
grep -q "CANCELLED" "$dir/int.txt" || { cat "$dir/int.txt"; fail "the summary says the run was cancelled"; }
grep -q "(all accounted)" "$dir/int.txt" || fail "every request accounted for after Ctrl-C"
[ -f "$dir/interrupted/results.json" ] || fail "results.json written after Ctrl-C"
echo "ok: Ctrl-C drains and writes the results"
echo "all exit-code checks passed"
