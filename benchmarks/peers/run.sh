#!/usr/bin/env bash
# Side-by-side runs of stress-run against wrk and hey on one machine (benchmarks/README.md).
#
#   benchmarks/peers/run.sh [--runs N] [--seconds S] [--connections C]
#
# Installs wrk, hey and nginx-light from Debian, serves a small keep-alive response from nginx
# (one worker, no keep-alive request limit) on 127.0.0.1, pins nginx to CPU 0 and each load tool
# to CPU 1, and runs the tools alternately with the same connection count for the same duration.
# For each tool it prints the median requests/s and the CPU time (user + sys) per completed
# request, then the ratios. Then stress-run at fixed rates (10,000 and 30,000/s), waking per
# arrival (--pacing 0) and on a 1 ms grid (--pacing 1ms, like wrk2's event loop): achieved rate,
# send lag, and CPU per request against wrk's saturated CPU per request from the same run.
# Only loopback is ever targeted; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=3 seconds=10 connections=50
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

need=()
for p in wrk hey nginx-light; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Keep the package from starting a system nginx on port 80: we run our own on loopback.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" || true
  $sudo rm -f /usr/sbin/policy-rc.d
fi
hey_bin=$(command -v hey || echo /usr/bin/hey)

"$root/scripts/install-deps"
build="$root/build-bench"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DSTRESS_TESTING_BUILD_TESTS=OFF -DSTRESS_TESTING_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target stress-run >/dev/null
stress_run="$build/examples/stress_run/stress-run"

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; return 200 "hello, load\n"; }
  }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# cpu_of CMD...: runs CMD pinned to CPU 1, its output in $work/out; sets $cpu to its user+sys seconds.
cpu_of() {
  local t
  t=$( { taskset -c 1 "$@" >"$work/out" 2>&1; times; } | tail -1)
  # `times` prints the children's "user sys" as e.g. "0m1.230s 0m3.450s"
  cpu=$(echo "$t" | awk '{ split($1,a,"m"); split($2,b,"m"); sub("s","",a[2]); sub("s","",b[2]); print a[1]*60+a[2]+b[1]*60+b[2] }')
}

declare -a wrk_rps wrk_cpr sr_rps sr_cpr hey_rps hey_cpr
for i in $(seq "$runs"); do
  cpu_of wrk -t1 -c"$connections" -d"${seconds}s" "$url"
  n=$(awk '/requests in/ {print $1}' "$work/out"); rps=$(awk '/Requests\/sec/ {print $2}' "$work/out")
  wrk_rps+=("$rps"); wrk_cpr+=("$(awk -v c="$cpu" -v n="$n" 'BEGIN{printf "%.3f", c/n*1e6}')")
  echo "run $i wrk:        $rps req/s, $n requests, cpu ${cpu}s"

  cpu_of "$stress_run" "$url" -c "$connections" -t 1 -d "${seconds}s" -q -o "$work/sr"
  n=$(awk '/^  elapsed/ {gsub(",","",$5); print $5}' "$work/out")
  ok=$(awk '/outcomes:/ {print $3}' "$work/out")
  rps=$(awk '/^  throughput/ {print $2}' "$work/out")
  sr_rps+=("$rps"); sr_cpr+=("$(awk -v c="$cpu" -v n="$ok" 'BEGIN{printf "%.3f", c/n*1e6}')")
  echo "run $i stress-run: $rps req/s, $ok ok of $n, cpu ${cpu}s"

  cpu_of "$hey_bin" -z "${seconds}s" -c "$connections" "$url"
  n=$(awk '/\[200\]/ {print $2}' "$work/out"); rps=$(awk '/Requests\/sec/ {print $2}' "$work/out")
  hey_rps+=("$rps"); hey_cpr+=("$(awk -v c="$cpu" -v n="$n" 'BEGIN{printf "%.3f", c/n*1e6}')")
  echo "run $i hey:        $rps req/s, $n requests, cpu ${cpu}s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
w_rps=$(median "${wrk_rps[@]}") w_cpr=$(median "${wrk_cpr[@]}")
s_rps=$(median "${sr_rps[@]}") s_cpr=$(median "${sr_cpr[@]}")
h_rps=$(median "${hey_rps[@]}") h_cpr=$(median "${hey_cpr[@]}")
echo
echo "saturation, $connections connections, ${seconds} s, median of $runs (CPU per request in microseconds):"
printf '  %-11s %10s req/s  %8s us/req\n' wrk "$w_rps" "$w_cpr" stress-run "$s_rps" "$s_cpr" hey "$h_rps" "$h_cpr"
awk -v a="$s_rps" -v b="$w_rps" -v c="$s_cpr" -v d="$w_cpr" -v e="$h_rps" 'BEGIN {
  printf "  stress-run / wrk: requests/s %.3f (bar >= 0.95), CPU per request %.3f (bar <= 1.0)\n", a/b, c/d
  printf "  stress-run / hey: requests/s %.2f (bar >= 3)\n", a/e }'

echo
echo "fixed rate, ${seconds} s (CPU per request against wrk's saturated $w_cpr us):"
for pacing in 0 1ms; do
  for rate in 10000 30000; do
    cpu_of "$stress_run" "$url" --rate "$rate" --pacing "$pacing" -c "$connections" -t 1 -d "${seconds}s" -q -o "$work/fixed"
    n=$(awk '/^  elapsed/ {gsub(",","",$5); print $5}' "$work/out")
    ok=$(awk '/outcomes:/ {print $3}' "$work/out")
    lag=$(awk '/send lag p99/ {print $4}' "$work/out")
    p50=$(awk '/^  response time/ {print $10}' "$work/out")
    awk -v r="$rate" -v n="$n" -v ok="$ok" -v s="$seconds" -v c="$cpu" -v w="$w_cpr" -v lag="$lag" -v p="$pacing" \
        -v p50="$p50" 'BEGIN {
      printf "  pacing %-4s %6d/s: intended %d, ok %d, achieved %.1f/s (%.3f%% off), send lag p99 %s ms, p50 %s ms, %.2f us/req = %.2f x wrk\n",
        p, r, n, ok, ok/s, (ok/s - r)/r*100, lag, p50, c/ok*1e6, (c/ok*1e6)/w }'
  done
done
