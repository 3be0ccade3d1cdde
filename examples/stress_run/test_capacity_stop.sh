#!/usr/bin/env bash
# `stress-run capacity` stopped and sampled as asked (docs/capacity.md), against the simulated
# service (no sockets, parallel-safe): Ctrl-C (SIGINT) or SIGTERM between steps, or during one,
# still writes capacity.json and capacity.html with the steps done, stop "cancelled", a summary
# saying it was interrupted, exit 98; `--interval` sets each step's sampling (the drift halves'
# resolution), and one longer than half a step is refused naming the option.
set -uo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/test_common.sh"  # fail, expect

# Starts a search with a long drain (or long steps) in the background; $pid, output in $dir/$1.*.
start_search() {
  local name=$1; shift
  "$bin" capacity sim --slo "p99_response_time_ms < 100" --min-rate 1000 --max-rate 4000 --threads 1 \
    --late-threshold 20ms --out "$dir/$name" "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  pid=$!
}
wait_for() {  # wait_for FILE PATTERN: up to 20 s
  for _ in $(seq 200); do grep -q "$2" "$1" && return 0; sleep 0.1; done
  cat "$1"; fail "never saw '$2' in $1"
}
# check_interrupted NAME SIGNAL STEPS: the search ended by SIGNAL wrote its steps done.
check_interrupted() {
  local name=$1 signal=$2 steps=$3
  kill "-$signal" "$pid"
  wait "$pid"
  local rc=$?
  cat "$dir/$name.err" "$dir/$name.out"
  [ "$rc" -eq 98 ] || fail "$name: exit $rc after SIG$signal, expected 98"
  python3 - "$dir/$name/capacity.json" "$steps" <<'PY' || fail "$name: capacity.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stop"] == "cancelled", d["stop"]
assert len(d["steps"]) == int(sys.argv[2]), len(d["steps"])
n = len(d["steps"])
assert f"interrupted after {n} step" in d["summary"], d["summary"]
if n and d["steps"][0]["verdict"] == "pass":  # (a busy machine may make it the generator's)
    assert d["max_sustainable_rps"] == 1000
PY
  grep -q "^capacity: .*interrupted after $steps step" "$dir/$name.out" || fail "$name: the summary line"
  [ -s "$dir/$name/capacity.html" ] || fail "$name: capacity.html"
  echo "ok: $name"
}

# Between steps: the first step is judged (its line printed), the 60 s drain before the second
# has begun. (Its 1 s is long over at 6 s even on a busy machine, should the line be slow.)
start_search between --step-duration 1s --drain 60s
wait_for "$dir/between.err" "^capacity of "
for _ in $(seq 60); do grep -q "^step 1 " "$dir/between.err" && break; sleep 0.1; done
t0=$(date +%s)
check_interrupted between INT 1
[ $(( $(date +%s) - t0 )) -lt 30 ] || fail "the drain was not cut short"

# SIGTERM between steps, the same.
start_search term --step-duration 1s --drain 60s
wait_for "$dir/term.err" "^capacity of "
for _ in $(seq 60); do grep -q "^step 1 " "$dir/term.err" && break; sleep 0.1; done
check_interrupted term TERM 1

# During the first (60 s) step: no step done, still a document.
start_search during --step-duration 60s --drain 0
wait_for "$dir/during.err" "^capacity of "
sleep 1
check_interrupted during INT 0

run_search() {  # run_search DESCRIPTION ARGS...: exit 0, or 98 when a busy machine made a step the generator's
  local what=$1; shift
  "$bin" "$@" >"$dir/out.txt" 2>"$dir/err.txt"
  local rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 98 ] || { cat "$dir/out.txt" "$dir/err.txt"; fail "$what: exit $rc"; }
  echo "ok: $what (exit $rc)"
}
# --interval: 250 ms in 1 s steps gives halves of 2 intervals each (the default: a tenth of the
# step, 5 each); half a step at most. (1,000 responses bound a p99: the first step is decided.)
run_search "--interval 250ms" capacity sim --slo "p99_response_time_ms < 100" --min-rate 1000 --max-rate 2000 \
  --step-duration 1s --drain 0 --threads 1 --late-threshold 20ms --interval 250ms --quiet --out "$dir/iv"
run_search "the default interval" capacity sim --slo "p99_response_time_ms < 100" --min-rate 1000 --max-rate 2000 \
  --step-duration 1s --drain 0 --threads 1 --late-threshold 20ms --quiet --out "$dir/default"
python3 - "$dir/iv/capacity.json" "$dir/default/capacity.json" <<'PY' || fail "the intervals of the steps"
import json, sys
iv, default = (json.load(open(p)) for p in sys.argv[1:])
assert iv["options"]["interval_seconds"] == 0.25 and default["options"]["interval_seconds"] is None
for s in iv["steps"]:  # an extended step is longer: its halves hold more intervals
    half = round(s["seconds"] / 2 / 0.25)
    print("--interval 250ms:", s["seconds"], "s:", s["drift"]["intervals"])
    assert s["drift"]["intervals"][0] == half and s["drift"]["intervals"][1] >= half, s["drift"]
for s in default["steps"]:
    print("default:", s["drift"]["intervals"])
    assert s["drift"]["intervals"][0] == 5 and s["drift"]["intervals"][1] >= 5, s["drift"]
PY
expect 2 "--interval over half a step" "$bin" capacity sim --slo "p99_response_time_ms < 100" --step-duration 1s \
  --interval 600ms --out "$dir/bad"
grep -q -- "--interval '600ms': must be at most half of --step-duration" "$dir/err.txt" || fail "the option is named"
[ ! -e "$dir/bad/capacity.json" ] || fail "nothing is run on a usage error"
echo "all capacity stop and interval checks passed"
