#!/usr/bin/env bash
# ctest example.stress_run.users: peak_load as the seed's "500+ concurrent users" - 500 closed-model
# users thinking 100 ms against the embedded service for 3.6 s. The summary reports the population
# and Little's law, every request is accounted for, and (with Chromium) the report's System view
# charts the users over time from intervals[].users.
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
