# Sourced by stress-run's test scripts (after they set $bin and $dir): `fail MESSAGE`,
# `expect CODE DESCRIPTION COMMAND...` and `start_fraud_service`.
# expect runs COMMAND with its output in $dir/out.txt and $dir/err.txt, fails unless it exits CODE.
fail() { echo "FAIL: $*"; exit 1; }
expect() {
  local want=$1 what=$2; shift 2
  "$@" >"$dir/out.txt" 2>"$dir/err.txt"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$dir/out.txt" "$dir/err.txt"; fail "$what: exit $got, expected $want"; }
  echo "ok: $what (exit $got)"
}

# Starts `stress-run serve-fraud` on a loopback port it picks; sets $server (its pid, killed on
# exit) and $url (http://127.0.0.1:PORT).
start_fraud_service() {
  "$bin" serve-fraud --listen 127.0.0.1:0 >"$dir/serve.txt" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null' EXIT
  for _ in $(seq 50); do grep -q "fraud service on" "$dir/serve.txt" && break; sleep 0.1; done
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/serve.txt" | head -1)
  [ -n "$url" ] || { cat "$dir/serve.txt"; fail "serve-fraud did not start"; }
}
