#!/usr/bin/env bash
# Toxiproxy's npm client (toxiproxy-node-client, pinned by toxiproxy_client/package-lock.json)
# against `stress-run proxy --toxiproxy-api` (docs/fault_proxy.md): toxiproxy_client/drive.js
# creates a proxy, checks a latency toxic delays a request by its amount, removes it, resets and
# deletes. Bounded: the proxy is killed on exit, the script ends within 20 s. Exits 77 (ctest
# SKIP_RETURN_CODE) without node; installs the client with `npm ci` when it is missing.
set -uo pipefail
bin=$1 dir=$2
client=$(cd "$(dirname "${BASH_SOURCE[0]}")/toxiproxy_client" && pwd)
command -v node >/dev/null || { echo "SKIP: node not installed (scripts/install-deps installs it)"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; cat "$dir/proxy.txt" 2>/dev/null; exit 1; }
if [ ! -f "$client/node_modules/toxiproxy-node-client/package.json" ]; then
  timeout 120 npm ci --prefix "$client" --no-audit --no-fund || fail "npm ci of the Toxiproxy client"
fi
"$bin" proxy >"$dir/usage.txt" 2>&1
[ $? -eq 2 ] && grep -q -- "--upstream is required (or --toxiproxy-api" "$dir/usage.txt" || fail "no --upstream nor --toxiproxy-api: exit 2"
"$bin" proxy --toxiproxy-api 10.0.0.1:0 >"$dir/usage.txt" 2>&1
[ $? -eq 2 ] && grep -q "not a loopback address" "$dir/usage.txt" || fail "a non-loopback API address: exit 2"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
"$bin" proxy --toxiproxy-api 127.0.0.1:0 --seed 3 >"$dir/proxy.txt" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "Ctrl-C stops" "$dir/proxy.txt" && break; sleep 0.1; done
api=$(grep -o 'Toxiproxy API on http://127.0.0.1:[0-9]*' "$dir/proxy.txt" | grep -o 'http://.*')
[ -n "$api" ] || fail "stress-run proxy did not print its Toxiproxy API address"
timeout 30 node "$client/drive.js" "$api" || fail "toxiproxy-node-client against $api"
kill -INT "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the proxy did not stop within 5 s of SIGINT"
wait "$pid"; rc=$?; pid=""
[ "$rc" -eq 0 ] || fail "stress-run proxy exits 0 after SIGINT (got $rc)"
echo "ok: stress-run proxy --toxiproxy-api stopped on SIGINT"
