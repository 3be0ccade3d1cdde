# Sourced by stress-run's test scripts: `fail MESSAGE` and `expect CODE DESCRIPTION COMMAND...`
# (runs COMMAND with its output in $dir/out.txt and $dir/err.txt, fails unless it exits CODE).
fail() { echo "FAIL: $*"; exit 1; }
expect() {
  local want=$1 what=$2; shift 2
  "$@" >"$dir/out.txt" 2>"$dir/err.txt"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$dir/out.txt" "$dir/err.txt"; fail "$what: exit $got, expected $want"; }
  echo "ok: $what (exit $got)"
}
