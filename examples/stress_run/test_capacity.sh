#!/usr/bin/env bash
# Known answers for `stress-run capacity` (docs/capacity.md): against the embedded sample service
# scaled down to 8 slots (its nominal capacity, ~980 TPS, is what serve-fraud prints), the search
# lands within 10% below it and never more than 1% above; capacity.json holds the documented
# fields; an SLO no rate can meet exits 99 and still writes the file; bad options exit 2 naming
# the option. Short steps keep it to ~20 s.
set -uo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/test_common.sh"  # fail, expect

# --late-threshold 20ms: a shared CI machine's stalls of a few ms must not make every step the
# generator's (they would be repeated, then bound the search as the generator's limit).
expect 0 "capacity of the embedded service" "$bin" capacity embedded --service-concurrency 8 \
  --slo "p99_response_time_ms < 200" --slo "error_rate < 0.01" --min-rate 250 --max-rate 4000 \
  --step-duration 2s --drain 300ms --threads 1 --connections 64 --late-threshold 20ms --out "$dir/found"
cat "$dir/err.txt" "$dir/out.txt"
grep -q "^capacity: max sustainable rate" "$dir/out.txt" || fail "the summary line"
python3 - "$dir/found/capacity.json" <<'PY' || fail "capacity.json"
import json, sys
d = json.load(open(sys.argv[1]))
truth = d["target"]["nominal_capacity_tps"]
found = d["max_sustainable_rps"]
print(f"found {found:.1f}/s, nominal {truth:.1f}/s ({100 * found / truth:.1f}%)")
assert d["schema"] == "stress_testing.capacity" and d["schema_version"] == 1
assert 0.90 * truth <= found <= 1.01 * truth, (found, truth)
assert d["bracket"]["low"] == found and d["bracket"]["high"] > found
assert d["stop"] == "converged"
assert (d["bracket"]["high"] - d["bracket"]["low"]) <= 0.05 * d["bracket"]["high"]
for s in d["steps"]:
    for k in ("rate", "achieved_rps", "percentiles", "error_rate", "slos", "drift", "generator", "verdict"):
        assert k in s, k
    assert [p["percentile"] for p in s["percentiles"]] == [50, 90, 99, 99.9]
    assert len(s["slos"]) == 2 and all(j["verdict"] in ("pass", "fail", "undecided", "no_data") for j in s["slos"])
    if s["verdict"] == "pass":
        assert s["rate"] <= found
assert d["knee"] is None or d["knee"]["rate"] <= d["bracket"]["high"]
PY

expect 99 "an SLO no rate meets" "$bin" capacity embedded --service-concurrency 8 --slo "p99_response_time_ms < 0.001" \
  --min-rate 300 --step-duration 1s --drain 0 --threads 1 --connections 16 --late-threshold 20ms --quiet --out "$dir/none"
grep -q "no rate met p99_response_time_ms < 0.001" "$dir/out.txt" || fail "the summary says no rate met the SLO"
grep -q '"max_sustainable_rps": null' "$dir/none/capacity.json" || fail "capacity.json written without an answer"

expect 2 "no --slo" "$bin" capacity sim
grep -q "slos" "$dir/err.txt" || fail "the missing SLOs are named"
expect 2 "bad --step-duration" "$bin" capacity sim --slo "error_rate < 0.01" --step-duration 10parsecs
grep -q -- "--step-duration" "$dir/err.txt" || fail "the option is named"
expect 2 "--max-rate below --min-rate" "$bin" capacity sim --slo "error_rate < 0.01" --min-rate 100 --max-rate 50
grep -q "max_rate" "$dir/err.txt" || fail "the field is named"
echo "all capacity checks passed"
