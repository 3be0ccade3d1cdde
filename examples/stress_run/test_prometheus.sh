#!/usr/bin/env bash
# A real Prometheus (Debian's prometheus) scrapes a live stress-run (docs/exporters.md): the test
# starts Prometheus on loopback with its own storage in a temp dir, a 500 ms scrape interval and
# one target, the /metrics of a short run against the embedded sample service (`--dashboard`);
# then it asks Prometheus's query API for the requests total and compares it with results.json.
#
# Why the check is exact: the run keeps its dashboard up after the end (--dashboard-linger), and
# from the end /metrics is rendered from the results document itself, which alone carries
# `stress_testing_run_passed`. The test waits for a scrape holding that series, takes its
# timestamp T, and queries every counter at T: those samples come from that same scrape, so they
# must equal results.json's accounting to the request. Earlier scrapes (during the run) must show
# fewer requests, which proves the scraping was live.
#
# The Grafana dashboard (dashboard/grafana/stress_testing.json) is checked against the same
# Prometheus: each query names only metrics the exporter emits and returns data at T.
# Bounded: Prometheus runs under `timeout`, and both processes are killed on exit. Exits 77
# (ctest SKIP_RETURN_CODE) when prometheus or python3 is not installed (scripts/install-deps).
set -uo pipefail
bin=$1 dir=$2 grafana=$3
prometheus=${PROMETHEUS:-/usr/bin/prometheus}
[ -x "$prometheus" ] || { echo "SKIP: $prometheus not installed (scripts/install-deps installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir/data"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$dir/prometheus.txt" "$dir/run.txt" 2>/dev/null; exit 1; }

# Two free loopback ports (a port picked then closed: a tiny race, only on a busy shared host).
read -r prom_port run_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
for x in s: x.close()')
cat >"$dir/prometheus.yml" <<YML
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: stress_run
    static_configs:
      - targets: ['127.0.0.1:$run_port']
YML
timeout 120 "$prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$prom_port" --storage.tsdb.retention.time=1h >"$dir/prometheus.txt" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$prom_port"
for _ in $(seq 100); do curl -sf --max-time 1 "$api/-/ready" >/dev/null && break; sleep 0.1; done
curl -sf --max-time 1 "$api/-/ready" >/dev/null || fail "Prometheus not ready within 10 s"
# Prometheus hands new targets to its scrapers at most every 5 s: wait for a first (failed) scrape
# of the target, so that the scrapes cover the whole run.
scraping() {
  curl -sf --max-time 1 "$api/api/v1/targets" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if t and not t[0]["lastScrape"].startswith("0001-") else 1)'
}
for _ in $(seq 150); do scraping && break; sleep 0.1; done
scraping || fail "Prometheus did not try the target within 15 s"
echo "Prometheus ready on $api, scraping 127.0.0.1:$run_port every 500 ms"

# The run: the investor presentation 100x faster at 5% load (about 6 s), its /metrics on run_port.
"$bin" scenario investor_presentation --time-scale 0.01 --load-scale 0.05 --threads 1 --connections 64 --quiet \
  --dashboard "127.0.0.1:$run_port" --dashboard-linger 4 --out "$dir/run" >"$dir/run.txt" 2>&1 &
run_pid=$!
pids+=($run_pid)
for _ in $(seq 600); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$run_pid" 2>/dev/null && fail "stress-run still running 60 s after start"
wait "$run_pid"; code=$?
[ "$code" -eq 0 ] || [ "$code" -eq 98 ] || [ "$code" -eq 99 ] || fail "the run exited $code"
grep -q "serving the final results for 4 s" "$dir/run.txt" || fail "the run did not linger"
[ -f "$dir/run/results.json" ] || fail "no results.json"

python3 - "$api" "$dir/run/results.json" "$grafana" <<'PY' || fail "Prometheus's answers"
import json, re, sys, time, urllib.parse, urllib.request
api, results_path, grafana_path = sys.argv[1:4]
results = json.load(open(results_path))
acc = results["accounting"]

def query(expr, at=None, span=None):
    """An instant query at `at`, or a range query over the `span` seconds before it."""
    args = {"query": expr}
    if span is not None:
        args.update(start=repr(at - span), end=repr(at), step="0.5")
    elif at is not None:
        args["time"] = repr(at)
    url = api + ("/api/v1/query_range?" if span else "/api/v1/query?") + urllib.parse.urlencode(args)
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = json.load(r)
    assert doc["status"] == "success", doc
    return doc["data"]["result"]

# The final scrapes: the only expositions with stress_testing_run_passed. The run lingered 4 s
# after the end and has exited, so Prometheus scraped it (every 500 ms) or never will. At the
# first one's time T, every series' latest sample is that scrape's.
found = query("stress_testing_run_passed[5m]")  # the raw samples, with their scrape times
assert found, "no scrape of the final exposition (stress_testing_run_passed)"
t = float(found[0]["values"][0][0])  # the first final scrape

by_outcome = {s["metric"]["outcome"]: int(float(s["value"][1])) for s in query("stress_testing_requests_total", t)}
assert by_outcome == acc["outcomes"], f"Prometheus at T {by_outcome} != results.json {acc['outcomes']}"
total = int(float(query("sum(stress_testing_requests_total)", t)[0]["value"][1]))
intended = int(float(query("stress_testing_requests_intended_total", t)[0]["value"][1]))
assert total == acc["intended"] == intended, (total, intended, acc["intended"])
print(f"Prometheus's requests total at the final scrape: {total} = results.json accounting.intended {acc['intended']}"
      f" (ok {by_outcome['ok']})")

# Live: several scrapes during the run, the first of them with fewer requests than the end.
samples = int(float(query("count_over_time(stress_testing_requests_intended_total[5m])", t)[0]["value"][1]))
first = float(query("min_over_time(stress_testing_requests_intended_total[5m])", t)[0]["value"][1])
assert samples >= 6, f"only {samples} scrapes up to the end of a 6 s run"
assert first < total, f"no scrape before the end (first sample {first}, total {total})"
print(f"{samples} scrapes up to the first final one; the earliest saw {first:.0f} requests intended")

# The Grafana dashboard: every metric its queries name is one Prometheus got from us, and every
# query returns data over the last minute, as Grafana would draw it (template variables replaced:
# live-only gauges such as the planned rate are absent from the final exposition).
names = {m for m in json.load(urllib.request.urlopen(api + "/api/v1/label/__name__/values", timeout=5))["data"]}
board = json.load(open(grafana_path))
checked = 0
for panel in board["panels"]:
    for target in panel["targets"]:
        expr = target["expr"]
        for metric in set(re.findall(r"\bstress_testing_[a-z_]+", expr)):
            assert metric in names, f"panel '{panel['title']}': {metric} is not a metric the exporter emits"
        live = expr.replace("$__rate_interval", "5s").replace('"$scenario"', '".*"')
        assert query(live, t, span=60), f"panel '{panel['title']}': no data for {live}"
        checked += 1
for var in board["templating"]["list"]:
    if var["type"] == "query":
        metric = re.search(r"label_values\((\w+),\s*(\w+)\)", var["definition"])
        assert metric and metric.group(1) in names, var["definition"]
        assert query(f"count by ({metric.group(2)}) ({metric.group(1)})", t), var["definition"]
print(f"Grafana dashboard: {checked} queries over {len(board['panels'])} panels return data; metric names match")
PY
echo "ok: a real Prometheus scraped the live run and its total matches results.json"
