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

# Hostile input (issue 19): every value is refused before a run starts, naming the field.
named() {  # named CODE "what" PATTERN command...: exit CODE and PATTERN in the error output
  local want=$1 what=$2 pattern=$3; shift 3
  expect "$want" "$what" "$@"
  grep -q -- "$pattern" "$dir/err.txt" || { cat "$dir/err.txt"; fail "$what: the message must name $pattern"; }
}
named 2 "a rate above the sanity limit" "--rate" "$bin" http://127.0.0.1:9/ --rate 1e9 --duration 1s
named 2 "a duration above the sanity limit" "--duration" "$bin" http://127.0.0.1:9/ --rate 10 --duration 1000000000s
named 2 "a 1 us interval" "--interval" "$bin" http://127.0.0.1:9/ --rate 10 --duration 1s --interval 1us
named 2 "a time scale of 1e-300" "--time-scale" "$bin" scenario peak_load --target sim --time-scale 1e-300
named 2 "a negative seed" "--seed" "$bin" scenario peak_load --target sim --seed -1
named 2 "a dashboard port with junk" "--dashboard '127.0.0.1:80x'" "$bin" scenario peak_load --target sim \
  --time-scale 0.001 --dashboard 127.0.0.1:80x --out "$dir/dash"
named 2 "CR LF in a header value" "header injection" "$bin" http://127.0.0.1:9/ --rate 10 --duration 1s \
  -H $'X-A: 1\r\nHost: elsewhere'
named 2 "an autoscaler bound below the starting slots" "autoscaling.max_slots" "$bin" serve-fraud \
  --listen 127.0.0.1:0 --max-concurrency 8 --autoscale 4
named 2 "a malformed autoscaler duration" "--autoscale-sustain" "$bin" scenario peak_load --target embedded \
  --autoscale 4 --autoscale-sustain 2parsecs
named 2 "a capacity URL without its header" "--capacity-url needs --capacity-header" "$bin" scenario peak_load \
  --target embedded --capacity-url http://127.0.0.1:9/
named 2 "two sources of the target's capacity" "give one source" "$bin" scenario peak_load --target embedded \
  --capacity-header X-Slots --capacity-prometheus http://127.0.0.1:9 --capacity-query up
named 2 "a capacity header on another host" "--capacity-header: capacity url: 10.0.0.1 is not a loopback address" \
  "$bin" scenario peak_load --target embedded --capacity-header X-Slots --capacity-url http://10.0.0.1:80/
sed -E 's/"duration_seconds": *[0-9.e+]+/"duration_seconds": 1e999/' "$good" >"$dir/huge.json"
named 2 "1e999 in a scenario" "duration_seconds" "$bin" scenario "$dir/huge.json" --target sim
head -c 100000 /dev/zero | tr '\0' '[' >"$dir/deep.json"
named 2 "a scenario nested 100,000 levels" "nested deeper than" "$bin" scenario "$dir/deep.json" --target sim
named 2 "report of a results file nested 100,000 levels" "nested deeper than" "$bin" report "$dir/deep.json"
echo '{}' >"$dir/empty.json"
named 2 "report of {}" "not a results document" "$bin" report "$dir/empty.json"
echo '{"schema": "stress_testing.results", "schema_version": 99}' >"$dir/future.json"
named 2 "report of a newer schema_version" "schema_version" "$bin" report "$dir/future.json"
named 2 "a --presentation nested 100,000 levels" "nested deeper than" "$bin" scenario peak_load --target sim \
  --presentation "$dir/deep.json"
touch "$dir/a-file"
named 1 "--out that cannot be written" "nothing was run" "$bin" scenario peak_load --target sim --time-scale 0.002 \
  --load-scale 0.01 --quiet --out "$dir/a-file/results"
# Nothing succeeded (a port where nothing listens): a failure naming the first cause, unless opted out.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect 99 "a run in which nothing succeeded" "$bin" "http://127.0.0.1:$closed/" --rate 50 --duration 0.5s -c 2 -t 1 \
  --quiet --out "$dir/none"
grep -q "no request succeeded: .* connect_error (first: " "$dir/out.txt" ||
  { cat "$dir/out.txt"; fail "the summary says nothing succeeded, and why"; }
grep -q "first connect_error: " "$dir/out.txt" || { cat "$dir/out.txt"; fail "the summary names the first cause"; }
grep -q '"failure_causes": {' "$dir/none/results.json" || fail "results.json names the failure causes"
expect 0 "--allow-no-success opts out" "$bin" "http://127.0.0.1:$closed/" --rate 50 --duration 0.5s -c 2 -t 1 \
  --quiet --out "$dir/none-ok" --allow-no-success
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
source "$(dirname "$0")/test_common.sh"
start_fraud_service
expect 0 "quick mode at a fixed rate" "$bin" "$url/health" --rate 500 --duration 2s -c 8 -t 1 --quiet \
  --out "$dir/quick" --slo "error_rate < 0.01"
grep -q "intended 1000," "$dir/out.txt" || { cat "$dir/out.txt"; fail "2 s at 500/s is 1000 intended requests"; }
grep -q "(all accounted)" "$dir/out.txt" || fail "every request accounted for"
expect 0 "quick mode as fast as possible" "$bin" "$url/health" --duration 1s -c 4 -t 1 --quiet --out "$dir/max"
grep -q "ok [1-9][0-9]*" "$dir/out.txt" || fail "closed-loop requests completed"

