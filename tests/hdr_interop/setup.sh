#!/usr/bin/env bash
# Fixture of the hdr_interop tests: a short simulated run (no sockets, ~4 s) writing results.json
# and an HdrHistogram interval log, and `stress-run percentiles` of it.
# Usage: setup.sh STRESS_RUN WORK_DIR
set -euo pipefail
stress_run="$1" work="$2"
rm -rf "$work"
mkdir -p "$work"
code=0
timeout 60 "$stress_run" scenario sustained_load --target sim --time-scale 0.0005 --load-scale 0.05 --threads 2 \
  --quiet --out "$work" --hdr-log "$work/run.hlog" >"$work/run.txt" 2>&1 || code=$?
# 98: inconclusive (the simulated service is fine; a busy CI host may make the generator late).
if [ "$code" -ne 0 ] && [ "$code" -ne 98 ]; then
  cat "$work/run.txt"
  echo "stress-run exited $code"
  exit 1
fi
timeout 30 "$stress_run" percentiles "$work/results.json" >"$work/percentiles.txt"
echo "run: $(grep -c , "$work/run.hlog") log lines, results in $work"
