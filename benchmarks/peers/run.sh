#!/usr/bin/env bash
# Side-by-side runs of stress-run against wrk and hey (and wrk2, when its source is given) on one
# machine (benchmarks/README.md).
#
#   benchmarks/peers/run.sh [--runs N] [--seconds S] [--connections C] [--nice N]
#                           [--no-memory | --memory-only]
#   WRK2_SRC=/path/to/wrk2-source benchmarks/peers/run.sh     # also builds and runs wrk2
#   STRESS_RUN=build/examples/stress_run/stress-run benchmarks/peers/run.sh  # an existing build
#
# Installs wrk, hey and nginx-light from Debian, serves a small keep-alive response from nginx
# (one worker, no keep-alive request limit) on 127.0.0.1, pins nginx to CPU 0 and each load tool
# to CPU 1, and runs the tools alternately with the same connection count for the same duration.
# For each tool it prints the median requests/s and the CPU time (user + sys) per completed
# request, then the ratios. Then fixed rates (10,000 and 30,000/s), each setting alternately,
# median of N: stress-run with no pacing flag (the adaptive default), --pacing 0 (a wake-up per
# arrival) and --pacing 1ms (a fixed 1 ms grid), and wrk2 -R at the same rates when WRK2_SRC
# names a copy of its source (wrk2 is not packaged: it is built from that copy in a temporary
# directory, or used as it is when the copy holds a built `wrk`). Without it the fixed rates are
# compared with wrk's saturated CPU per request, and the output says so. Last, the peak resident
# memory of stress-run holding 10,000 loopback connections (benchmarks/scale/connections.sh).
# --nice N runs nginx and the tools at that priority (root: -10 keeps a shared machine's
# compilers from starving them; CPU time per request is what is compared).
# Only loopback is ever targeted; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=3 seconds=10 connections=50 memory=1 memory_only=0 nice=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --no-memory) memory=0; shift ;;
    --memory-only) memory_only=1; shift ;;
    --nice) nice=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
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

# STRESS_RUN=path uses that binary instead of building build-bench/ (Release).
stress_run=${STRESS_RUN:-}
if [ -z "$stress_run" ]; then
  "$root/scripts/install-deps"
  build="$root/build-bench"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DSTRESS_TESTING_BUILD_TESTS=OFF -DSTRESS_TESTING_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build" --target stress-run >/dev/null
  stress_run="$build/examples/stress_run/stress-run"
fi

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 16384; }
worker_rlimit_nofile 40000;
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:$port backlog=16384;
    location / { default_type text/plain; return 200 "hello, load\n"; }
  }
}
CONF
ulimit -n "$(ulimit -Hn)"  # 10,000 connections
nice -n "$nice" taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# cpu_of CMD...: runs CMD pinned to CPU 1, its output in $work/out; sets $cpu to its user+sys seconds.
cpu_of() {
  local t
  t=$( { nice -n "$nice" taskset -c 1 "$@" >"$work/out" 2>&1; times; } | tail -1)
  # `times` prints the children's "user sys" as e.g. "0m1.230s 0m3.450s"
  cpu=$(echo "$t" | awk '{ split($1,a,"m"); split($2,b,"m"); sub("s","",a[2]); sub("s","",b[2]); print a[1]*60+a[2]+b[1]*60+b[2] }')
}

if [ "$memory_only" = 0 ]; then
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

# wrk2, built from a copy of its source when one is given (never downloaded here).
wrk2_bin=""
if [ -n "${WRK2_SRC:-}" ] && [ -x "$WRK2_SRC/wrk" ]; then
  wrk2_bin="$WRK2_SRC/wrk"  # already built there
elif [ -n "${WRK2_SRC:-}" ]; then
  cp -r "$WRK2_SRC" "$work/wrk2"
  if make -C "$work/wrk2" -j2 >"$work/wrk2-build.log" 2>&1 && [ -x "$work/wrk2/wrk" ]; then
    wrk2_bin="$work/wrk2/wrk"
  else
    echo "wrk2: the build from $WRK2_SRC failed (tail of the log below); comparing with wrk's saturated cost" >&2
    tail -5 "$work/wrk2-build.log" >&2
  fi
fi

