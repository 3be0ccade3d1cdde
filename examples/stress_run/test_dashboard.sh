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
#
# test_dashboard.sh STRESS_RUN WORK_DIR supervisor (ctest example.stress_run.dashboard_supervisor):
# the run supervisor, `stress-run dashboard --listen 127.0.0.1:0 --target embedded`, over its
# HTTP API (and, with chromium, its Admin view): see supervisor_test below. Needs no browser.
set -euo pipefail
stress_run=$1
work=$2
mode=${3:-browser}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)

# The run supervisor, known answers over its API:
#   - it lists the five predefined scenarios; before any run an export is 401 without the token
#     and 404 with it, and Stop or Inject is 409 (no run);
#   - a start is 401 without or with a wrong token, 400 naming the field for a bad scenario or
#     scale, 202 with the token, and a second start while it runs is 409 with the reason;
#   - the finished run's results.json, report.html, junit.xml and Prometheus text downloaded with
#     the token are the files it wrote (byte for byte); its accounting balances (intended = sum
#     of outcomes + not_sent_at_stop; issued + dropped = sum of outcomes; requests_total = sum of
#     outcomes, requests_successful = ok), the report's embedded figures equal results.json's, the
#     JUnit XML has one test case per criterion (and its accounting case passes) and the
#     exposition counts the same requests;
#   - Stop and Inject act on the run in progress; a stopped run's results stay downloadable with
#     ?run=ID after the next run; Ctrl-C stops the run in progress, writes its results and ends
#     the supervisor with exit 0;
#   - --token-file's token guards the API and is never printed; a short one is refused (exit 2);
#     an option of the other mode (--poll without --follow) and a non-loopback --target are
#     refused (exit 2).
# With chromium, the Admin view's Start button starts a run and the page follows it live, and its
# download button fetches run 1's results.json (clicked through the DevTools protocol on a pipe:
# no extra packages).
supervisor_test() {
  rm -rf "$work"
  mkdir -p "$work"
  python3 - "$stress_run" "$work" "$browser" <<'EOF_PY'
import base64, fcntl, json, os, re, signal, subprocess, sys, time, urllib.error, urllib.request
import xml.etree.ElementTree as ET

stress_run, work, browser = sys.argv[1], sys.argv[2], sys.argv[3]
procs = []

def fail(msg):
    for p in procs:
        if p.poll() is None:
            p.kill()
    for name in sorted(os.listdir(work)):
        if name.endswith(".log"):
            print(f"--- {name}\n" + open(os.path.join(work, name), errors="replace").read()[-4000:])
    print("FAIL: " + msg)
    sys.exit(1)

def check(cond, msg):
    if not cond:
        fail(msg)

def start_supervisor(name, *args):
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen([stress_run, "dashboard", "--listen", "127.0.0.1:0", "--target", "embedded", "--threads", "1",
                          "--connections", "16", "--quiet", "--out", os.path.join(work, name), *args],
                         stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    for _ in range(100):
        text = open(log.name).read()
        m = re.search(r"^dashboard: (http://127\.0\.0\.1:\d+/)  \(admin token: ([^)]*)\)", text, re.M)
        if m:
            return p, m.group(1), m.group(2), log.name
        check(p.poll() is None, f"{name}: the supervisor ended at start: {text}")
        time.sleep(0.1)
    fail(f"{name}: no 'dashboard: URL' line within 10 s")

def call(url, path, method="GET", body=None, token=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)

def message(body):
    return json.loads(body)["message"]

def runs(url):
    status, body, _ = call(url, "api/runs")
    check(status == 200, f"GET /api/runs gave {status}")
    return json.loads(body)

def wait_finished(url, run_id, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        r = [x for x in runs(url)["runs"] if x["id"] == run_id]
        if r and r[0]["state"] == "finished":
            return r[0]
        time.sleep(0.2)
    fail(f"run {run_id} not finished within {seconds} s")

def wait_running_intervals(url, n=2, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        doc = json.loads(call(url, "api/snapshot")[1])
        if doc.get("status") == "RUNNING" and len(doc.get("intervals", [])) >= n:
            return doc
        time.sleep(0.1)
    fail(f"no run with {n} live intervals within {seconds} s")

def export(url, name, token, run=None):
    status, body, headers = call(url, "api/export/" + name + (f"?run={run}" if run else ""), token=token)
    check(status == 200, f"export {name} (run {run}) gave {status}: {body[:200]!r}")
    return body, headers

def accounting_balances(doc, what):
    a, s = doc["accounting"], doc["summary"]
    outcomes = a["outcomes"]
    total = sum(outcomes.values())
    check(a["balanced"] is True, f"{what}: accounting not balanced: {a}")
    check(a["intended"] == total + a["not_sent_at_stop"], f"{what}: intended != outcomes + not_sent_at_stop: {a}")
    check(a["issued"] + outcomes["dropped"] == total, f"{what}: issued + dropped != outcomes: {a}")
    check(s["requests_total"] == total, f"{what}: requests_total {s['requests_total']} != outcomes {total}")
    check(s["requests_successful"] == outcomes["ok"], f"{what}: requests_successful != ok")
    check(s["requests_failed"] == total - outcomes["ok"], f"{what}: requests_failed != total - ok")
    return total

five = ["peak_load", "sustained_load", "burst_traffic", "failure_recovery", "investor_presentation"]

# Modes are not mixed: a --follow option without --follow is refused.
rc = subprocess.run([stress_run, "dashboard", "--poll", "1"], capture_output=True, text=True, timeout=30)
check(rc.returncode == 2 and "--poll needs --follow" in rc.stderr, f"--poll without --follow: {rc.returncode} {rc.stderr}")

p, url, token, log = start_supervisor("supervisor")
check(re.fullmatch(r"[0-9a-f]{32}", token), f"no 128-bit admin token printed: {token!r}")
info = runs(url)
check([s["name"] for s in info["scenarios"]] == five, f"scenarios: {info['scenarios']}")
check(info["running"] is None and info["runs"] == [] and info["accepting"] is True, f"before any run: {info}")
check(call(url, "api/export/results.json")[0] == 401, "an export without the token must be 401")
status, body, _ = call(url, "api/export/results.json", token=token)
check(status == 404 and message(body) == "no run has finished yet", f"an export before any run: {status} {body}")
check(call(url, "api/control/stop", "POST", {}, token)[0] == 409, "Stop with no run must be 409")
check(call(url, "api/control/inject", "POST", {"failure_type": "LAMBDA_CRASH"}, token)[0] == 409, "Inject with no run must be 409")

# Start: guarded, checked field by field, one at a time.
tiny = {"scenario": "peak_load", "time_scale": 0.002, "load_scale": 0.01}  # 3.6 s, peak 100/s
check(call(url, "api/control/start", "POST", tiny)[0] == 401, "a start without the token must be 401")
check(call(url, "api/control/start", "POST", tiny, "0" * 32)[0] == 401, "a start with a wrong token must be 401")
for bad, field in (({"scenario": "nope"}, "scenario: unknown scenario 'nope'"), ({"time_scale": 0.01}, "scenario: expected"),
                   ({"scenario": "peak_load", "time_scale": "fast"}, "time_scale: expected a number"),
                   ({"scenario": "peak_load", "load_scale": 0}, "load_scale: expected a number"),
                   ({"scenario": "peak_load", "load_scale": 1000}, "the scenario as scaled is not valid: load_profile.peak_tps")):
    status, body, _ = call(url, "api/control/start", "POST", bad, token)
    check(status == 400 and message(body).startswith(field), f"start {bad}: {status} {body}")
check(runs(url)["runs"] == [], "a refused start left a run")
status, body, _ = call(url, "api/control/start", "POST", tiny, token)
check(status == 202 and message(body).startswith("started run 1: peak_load, 3.6 s at a peak of 100/s"), f"start: {status} {body}")
status, body, _ = call(url, "api/control/start", "POST", dict(tiny, scenario="burst_traffic"), token)
check(status == 409 and "run 1 (peak_load) is in progress" in message(body), f"a second start: {status} {body}")
check(runs(url)["running"] == 1, "run 1 not listed as running")
print("start: 401 without or with a wrong token, 400 naming the field, 202, then 409 while it runs")

r1 = wait_finished(url, 1)
check(r1["exports"] is True and r1["exit_code"] in (0, 98, 99), f"run 1: {r1}")
out1 = r1["out_dir"]
check(out1.endswith("run-1-peak_load"), f"run 1 wrote to {out1}")
results_bytes, headers = export(url, "results.json", token)
check(headers.get("X-Stress-Testing-Run") == "1", f"the last run's export is of run {headers.get('X-Stress-Testing-Run')}")
check(results_bytes == open(os.path.join(out1, "results.json"), "rb").read(), "exported results.json != the file written")
results = json.loads(results_bytes)
check(results["scenario"]["scenario_id"] == "peak_load" and results["status"] == "COMPLETED", f"run 1: {results['status']}")
total = accounting_balances(results, "run 1")
check(total > 0, "run 1 sent nothing")
report, _ = export(url, "report.html", token)
check(report == open(os.path.join(out1, "report.html"), "rb").read(), "exported report.html != the file written")
m = re.search(rb'<script id="results" type="application/json">(.*?)</script>', report, re.S)
check(m, "no results embedded in the exported report")
embedded = json.loads(m.group(1))
for key in ("summary", "accounting", "criteria", "hero_metrics", "business_metrics", "resilience", "status"):
    check(embedded[key] == results[key], f"the report's {key} differs from results.json's")
junit, _ = export(url, "junit.xml", token)
check(junit == open(os.path.join(out1, "junit.xml"), "rb").read(), "exported junit.xml != the file written")
cases = list(ET.fromstring(junit).iter("testcase"))  # one per criterion, "all requests accounted", "run status"
check(len(cases) == len(results["criteria"]) + 2, f"junit.xml: {len(cases)} test cases for {len(results['criteria'])} criteria")
accounted = [c for c in cases if c.get("name") == "all requests accounted"]
check(len(accounted) == 1 and accounted[0].find("failure") is None, "junit.xml: the accounting case failed")
metrics, headers = export(url, "metrics.txt", token)
check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"metrics.txt type {headers.get('Content-Type')}")
counted = sum(float(v) for v in re.findall(rb"^stress_testing_requests_total\{[^}]*\} (\S+)$", metrics, re.M))
check(counted == total, f"the exposition counts {counted} requests, results.json {total}")
status, body, _ = call(url, "api/export/junit.xml?run=7", token=token)
check(status == 404 and message(body).startswith("run: no finished run '7'"), f"export ?run=7: {status} {body}")
print(f"run 1: {total} requests, balanced; results.json, report.html, junit.xml and metrics.txt exported as written")

# Run 2: Inject and Stop act on it; run 1's files stay downloadable.
longer = {"scenario": "sustained_load", "time_scale": 0.01, "load_scale": 0.01}  # 72 s at 20/s: stopped early
status, body, _ = call(url, "api/control/start", "POST", longer, token)
check(status == 202, f"start run 2: {status} {body}")
live = wait_running_intervals(url)
check(live["scenario"]["scenario_id"] == "sustained_load", "the live page does not follow run 2")
status, body, _ = call(url, "api/control/inject", "POST", {"failure_type": "NETWORK_LATENCY", "severity": 0.01,
                                                          "duration_seconds": 0.5}, token)
check(status == 202, f"inject into run 2: {status} {body}")
status, body, _ = call(url, "api/control/stop", "POST", {}, token)
check(status == 200 and message(body).startswith("stopping"), f"stop run 2: {status} {body}")
r2 = wait_finished(url, 2, 30)
stopped = json.loads(export(url, "results.json", token)[0])
check(stopped["scenario"]["scenario_id"] == "sustained_load" and stopped["status"] == "CANCELLED" and
      stopped["accounting"]["cancelled"] is True, f"run 2 was not stopped: {stopped['status']}")
check(stopped["accounting"]["not_sent_at_stop"] > 0, "a stopped run has its unsent rest counted")
accounting_balances(stopped, "run 2")
check(export(url, "results.json", token, run=1)[0] == results_bytes, "run 1's results changed or were lost")
check(runs(url)["runs"][0]["exports"] is True, "run 1 no longer downloadable")
print(f"run 2: injected, stopped after {stopped['elapsed_seconds']:.1f} s ({stopped['accounting']['not_sent_at_stop']} not sent); run 1 still downloadable")

# The Admin view's Start, clicked in a real browser (DevTools protocol over a pipe).
def click_start_in_browser():
    r_in, w_in = os.pipe()    # we write commands, the browser reads (its fd 3)
    r_out, w_out = os.pipe()  # the browser writes replies (its fd 4)
    def fds():  # in the child: the pipe's ends at 3 and 4, moved out of the way first
        a = fcntl.fcntl(r_in, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(w_out, fcntl.F_DUPFD, 10)
        os.dup2(a, 3)
        os.dup2(b, 4)
    chrome = subprocess.Popen([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                               "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile"), "--window-size=1400,900",
                               "--remote-debugging-pipe", url + "#admin"],
                              pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "chromium.txt"), "w"))
    procs.append(chrome)
    os.close(r_in)
    os.close(w_out)
    buf = b""
    ids = iter(range(1, 1 << 30))
    def send(method, params=None, session=None):
        nonlocal buf
        i = next(ids)
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(w_in, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + 20
        while time.time() < deadline:
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == i:
                    check("error" not in reply, f"DevTools {method}: {reply.get('error')}")
                    return reply["result"]
            chunk = os.read(r_out, 65536)
            check(chunk, "the browser closed its DevTools pipe")
            buf += chunk
        fail(f"DevTools {method}: no reply within 20 s")
    def page_eval(session, expr):
        r = send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True}, session)
        return r["result"].get("value")
    try:
        pages = []
        deadline = time.time() + 20
        while not pages and time.time() < deadline:
            pages = [t for t in send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            time.sleep(0.1)
        check(pages, "the browser opened no page")
        page = pages[0]
        session = send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        deadline = time.time() + 20
        while time.time() < deadline and not page_eval(session, "document.getElementById('start-scenario') && document.getElementById('start-scenario').options.length === 5 && !document.getElementById('btn-start').disabled"):
            time.sleep(0.2)
        check(page_eval(session, "document.getElementById('start-scenario').options.length") == 5, "the Admin view lists no scenarios")
        page_eval(session, f"""(() => {{
          document.getElementById('token').value = {json.dumps(token)};
          document.getElementById('start-scenario').value = 'peak_load';
          document.getElementById('start-time-scale').value = '0.003';
          document.getElementById('start-load-scale').value = '0.01';
          document.getElementById('btn-start').click(); }})()""")
        result = ""
        deadline = time.time() + 20
        while time.time() < deadline and not result.startswith("202"):
            result = page_eval(session, "document.querySelector('[data-metric=\"control-result\"]').getAttribute('data-value') || ''") or ""
            time.sleep(0.2)
        check(result.startswith("202 ") and "started run 3: peak_load, 5.4 s" in result, f"the Start button: {result!r}")
        # The page follows the new run live: its scenario and intervals arrive over the event stream.
        deadline = time.time() + 30
        followed = None
        while time.time() < deadline:
            followed = page_eval(session, "['scenario-name', 'status'].map((m) => document.querySelector('[data-metric=\"' + m + '\"]').textContent).concat([Number(document.body.getAttribute('data-rendered') || 0)])")
            if followed and followed[:2] == ["Peak Load Test", "RUNNING"] and followed[2] >= 1:
                break
            time.sleep(0.2)
        # Run 2 (sustained_load) ended CANCELLED: a running Peak Load Test can only be run 3.
        check(followed and followed[:2] == ["Peak Load Test", "RUNNING"] and followed[2] >= 1, f"the page did not follow run 3: {followed}")
        # The page's downloads use the server's exports: run 1's results.json from the Runs table.
        page_eval(session, "document.querySelector('#runs-table button[data-export=\"results.json\"][data-run=\"1\"]').click()")
        got = ""
        deadline = time.time() + 20
        while time.time() < deadline and not got.startswith("200 "):
            got = page_eval(session, "document.querySelector('[data-metric=\"control-result\"]').getAttribute('data-value') || ''") or ""
            time.sleep(0.2)
        check(got == f"200 results.json of run 1 downloaded ({len(results_bytes)} bytes)", f"the page's download: {got!r}")
        page_eval(session, "window.scrollTo(0, 0)")  # the token, controls and runs are at the top
        shot = send("Page.captureScreenshot", {}, session)
        open(os.path.join(work, "admin-start.png"), "wb").write(base64.b64decode(shot["data"]))
        print(f"browser: Start clicked in the Admin view, run 3 followed live ({followed[2]} interval(s) rendered); "
              f"run 1's results.json downloaded from the page ({len(results_bytes)} bytes)")
    finally:
        chrome.kill()
        chrome.wait()
        os.close(w_in)
        os.close(r_out)

if browser:
    click_start_in_browser()
    wait_finished(url, 3, 60)
    next_id = 4
else:
    print("note: no chromium, the Admin view's Start button was not clicked")
    next_id = 3

# Ctrl-C during a run: it stops, writes its results, and the supervisor ends with 0.
status, body, _ = call(url, "api/control/start", "POST", longer, token)
check(status == 202, f"start run {next_id}: {status} {body}")
wait_running_intervals(url)
p.send_signal(signal.SIGINT)
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    fail("the supervisor still runs 30 s after Ctrl-C")
check(rc == 0, f"the supervisor exited {rc} after Ctrl-C")
last = os.path.join(work, "supervisor", f"run-{next_id}-sustained_load", "results.json")
check(os.path.exists(last), "Ctrl-C: the run in progress wrote no results.json")
interrupted = json.loads(open(last).read())
check(interrupted["status"] == "CANCELLED" and interrupted["accounting"]["cancelled"] is True, "Ctrl-C: the run was not stopped")
accounting_balances(interrupted, "the run Ctrl-C stopped")
check("run supervisor: ended" in open(log).read(), "no clean end")
print(f"Ctrl-C: run {next_id} stopped after {interrupted['elapsed_seconds']:.1f} s, its results written, exit 0")

# --token-file: that token guards the API and is never printed; a short one is refused.
secret = "kept-in-a-file-" + "7" * 20
open(os.path.join(work, "token.txt"), "w").write(secret + "\n")
p, url, shown, log = start_supervisor("token-file", "--token-file", os.path.join(work, "token.txt"))
check(shown == "from --token-file " + os.path.join(work, "token.txt") and secret not in open(log).read(), f"token printed: {shown}")
check(call(url, "api/export/results.json", token="0" * 32)[0] == 401, "--token-file: another token must be 401")
check(call(url, "api/export/results.json", token=secret)[0] == 404, "--token-file: its token must be accepted")
p.send_signal(signal.SIGINT)
check(p.wait(timeout=15) == 0, "the idle supervisor did not end cleanly on Ctrl-C")
open(os.path.join(work, "short.txt"), "w").write("short\n")
rc = subprocess.run([stress_run, "dashboard", "--listen", "127.0.0.1:0", "--out", os.path.join(work, "short"),
                     "--token-file", os.path.join(work, "short.txt")], capture_output=True, text=True, timeout=30)
check(rc.returncode == 2 and "--token-file " in rc.stderr and "token: must be at least 16 characters" in rc.stderr,
      f"a short --token-file: {rc.returncode} {rc.stderr}")
print("--token-file: its token guards the API, is not printed; a short one is refused (exit 2)")
# A --target the runs could not load is refused at start, not at each run.
rc = subprocess.run([stress_run, "dashboard", "--listen", "127.0.0.1:0", "--out", os.path.join(work, "remote"),
                     "--target", "http://192.0.2.1:8080/v1/transactions/score"], capture_output=True, text=True, timeout=30)
check(rc.returncode == 2 and "loopback" in rc.stderr and "--target http://192.0.2.1" in rc.stderr,
      f"a non-loopback --target: {rc.returncode} {rc.stderr}")
print("--target: a non-loopback URL is refused at start (exit 2)")
print("run supervisor test passed")
EOF_PY
}

if [ "$mode" = supervisor ]; then
  supervisor_test
  exit 0
fi

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
