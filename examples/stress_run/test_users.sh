#!/usr/bin/env bash
# ctest example.stress_run.users: peak_load as the seed's "500+ concurrent users" - 500 closed-model
# users thinking 100 ms against the embedded service for 3.6 s. The summary reports the population
# and Little's law, every request is accounted for, and (with Chromium) the report's System view
# charts the users over time from intervals[].users. Then a session of score and feedback per user.
# Usage: test_users.sh STRESS_RUN WORK_DIR.
set -uo pipefail
bin=$1 dir=$2
source "$(dirname "$0")/test_common.sh"  # fail
rm -rf "$dir" && mkdir -p "$dir"
# The exit code is the verdict's: on a busy machine the generator can make it inconclusive (98).
"$bin" scenario peak_load --users 500 --think-time 100ms --nominal-response 2ms --time-scale 0.002 --threads 1 \
  --quiet --out "$dir/results" >"$dir/out.txt" 2>&1
python3 - "$dir/out.txt" <<'PY' || { cat "$dir/out.txt"; fail "the summary of 500 users"; }
import re, sys
text = open(sys.argv[1]).read()
assert re.search(r"load model: closed, 500 users \(peak active 500\)[^\n]*Little's law.*\(all accounted\).*results: .*results\.json",
                 text, re.S), "no closed-model summary"
PY
# A session per user (issue 15): 40 users each scoring a transaction, then sending an analyst's
# feedback on that decision, against the embedded service for 1.8 s. Both steps are reported on
# their own; every feedback finds its decision (the service answers 404 otherwise, a failure);
# the steps add up to the run's accounting.
"$bin" scenario peak_load --target embedded --users 40 --think-time 20ms --session score,feedback \
  --time-scale 0.001 --threads 1 --no-faults --quiet --out "$dir/session" >"$dir/session.txt" 2>&1
python3 - "$dir/session/results.json" <<'PY' || { cat "$dir/session.txt"; fail "a session of score then feedback"; }
import json, sys
r = json.load(open(sys.argv[1]))
steps = r["users"]["session"]
assert [s["name"] for s in steps] == ["score", "feedback"], steps
score, feedback = steps
assert score["path"] == "/v1/transactions/score" and feedback["path"] == "/v1/transactions/feedback", steps
a = r["accounting"]
assert a["intended"] == sum(s["requests"] for s in steps), (a, steps)
assert a["issued"] == sum(s["sent"] for s in steps), (a, steps)
assert feedback["sent"] > 100, feedback
assert feedback["failed"] == 0 and feedback["ok"] == feedback["requests"], feedback   # every decision found
assert score["failed"] == 0, score
assert 0 <= score["sent"] - feedback["sent"] <= 40, steps   # each user alternates, score first
for s in steps:
    assert s["p50_response_time_ms"] is not None and s["p99_response_time_ms"] >= s["p50_response_time_ms"], s
# The business figures judge the scoring step's decisions only: one per score answered.
assert r["business_metrics"]["transactions_processed"] == score["ok"], (r["business_metrics"], score)
print(f"session: score {score['sent']} sent, p50 {score['p50_response_time_ms']:.2f} ms; "
      f"feedback {feedback['sent']} sent, p50 {feedback['p50_response_time_ms']:.2f} ms, all found")
PY
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "ok: 500 users (no chromium: the users chart is not checked)"
  exit 0
fi
timeout -k 5 40 "$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$dir/profile" --window-size=1400,900 --virtual-time-budget=3000 \
  --dump-dom "file://$dir/results/report.html#system" >"$dir/report-dom.html" 2>"$dir/chromium.log" ||
  fail "chromium could not load the report"
python3 - "$dir/report-dom.html" <<'PY' || fail "the System view charts the users"
import re, sys
dom = open(sys.argv[1]).read()
panel = re.search(r'<div class="panel" id="panel-users"([^>]*)>', dom)
assert panel and "hidden" not in panel.group(1), "the users panel is hidden"
assert re.search(r'id="chart-users"><div class="uplot', dom), "no chart drawn in #chart-users"
assert "thinking" in dom[dom.index('id="chart-users"'):], "the chart has no 'thinking' series"
PY
echo "ok: 500 users, Little's law in the summary, users charted in the report"
