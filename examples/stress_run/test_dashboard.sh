#!/usr/bin/env bash
# Browser test of the dashboard (ctest example.stress_run.dashboard_browser):
#   1. runs the investor scenario, compressed, with --dashboard 127.0.0.1:0 and --out;
#   2. while it runs, loads the live page in headless Chromium and checks it shows numbers: every
#      hero tile has a value after the first interval, the presentation's story chart is drawn,
#      the agents the service reports are listed, the subtitle states the scaled plan, and no
#      resource reads a bare 0 for "unknown";
#   3. after it, loads report.html and checks that the DOM's hero TPS, p99, transactions, every
#      criterion verdict and the presentation's flow nodes, cost and benchmark figures equal
#      results.json's, and the live business series ends on the final figures;
#   4. keeps a screenshot of every view mid-run (live-VIEW.png) and at the end (VIEW.png, and
#      presenter.png) in WORK/screenshots.
# Usage: test_dashboard.sh STRESS_RUN WORK_DIR. Exit 77 (skipped) without chromium. Bounded in
# time; kills what it started.
set -euo pipefail
stress_run=$1
work=$2
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "SKIP: no chromium (scripts/install-deps installs it)"
  exit 77
fi

rm -rf "$work"
mkdir -p "$work/screenshots"
out="$work/results"
log="$work/stress-run.log"
run_pid=""
cleanup() {
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then kill "$run_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

chrome() {  # chrome OUTPUT_FLAG... URL: one headless page load, at most 40 s
  timeout -k 5 40 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" --window-size=1400,900 --hide-scrollbars "$@" 2>>"$work/chromium.log"
}
fail() { echo "FAIL: $*"; echo "--- stress-run log"; cat "$log" 2>/dev/null || true; exit 1; }

# 1. The run (48 s: long enough to load every view live, in parallel, on a busy machine).
# A bad presentation file is refused before anything runs, naming the field.
echo '{"competitors": [{"name": "x", "throughput_tps": "fast"}]}' >"$work/bad-presentation.json"
rc=0
"$stress_run" scenario investor_presentation --presentation "$work/bad-presentation.json" --quiet \
  >/dev/null 2>"$work/bad-presentation.log" || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --presentation file gave exit $rc, not 2"
grep -q 'competitors\[0\].throughput_tps: must be a number' "$work/bad-presentation.log" ||
  fail "the --presentation error does not name the field: $(cat "$work/bad-presentation.log")"

# A competitor's figures are supplied (--presentation), never measured: the page shows them as given.
cat >"$work/presentation.json" <<'JSON'
{"competitors": [{"name": "Legacy rules engine <b>v2</b>", "throughput_tps": 1200, "p99_response_time_ms": 850}]}
JSON
"$stress_run" scenario investor_presentation --time-scale 0.08 --load-scale 0.05 --threads 1 --connections 64 \
  --quiet --dashboard 127.0.0.1:0 --presentation "$work/presentation.json" --out "$out" >"$work/stdout.log" 2>"$log" &
run_pid=$!

url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^dashboard: \(http:[^ ]*\) .*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$run_pid" 2>/dev/null || fail "stress-run ended before announcing the dashboard"
  sleep 0.1
done
[ -n "$url" ] || fail "no 'dashboard: URL' line within 10 s"
grep -Eq 'admin token: [0-9a-f]{32}\)' "$log" || fail "no 128-bit admin token printed"
echo "live dashboard at $url"

# 2. The live page, after a few intervals. No virtual-time budget: the event stream stays open,
# and virtual time would not advance until the run ends. The server embeds the document so far
# in the page, so the DOM is complete when the page has loaded.
sleep 3
kill -0 "$run_pid" 2>/dev/null || echo "note: the run had ended before the live checks completed"

# The live Prometheus endpoint: valid text format (promtool), and its outcome counters add up to
# no more than what the live exposition counts as intended (ended + in flight).
python3 - "$url" "$work/metrics.txt" <<'EOF' || fail "the live /metrics endpoint"
import re, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(url + "metrics", timeout=5) as r:
    assert r.status == 200, f"/metrics gave {r.status}"
    text = r.read().decode()
open(path, "w").write(text)
total = sum(float(v) for v in re.findall(r'^stress_testing_requests_total\{[^}]*\} (\S+)$', text, re.M))
intended = re.search(r'^stress_testing_requests_intended_total\{[^}]*\} (\S+)$', text, re.M)
assert total > 0, "no requests counted yet"
assert intended and float(intended.group(1)) >= total, "intended below the outcomes"
print(f"live /metrics: {total:.0f} requests ended, {float(intended.group(1)):.0f} intended so far")
EOF
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics.txt" || fail "promtool rejects the live /metrics"
  echo "promtool: the live /metrics is valid"
fi

# The admin controls: 401 without the token, then a small failure injected into the embedded
# service with it (50 ms of latency for 1 s: the run's criteria still pass).
token=$(sed -n 's/.*admin token: \([0-9a-f]*\)).*/\1/p' "$log" | head -1)
python3 - "$url" "$token" <<'EOF' || fail "the inject control"
import sys, urllib.request, urllib.error
url, token = sys.argv[1], sys.argv[2]
def post(path, headers):
    req = urllib.request.Request(url + path, data=b'{"failure_type":"NETWORK_LATENCY","severity":0.05,"duration_seconds":1}',
                                 method="POST", headers=dict(headers, **{"Content-Type": "application/json"}))
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
assert post("api/control/inject", {}) == 401, "no token must give 401"
assert post("api/control/inject", {"Authorization": "Bearer " + "0" * 32}) == 401, "a wrong token must give 401"
status = post("api/control/inject", {"Authorization": "Bearer " + token})
assert status == 202, f"inject with the token gave {status}"
print("controls: 401 without or with a wrong token, 202 with it")
EOF
# The DOM of two views and a screenshot of every view, mid-run, in parallel (one browser each,
# at most 40 s): all of them see the run under way.
live_chrome() {  # NAME OUTPUT_FLAG... URL
  local name=$1
  shift
  timeout -k 5 40 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile-$name" --window-size=1400,900 --hide-scrollbars "$@" 2>>"$work/chromium.log"
}
shots=()
live_chrome dom-presentation --dump-dom "${url}#presentation" >"$work/live.html" &
shots+=($!)
live_chrome dom-agents --dump-dom "${url}#agents" >"$work/live-agents.html" &
shots+=($!)
for pid in "${shots[@]}"; do wait "$pid" || true; done
shots=()
for view in presentation system agents analytics admin; do
  live_chrome "$view" --screenshot="$work/screenshots/live-$view.png" "${url}#$view" >/dev/null &
  shots+=($!)
done
for pid in "${shots[@]}"; do wait "$pid" || true; done
for view in presentation system agents analytics admin; do
  [ -s "$work/screenshots/live-$view.png" ] || fail "no live screenshot of $view"
done
kill -0 "$run_pid" 2>/dev/null || fail "the run had ended before the live views were loaded"
python3 - "$work/live.html" <<'EOF' || fail "the live page shows no numbers"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
mode = re.search(r'<body[^>]*data-mode="(\w+)"', dom)
assert mode and mode.group(1) == "live", "page not in live mode"
rendered = re.search(r'data-rendered="(\d+)"', dom)
assert rendered and int(rendered.group(1)) >= 1, "no interval rendered"
tps = re.search(r'data-metric="hero-tps" data-value="([^"]*)"', dom)
assert tps and float(tps.group(1)) > 0, "no current TPS"
p99 = re.search(r'data-metric="p99" data-value="([^"]*)"', dom)
assert p99 and float(p99.group(1)) > 0, "no p99"
# After the first interval no hero tile reads "—": each has a raw value.
for name in ("hero-transactions", "hero-fraud-blocked", "hero-money-saved", "hero-uptime", "hero-tps", "hero-accuracy"):
    m = re.search(r'data-metric="%s" data-value="([^"]*)"' % name, dom)
    assert m and m.group(1) != "", f"hero tile {name} has no value mid-run"
    print(f"  live {name} = {m.group(1)}")
# The story chart is drawn (uPlot's canvas) with the intervals so far.
story = re.search(r'id="chart-story"[^>]*data-points="(\d+)"', dom)
assert story and int(story.group(1)) >= 1 and "<canvas" in dom.split('id="chart-story"', 1)[1][:4000], "no story chart"
# The subtitle states the scaled plan (8,000/s x --load-scale 0.05 = 400/s), not the design's 8,000.
sub = re.search(r'data-metric="scenario-description" data-value="([^"]*)"', dom)
assert sub and "peak 400 transactions/s" in sub.group(1) and "8,000" not in sub.group(1), f"subtitle: {sub and sub.group(1)}"
# The scheduled failure is shown (scheduled, active or over), never "no failure".
assert re.search(r'data-metric="window-0-state" data-value="(scheduled|active|over)"', dom), "the failure is not shown"
# Resources: a number or "unknown: why", never an invented 0.
for name in ("cpu-run", "memory-generator", "memory-target"):
    m = re.search(r'data-metric="%s" data-value="([^"]*)"' % name, dom)
    assert m and (m.group(1).startswith("unknown: ") or float(m.group(1)) > 0), f"{name}: {m and m.group(1)!r}"
# The flow comes with each interval (the live presentation): ingestion, the agents, decision.
for name in ("flow-ingestion-tps", "flow-decision-tps", "flow-decision-latency"):
    m = re.search(r'data-metric="%s" data-value="([^"]*)"' % name, dom)
    assert m and m.group(1) != "", f"{name} has no value mid-run"
assert len(re.findall(r'data-metric="flow-agent-[^"]*-tps"', dom)) >= 4, "no agents in the live flow"
print(f"live: {rendered.group(1)} interval(s), current TPS {tps.group(1)}, p99 {p99.group(1)} ms, story {story.group(1)} point(s)")
EOF
python3 - "$work/live-agents.html" <<'EOF' || fail "the live Agents view does not list the service's agents"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
calls = re.findall(r'data-metric="agent-([A-Za-z0-9_-]+)-calls" data-value="(\d+)"', dom)
assert len(calls) >= 4, f"agents listed live: {calls}"
assert re.search(r'id="agents-empty"[^>]*hidden', dom), "'no agents' shown"
print("live agents: " + ", ".join(f"{a} ({n} calls)" for a, n in calls))
EOF

# 3. The end of the run and its report.
for _ in $(seq 1 900); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$run_pid" 2>/dev/null && fail "stress-run still running 90 s after it was checked live"
rc=0
wait "$run_pid" || rc=$?
run_pid=""
# 98: inconclusive, when a busy machine made the generator late (its latency criterion is then judged neither way).
[ "$rc" -eq 0 ] || [ "$rc" -eq 98 ] || fail "stress-run exited with $rc"
[ -s "$out/results.json" ] || fail "no results.json"
[ -s "$out/report.html" ] || fail "no report.html next to results.json"
grep -q 'report: .*report.html' "$log" || fail "report.html not announced"

# `stress-run report` gives the same page from the results file.
"$stress_run" report "$out/results.json" -o "$work/report-cmd.html" >/dev/null || fail "stress-run report failed"
[ -s "$work/report-cmd.html" ] || fail "stress-run report wrote nothing"

report="file://$(cd "$out" && pwd)/report.html"
chrome --virtual-time-budget=3000 --dump-dom "$report" >"$work/report-dom.html" || fail "chromium could not load the report"
python3 - "$out/results.json" "$work/report-dom.html" "$out/report.html" <<'EOF' || fail "the report's DOM does not match results.json"
import json, re, sys
results = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()

def value(name):
    m = re.search(r'data-metric="%s" data-value="([^"]*)"' % re.escape(name), dom)
    assert m, f"no data-metric={name} in the DOM"
    return m.group(1)

def same(name, expected):
    got = value(name)
    if expected is None:
        assert got == "", f"{name}: expected no value, got {got!r}"
    elif isinstance(expected, str):
        assert got == expected, f"{name}: DOM {got!r} != results {expected!r}"
    else:
        assert got != "" and abs(float(got) - float(expected)) <= 1e-9 * max(1.0, abs(float(expected))), \
            f"{name}: DOM {got!r} != results {expected!r}"
    print(f"  {name} = {got}")

hero = results["hero_metrics"]
assert re.search(r'<body[^>]*data-mode="report"', dom), "page not in report mode"
same("hero-tps", hero["transactions_per_second"])
same("hero-transactions", hero["total_transactions"])
same("hero-fraud-blocked", hero["fraud_blocked"])
same("hero-money-saved", hero["money_saved"])
# One uptime: the hero's and the resilience figure are the same number, shown twice.
assert hero["uptime_percentage"] == results["resilience"]["uptime_percentage"], "hero and resilience uptime differ"
same("hero-uptime", hero["uptime_percentage"])
same("uptime", results["resilience"]["uptime_percentage"])
same("ai-confidence", hero["ai_confidence"])
same("p99", results["summary"]["p99_response_time_ms"])
same("p95", results["summary"]["p95_response_time_ms"])
assert results["criteria"], "the scenario has criteria"
for i, c in enumerate(results["criteria"]):
    same(f"criterion-{i}-verdict", c["verdict"])
for i, w in enumerate(results["resilience"]["windows"]):
    same(f"window-{i}-affected", w["requests_affected"])
# The investor figures: return per $1 and projections come from results.json, computed once in C++.
same("return-per-dollar", results["projections"]["return_per_dollar"])
same("money-saved-per-day", results["projections"]["money_saved_per_day"])
same("cost-per-day", results["projections"]["cost_per_day"])
# The live business series ends on the final figures (the same functions over the same counts).
last = results["business_series"][-1]
assert last["transactions"] == hero["total_transactions"], (last, hero)
assert abs(last["money_saved"] - hero["money_saved"]) <= 1e-6 * max(1, abs(hero["money_saved"])), (last, hero)
assert last["fraud_blocked"] == hero["fraud_blocked"], (last, hero)
# Alerts: in results.json and listed in the report (SLA violations), one row per alert.
for i, a in enumerate(results["alerts"]["events"]):
    same(f"alert-{i}-severity", a["severity"])
assert "<canvas" in dom.split('id="chart-story"', 1)[1][:4000], "no story chart in the report"
# The presentation (the seed's PresentationData, derived once in C++): the page's flow, cost and
# benchmark figures are results.json's, node by node; a null is shown as no value.
pres = results["presentation"]
safe = lambda t: re.sub(r'[^A-Za-z0-9_-]', '_', t)
nodes = pres["transaction_flow_data"]
assert [n["node_type"] for n in nodes][0] == "ingestion" and nodes[-1]["node_type"] == "decision", nodes
assert sum(n["node_type"] == "agent" for n in nodes) >= 4, "the flow has no agents"
for n in nodes:
    same(f"flow-{safe(n['node_id'])}-tps", n["throughput"])
    same(f"flow-{safe(n['node_id'])}-latency", n["latency_ms"])
    same(f"flow-{safe(n['node_id'])}-error-rate", n["error_rate"])
    assert re.search(r'data-node="%s" data-status="%s"' % (re.escape(n["node_id"]), n["status"]), dom), f"node {n['node_id']} status"
# The decision node is the run's achieved throughput; ingestion what was due per second.
assert nodes[-1]["throughput"] == results["summary"]["throughput_tps"], (nodes[-1], results["summary"])
due = results["accounting"]["intended"] - results["accounting"]["not_sent_at_stop"]
assert abs(nodes[0]["throughput"] - due / results["elapsed_seconds"]) <= 1e-9 * nodes[0]["throughput"], nodes[0]
ce = pres["cost_efficiency"]
for name, key in (("cost-per-transaction", "cost_per_transaction"), ("cost-per-fraud-detected", "cost_per_fraud_detected"),
                  ("cost-hourly", "current_hourly_cost"), ("cost-monthly", "current_monthly_cost"),
                  ("cost-potential-savings", "potential_savings"), ("cost-hourly-bedrock", "bedrock_cost")):
    same(name, ce[key])
assert abs(ce["current_hourly_cost"] - results["projections"]["cost_per_hour"]) <= 1e-9 * ce["current_hourly_cost"], ce
assert abs(ce["current_monthly_cost"] - 730 * ce["current_hourly_cost"]) <= 1e-9 * ce["current_monthly_cost"], ce
cb = pres["competitive_benchmarks"]
competitor = cb["competitors"][0]
assert competitor["figures"] == {"throughput_tps": 1200, "p99_response_time_ms": 850}, competitor
same("competitor-0-throughput_tps", competitor["figures"]["throughput_tps"])
same("competitor-0-p99_response_time_ms", competitor["figures"]["p99_response_time_ms"])
# One competitor: its figures are the average; the improvement is (theirs - ours) / theirs for p99.
assert cb["competitor_avg"] == {"p99_response_time_ms": 850, "throughput_tps": 1200}, cb["competitor_avg"]
ours = cb["our_performance"]
assert ours["p99_response_time_ms"] == results["summary"]["p99_response_time_ms"], ours
assert abs(cb["improvement_percentage"]["p99_response_time_ms"] - (850 - ours["p99_response_time_ms"]) / 850 * 100) <= 1e-9, cb
for k in ("throughput_tps", "p99_response_time_ms"):
    same(f"ours-{k}", ours[k])
    same(f"competitor-avg-{k}", cb["competitor_avg"][k])
    same(f"improvement-{k}", cb["improvement_percentage"][k])
same("market-position", cb["market_position"])
same("business-narrative", pres["business_narrative"])
assert "Legacy rules engine &lt;b&gt;v2&lt;/b&gt;" in dom, "the competitor's name is not shown escaped"
page = open(sys.argv[3], encoding="utf-8").read()
assert '<script id="results" type="application/json">' in page, "no embedded results"
# Offline: nothing but inline scripts and styles.
assert not re.search(r'<script[^>]+src=|<link[^>]+href=', page), "the report loads external files"
print("report matches results.json")
EOF

for view in presentation system agents analytics admin; do
  chrome --virtual-time-budget=3000 --screenshot="$work/screenshots/$view.png" "${report}#$view" >/dev/null ||
    fail "screenshot of $view"
  [ -s "$work/screenshots/$view.png" ] || fail "empty screenshot of $view"
done
# Presenter mode (?present): large type, the story and the final summary slide.
chrome --virtual-time-budget=3000 --dump-dom "${report}?present#presentation" >"$work/presenter-dom.html" || fail "presenter mode"
python3 - "$work/presenter-dom.html" <<'EOF' || fail "presenter mode"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
assert re.search(r'<body[^>]*class="[^"]*presenter', dom), "presenter mode not on with ?present"
slide = re.search(r'<div id="summary-slide"([^>]*)>', dom)
assert slide and "hidden" not in slide.group(1), "no summary slide at the end in presenter mode"
print("presenter mode: summary slide shown")
EOF
chrome --virtual-time-budget=3000 --screenshot="$work/screenshots/presenter.png" "${report}?present#presentation" >/dev/null ||
  fail "screenshot of presenter mode"
echo "screenshots: $work/screenshots"
echo "dashboard browser test passed"
