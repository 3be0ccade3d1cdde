#!/usr/bin/env bash
# Known answers for `stress-run proxy` (docs/fault_proxy.md): the sample service behind the proxy in
# HTTP mode, a fault added and removed over the control API with curl, and a clean Ctrl-C. Bounded:
# every curl has a time limit and the background processes are killed on exit.
set -uo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.txt; do echo "== $f"; cat "$f"; done; exit 1; }
wait_for() {  # wait_for FILE PATTERN
  for _ in $(seq 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done
  fail "'$2' never appeared in $1"
}
code() { curl -s -o "$dir/body.txt" -D "$dir/headers.txt" -w '%{http_code}' --max-time 5 "$@"; }

"$bin" serve-fraud --listen 127.0.0.1:0 >"$dir/serve.txt" 2>&1 &
pids+=($!)
wait_for "$dir/serve.txt" "fraud service on"
service=$(grep -o '127.0.0.1:[0-9]*' "$dir/serve.txt" | head -1)

"$bin" proxy --listen 127.0.0.1:0 --upstream "$service" --http --control 127.0.0.1:0 --seed 7 \
  --fault "http_delay:headers_ms=1,name=tiny" >"$dir/proxy.txt" 2>&1 &
proxy_pid=$!
pids+=($proxy_pid)
wait_for "$dir/proxy.txt" "Ctrl-C stops"
proxy=$(grep -o 'on 127.0.0.1:[0-9]*' "$dir/proxy.txt" | head -1 | cut -c4-)
control=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/proxy.txt" | head -1)
[ -n "$proxy" ] && [ -n "$control" ] || fail "the proxy did not print its addresses"
grep -q '"name":"tiny"' "$dir/proxy.txt" || fail "the --fault given on the command line is listed"

[ "$(code "http://$proxy/health")" = 200 ] || fail "GET /health through the proxy"
echo "ok: relayed through the proxy"

[ "$(code -X POST "$control/faults" -d '{"name":"down","type":"http_status","attributes":{"status":503,"retry_after_seconds":4}}')" = 201 ] ||
  fail "POST /faults"
[ "$(code "http://$proxy/health")" = 503 ] || fail "the injected status"
grep -qi '^retry-after: 4' "$dir/headers.txt" || fail "Retry-After on the injected response"
echo "ok: fault added over the control API applies"

[ "$(code "$control/faults")" = 200 ] && grep -q '"down"' "$dir/body.txt" || fail "GET /faults lists it"
[ "$(code -X POST "$control/faults" -d '{"type":"latency","attributes":{"latency_ms":-5}}')" = 400 ] ||
  fail "a bad attribute is a 400"
grep -q 'attributes.latency_ms' "$dir/body.txt" || fail "the 400 names the field"
[ "$(code -X DELETE "$control/faults/nope")" = 404 ] || fail "DELETE of an unknown fault is a 404"
[ "$(code -X DELETE "$control/faults/down")" = 204 ] || fail "DELETE /faults/down"
[ "$(code "http://$proxy/health")" = 200 ] || fail "traffic is normal again after the DELETE"
[ "$(code "$control/stats")" = 200 ] && grep -q '"http_answered_by_proxy":1' "$dir/body.txt" || fail "GET /stats"
echo "ok: list, 400, 404, delete, stats"

kill -INT $proxy_pid
for _ in $(seq 50); do kill -0 $proxy_pid 2>/dev/null || break; sleep 0.1; done
kill -0 $proxy_pid 2>/dev/null && fail "the proxy did not stop within 5 s of SIGINT"
wait $proxy_pid
rc=$?
[ "$rc" -eq 0 ] || fail "the proxy exits 0 after SIGINT (got $rc)"
echo "ok: Ctrl-C stops the proxy"