# fixed RATE NAME CMD...: one fixed-rate run of stress-run; appends "cpu_per_request lag_p99 p50
# intended ok" for NAME to $work/fixed-NAME-RATE.
fixed() {
  local rate=$1 name=$2; shift 2
  cpu_of "$@"
  local n ok lag p50
  n=$(awk '/^  elapsed/ {gsub(",","",$5); print $5}' "$work/out")
  ok=$(awk '/outcomes:/ {print $3}' "$work/out")
  lag=$(awk '/send lag p99/ {print $4}' "$work/out")
  p50=$(awk '/^  response time/ {print $10}' "$work/out")
  awk -v c="$cpu" -v ok="$ok" -v lag="$lag" -v p50="$p50" -v n="$n" \
    'BEGIN { printf "%.3f %s %s %d %d\n", c/ok*1e6, lag, p50, n, ok }' >>"$work/fixed-$name-$rate"
}
# wrk2_fixed RATE: one wrk2 run at RATE; appends "cpu_per_request - p50 requests requests".
wrk2_fixed() {
  local rate=$1
  cpu_of "$wrk2_bin" -t1 -c"$connections" -d"${seconds}s" -R"$rate" --latency "$url"
  local n p50
  n=$(awk '/requests in/ {print $1}' "$work/out")
  p50=$(awk '$1 == "50.000%" {print $2}' "$work/out")
  awk -v c="$cpu" -v n="$n" -v p50="$p50" 'BEGIN { printf "%.3f - %s %d %d\n", c/n*1e6, p50, n, n }' >>"$work/fixed-wrk2-$rate"
}

echo
if [ -n "$wrk2_bin" ]; then
  echo "fixed rate, ${seconds} s, median of $runs, against wrk2 -R at the same rate (same run):"
else
  echo "fixed rate, ${seconds} s, median of $runs; no wrk2 copy given (WRK2_SRC): compared with wrk's saturated $w_cpr us/request:"
fi
for rate in 10000 30000; do
  for i in $(seq "$runs"); do
    fixed "$rate" auto "$stress_run" "$url" --rate "$rate" -c "$connections" -t 1 -d "${seconds}s" -q -o "$work/fixed"
    fixed "$rate" p0 "$stress_run" "$url" --rate "$rate" --pacing 0 -c "$connections" -t 1 -d "${seconds}s" -q -o "$work/fixed"
    fixed "$rate" p1ms "$stress_run" "$url" --rate "$rate" --pacing 1ms -c "$connections" -t 1 -d "${seconds}s" -q -o "$work/fixed"
    [ -n "$wrk2_bin" ] && wrk2_fixed "$rate"
  done
  ref=$w_cpr ref_name="wrk saturated"
  if [ -n "$wrk2_bin" ]; then
    ref=$(median $(awk '{print $1}' "$work/fixed-wrk2-$rate")) ref_name="wrk2"
    printf '  %6d/s %-22s %8.2f us/req, response p50 %s\n' "$rate" "wrk2 -R$rate" "$ref" \
      "$(median $(awk '{print $3}' "$work/fixed-wrk2-$rate"))"
  fi
  for name in auto p0 p1ms; do
    f="$work/fixed-$name-$rate"
    label=$(case $name in auto) echo "stress-run (no flag)";; p0) echo "--pacing 0";; p1ms) echo "--pacing 1ms";; esac)
    cpr=$(median $(awk '{print $1}' "$f")) lag=$(median $(awk '{print $2}' "$f")) p50=$(median $(awk '{print $3}' "$f"))
    sent=$(awk -v r="$rate" -v s="$seconds" '{ a += $5; b += r * s } END { printf "%.3f", a / b * 100 }' "$f")
    awk -v r="$rate" -v l="$label" -v c="$cpr" -v ref="$ref" -v rn="$ref_name" -v lag="$lag" -v p50="$p50" -v sent="$sent" 'BEGIN {
      printf "  %6d/s %-22s %8.2f us/req = %.2f x %s; ok %s%% of the rate, send lag p99 %s ms, response p50 %s ms\n",
        r, l, c, c / ref, rn, sent, lag, p50 }'
  done
  printf '    runs (us/req): auto %s; --pacing 0 %s; --pacing 1ms %s%s\n' \
    "$(awk '{printf "%s ", $1}' "$work/fixed-auto-$rate")" "$(awk '{printf "%s ", $1}' "$work/fixed-p0-$rate")" \
    "$(awk '{printf "%s ", $1}' "$work/fixed-p1ms-$rate")" \
    "$([ -n "$wrk2_bin" ] && printf '; wrk2 %s' "$(awk '{printf "%s ", $1}' "$work/fixed-wrk2-$rate")")"
done

fi

# Memory: 10,000 connections open at once, measured by the one script that does it
# (benchmarks/scale/connections.sh: a loopback server that holds every connection, peak RSS).
if [ "$memory" = 1 ]; then
  echo
  STRESS_RUN="$stress_run" nice -n "$nice" "$root/benchmarks/scale/connections.sh" 10000 10 100 || true
fi
