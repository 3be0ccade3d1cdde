#!/usr/bin/env bash
# stress-run's memory while it holds N loopback connections open at once (docs/security.md):
#   benchmarks/scale/connections.sh [CONNECTIONS] [SECONDS] [LIMIT_MB]     (default 10000 20 100)
# Starts hold_server.py (answers each request after 5 s, keep-alive) on an ephemeral 127.0.0.1
# port, runs `stress-run URL --connections N` (closed model: one request in flight on every
# connection) for SECONDS, samples stress-run's RSS every 0.5 s and prints the peak (VmHWM), the
# RSS once every connection was open, and the connection counts of both ends. Exit 1 when the
# peak is over LIMIT_MB or not every connection was open at once. STRESS_RUN=path picks the
# binary (default build/examples/stress_run/stress-run). Raises the descriptor limit to its hard
# limit and says so when that is too low.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-10000} seconds=${2:-20} limit_mb=${3:-100}
bin=${STRESS_RUN:-$root/build/examples/stress_run/stress-run}
[ -x "$bin" ] || { echo "no stress-run at $bin (build the stress-run target or set STRESS_RUN)" >&2; exit 2; }
need=$((n + 256))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "the descriptor limit is $(ulimit -n) (hard $(ulimit -Hn)): $need are needed; raise it (ulimit -Hn as root)" >&2
  exit 2
fi
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
python3 "$here/hold_server.py" --delay 5 --stats "$tmp/server.txt" >"$tmp/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(head -1 "$tmp/port")
[ -n "$port" ] || { echo "hold_server.py did not start" >&2; exit 1; }

"$bin" "http://127.0.0.1:$port/" --connections "$n" --threads 2 --duration "${seconds}s" --timeout 30s -q \
  -o "$tmp/out" >"$tmp/summary.txt" 2>&1 &
pid=$!
peak_kb=0 full_rss_kb="" max_est=0
while kill -0 "$pid" 2>/dev/null; do
  if status=$(cat "/proc/$pid/status" 2>/dev/null); then
    hwm=$(awk '/^VmHWM/ {print $2}' <<<"$status")
    rss=$(awk '/^VmRSS/ {print $2}' <<<"$status")
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak_kb" ] && peak_kb=$hwm
    # Established connections from stress-run's side (source port = ours, destination = the server).
    est=$(ss -Htn state established "( dport = :$port )" | wc -l)
    [ "$est" -gt "$max_est" ] && max_est=$est
    [ -z "$full_rss_kb" ] && [ "$est" -ge "$n" ] && full_rss_kb=$rss
  fi
  sleep 0.5
done
wait "$pid" && code=0 || code=$?
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
opened=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["target_counters"]["connections_opened"])' \
  "$tmp/out/results.json" 2>/dev/null || echo "?")
echo "connections: $n asked, $max_est established at once (ss), $opened opened (results.json); server: $(cat "$tmp/server.txt")"
echo "stress-run RSS: peak $((peak_kb / 1024)) MB (VmHWM), $(( ${full_rss_kb:-0} / 1024 )) MB when all $n were open; exit $code"
grep -E "^ *(intended|sent|throughput)" "$tmp/summary.txt" || true
[ "$code" -eq 0 ] || { echo "stress-run exited $code:"; tail -20 "$tmp/summary.txt"; exit 1; }
[ "$max_est" -ge "$n" ] || { echo "FAIL: only $max_est of $n connections were open at once"; exit 1; }
[ "$peak_kb" -le $((limit_mb * 1024)) ] || { echo "FAIL: peak RSS over $limit_mb MB"; exit 1; }
echo "ok: $n connections in $((peak_kb / 1024)) MB (limit $limit_mb MB)"
