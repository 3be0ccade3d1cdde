#!/usr/bin/env bash
# Sharded runs (docs/sharding.md), against serve-fraud on a loopback port:
#  1. four shards under `mpirun --oversubscribe` (Open MPI gives each its rank), then merged;
#  2. the Kubernetes path: four processes with JOB_COMPLETION_INDEX set, as an Indexed Job's pods,
#     followed live by `stress-run dashboard --follow` (one merged live page and results);
#  3. a merge refused by name when a shard is missing.
# Known answers: 2,000/s in all for 2 s is 4,000 intended, 1,000 per shard exactly (the uniform
# schedule is split by arrival index), the accounting balances, start skew under 50 ms.
set -uo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/test_common.sh"  # fail, start_fraud_service
start_fraud_service

# Checks OUT/results.json of a merged 4-shard run of 4,000 requests.
check_merged() {
  local out=$1
  python3 - "$out/results.json" <<'PY' || fail "merged results of $out"
import json, sys
r = json.load(open(sys.argv[1]))
a, m = r["accounting"], r["merged"]
assert a["intended"] == 4000, a["intended"]
assert a["balanced"], a
assert sum(a["outcomes"].values()) == 4000
assert m["shards"] == 4, m
assert sorted(p["index"] for p in m["parts"]) == [0, 1, 2, 3]
assert all(p["intended"] == 1000 for p in m["parts"]), m["parts"]
assert m["start_skew_ms"] < 50, m["start_skew_ms"]
assert m["exact_intervals"], m
assert sum(sum(i["outcomes"].values()) for i in r["intervals"]) == 4000
print("merged: 4000 intended, 4 x 1000, skew %.3f ms, p99 %.3f ms" % (m["start_skew_ms"], r["metrics"]["p99_response_time_ms"]))
PY
  [ -f "$out/junit.xml" ] && [ -f "$out/report.html" ] || fail "merge writes junit.xml and report.html"
}

common=("$url/health" --rate 2000 --duration 2s -c 8 -t 1 --quiet --late-threshold 1s --slo "error_rate < 0.01")

# 1. Open MPI: ranks 0..3 read OMPI_COMM_WORLD_RANK/SIZE; one start for all, at the next 2 s boundary.
if command -v mpirun >/dev/null; then
  mpirun --oversubscribe --allow-run-as-root -np 4 "$bin" "${common[@]}" --start-at next:2s --out "$dir/mpi" \
    >"$dir/mpi.txt" 2>&1 || { cat "$dir/mpi.txt"; fail "mpirun of 4 shards"; }
  for i in 0 1 2 3; do [ -f "$dir/mpi/shard-$i/results.json" ] || fail "shard $i wrote no results"; done
  grep -q '"source": "open-mpi"' "$dir/mpi/shard-0/results.json" || fail "the shard says it came from Open MPI"
  "$bin" merge "$dir/mpi" >"$dir/merge.txt" 2>&1 || { cat "$dir/merge.txt"; fail "merge of the MPI shards"; }
  grep -q "merged 4 shards" "$dir/merge.txt" || fail "merge prints what it merged"
  check_merged "$dir/mpi"
else
  echo "skip: mpirun not installed (scripts/install-deps installs openmpi-bin)"
fi

# 2. Kubernetes Indexed Job: each pod gets JOB_COMPLETION_INDEX; the count comes from the manifest.
#    Each shard serves its live page; `stress-run dashboard --follow` merges the four live and
#    writes the merged results when they end (they linger 3 s so it reads their final documents).
start=$(python3 -c 'import time; print("%.3f" % (time.time() + 1.5))')
pids=()
for i in 0 1 2 3; do
  JOB_COMPLETION_INDEX=$i STRESS_TESTING_SHARDS=4 "$bin" "${common[@]}" --start-at "$start" --out "$dir/k8s" \
    --dashboard 127.0.0.1:0 --dashboard-linger 3 >"$dir/k8s-$i.txt" 2>&1 &
  pids+=($!)
done
follow=()
for i in 0 1 2 3; do
  for _ in $(seq 100); do grep -q "^dashboard: http" "$dir/k8s-$i.txt" && break; sleep 0.05; done
  follow+=("$(grep -o "^dashboard: http://[0-9.:]*" "$dir/k8s-$i.txt" | cut -d' ' -f2)")
done
"$bin" dashboard --follow "${follow[@]}" --listen 127.0.0.1:0 --poll 0.2 --give-up 30 --out "$dir/followed" \
  >"$dir/follow.txt" 2>&1 &
follower=$!
for p in "${pids[@]}"; do wait "$p" || fail "a Kubernetes-style shard failed: $(cat "$dir"/k8s-*.txt)"; done
wait "$follower" || { cat "$dir/follow.txt"; fail "the follower of the four shards"; }
grep -q "4 shards merged" "$dir/follow.txt" || { cat "$dir/follow.txt"; fail "the follower merged the shards"; }
grep -q '"source": "kubernetes"' "$dir/k8s/shard-3/results.json" || fail "the shard says it came from Kubernetes"
"$bin" merge "$dir/k8s" -o "$dir/k8s-merged" >"$dir/merge2.txt" 2>&1 || { cat "$dir/merge2.txt"; fail "merge of the k8s shards"; }
check_merged "$dir/k8s-merged"
[ -f "$dir/followed/results.json" ] && [ -f "$dir/followed/report.html" ] || fail "the follower writes its results"
cmp <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounting"])' "$dir/followed/results.json") \
    <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounting"])' "$dir/k8s-merged/results.json") ||
  fail "the follower's merged accounting is the merge's"

# 3. A shard missing: refused, naming it; exit 2.
rm -r "$dir/k8s/shard-2"
"$bin" merge "$dir/k8s" -o "$dir/partial" >"$dir/merge3.txt" 2>&1
code=$?
[ "$code" -eq 2 ] || { cat "$dir/merge3.txt"; fail "merge with a shard missing: exit $code, expected 2"; }
grep -q "shard 2 of 4 is missing" "$dir/merge3.txt" || { cat "$dir/merge3.txt"; fail "the missing shard is named"; }
# 4. The deployment files: the Indexed Job's shard count agrees with itself, its scenario loads.
root=$(cd "$(dirname "$0")/../.." && pwd)
python3 - "$root/deploy/kubernetes/indexed-job.yaml" "$dir/k8s-scenario.json" <<'PY' || fail "the Indexed Job manifest"
import json, sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
job = docs["Job"]["spec"]
assert job["completionMode"] == "Indexed"
env = {e["name"]: e["value"] for e in job["template"]["spec"]["containers"][0]["env"]}
assert job["completions"] == job["parallelism"] == int(env["STRESS_TESTING_SHARDS"]), (job, env)
open(sys.argv[2], "w").write(docs["ConfigMap"]["data"]["scenario.json"])
PY
"$bin" scenario "$dir/k8s-scenario.json" --target sim --time-scale 0.001 --load-scale 0.01 --late-threshold 1s \
  --quiet --shard none --out "$dir/k8s-scenario" >"$dir/scn.txt" 2>&1 || { cat "$dir/scn.txt"; fail "the manifest's scenario runs"; }
bash -n "$root/deploy/mpi/run-shards.sh" && bash -n "$root/deploy/slurm/stress.sbatch" || fail "deploy scripts parse"
echo "ok: sharded runs under mpirun and as an Indexed Job, merged exactly"
