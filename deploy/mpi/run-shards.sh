#!/usr/bin/env bash
# A run split over N processes with Open MPI's launcher: each rank reads OMPI_COMM_WORLD_RANK and
# OMPI_COMM_WORLD_SIZE, runs its shard, and writes OUT/shard-RANK/results.json; then one merge.
#   deploy/mpi/run-shards.sh 4 http://127.0.0.1:8080/health 4000 30s results/
# Across machines add a hostfile (mpirun --hostfile hosts); every host needs the same stress-run
# and a target on its own loopback (stress-run loads loopback addresses only). --start-at
# next:5s: every rank starts on the same 5 s boundary of its wall clock (keep the clocks in NTP).
set -euo pipefail
n=${1:?shards} url=${2:?url} rate=${3:?total rate} duration=${4:?duration} out=${5:?out dir}
mpirun --oversubscribe -np "$n" stress-run "$url" --rate "$rate" --duration "$duration" \
  --start-at next:5s --out "$out" --quiet
stress-run merge "$out"