# The descriptor limit: a soft limit below what --connections needs is raised up to the hard one
# (200 connections under a soft limit of 128 all open) ...
( ulimit -Sn 128; "$bin" "$url/health" --duration 1s -c 200 -t 1 --quiet --out "$dir/fds" ) >"$dir/fds.txt" 2>&1 ||
  { cat "$dir/fds.txt"; fail "200 connections under a soft descriptor limit of 128"; }
grep -q '"connections_opened": 200' "$dir/fds/results.json" || { cat "$dir/fds.txt"; fail "all 200 connections opened"; }
grep -q "file descriptors" "$dir/fds.txt" && { cat "$dir/fds.txt"; fail "no warning when the limit could be raised"; }
# ... and a hard limit too low is named, and the connections beyond it are counted, not fatal.
( ulimit -n 128; "$bin" "$url/health" --duration 1s -c 200 -t 1 --quiet --out "$dir/fds-low" ) >"$dir/fds-low.txt" 2>&1
grep -q "200 connection(s) need about 456 file descriptors, but the limit is 128 (hard limit 128)" "$dir/fds-low.txt" ||
  { cat "$dir/fds-low.txt"; fail "a hard descriptor limit below the connections is named"; }
grep -q "(all accounted)" "$dir/fds-low.txt" || { cat "$dir/fds-low.txt"; fail "every request accounted for out of descriptors"; }
echo "ok: the descriptor limit is raised for --connections, or named when it cannot be"

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
grep -q "not sent at stop [1-9]" "$dir/int.txt" || { cat "$dir/int.txt"; fail "the rest of the plan is not sent at stop"; }
grep -q " dropped 0 " "$dir/int.txt" || { cat "$dir/int.txt"; fail "a stop drops nothing"; }
[ -f "$dir/interrupted/results.json" ] || fail "results.json written after Ctrl-C"
grep -q '"not_sent_at_stop": [1-9]' "$dir/interrupted/results.json" || fail "results.json counts the rest apart"
echo "ok: Ctrl-C drains and writes the results"

# The dashboard's Stop is a user's stop too: the plan's rest is not sent, nothing fails, exit 0.
"$bin" "$url/health" --rate 500 --duration 60s -c 8 -t 1 --quiet --dashboard 127.0.0.1:0 --out "$dir/dash-stop" \
  >"$dir/dash-stop.txt" 2>"$dir/dash-stop.err" &
run=$!
for _ in $(seq 100); do grep -qs "admin token" "$dir/dash-stop.err" && break; sleep 0.1; done
dash=$(sed -n 's/^dashboard: \(http:[^ ]*\) .*/\1/p' "$dir/dash-stop.err" | head -1)
token=$(sed -n 's/.*(admin token: \([0-9a-f]*\)).*/\1/p' "$dir/dash-stop.err" | head -1)
[ -n "$dash" ] && [ -n "$token" ] || { cat "$dir/dash-stop.err"; fail "the dashboard did not announce itself"; }
sleep 1
curl -sf -X POST -H "Authorization: Bearer $token" "${dash%/}/api/control/stop" >/dev/null || fail "POST /api/control/stop"
wait $run
code=$?
[ "$code" -eq 0 ] || { cat "$dir/dash-stop.txt" "$dir/dash-stop.err"; fail "the dashboard's Stop on a healthy target exits 0 (got $code)"; }
grep -q "not sent at stop [1-9]" "$dir/dash-stop.txt" || { cat "$dir/dash-stop.txt"; fail "the rest is not sent at stop"; }
grep -q " dropped 0 " "$dir/dash-stop.txt" || { cat "$dir/dash-stop.txt"; fail "the dashboard's Stop drops nothing"; }
echo "ok: the dashboard's Stop is no failure"

# A second Ctrl-C does not wait for the drain: against a server that never answers, the first
# stop would wait the 5 s drain grace; the second ends the run at once, still with results.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
held, end = [], time.time() + 60
s.settimeout(1)
while time.time() < end:
    try: held.append(s.accept()[0])
    except OSError: pass
' >"$dir/silent-port.txt" &
silent=$!
trap 'kill $server $silent 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$dir/silent-port.txt" ] && break; sleep 0.1; done
"$bin" "http://127.0.0.1:$(cat "$dir/silent-port.txt")/" --rate 100 --duration 60s -c 4 -t 1 --timeout 60s --quiet \
  --out "$dir/twice" >"$dir/twice.txt" 2>&1 &
run=$!
sleep 1
kill -INT $run
sleep 0.3
kill -INT $run
second=$(date +%s.%N)
wait $run
code=$?
took=$(awk -v a="$second" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
kill $silent 2>/dev/null
[ "$code" -eq 99 ] || { cat "$dir/twice.txt"; fail "nothing succeeded after two Ctrl-C: exit 99 (got $code)"; }
awk -v t="$took" 'BEGIN { exit !(t < 2.5) }' || { cat "$dir/twice.txt"; fail "the second Ctrl-C took $took s"; }
[ -f "$dir/twice/results.json" ] || fail "results.json written after a second Ctrl-C"
echo "ok: a second Ctrl-C stops at once ($took s) and still writes the results"
echo "all exit-code checks passed"
