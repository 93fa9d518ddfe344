# tests/lib.sh - sourced by every CLI test (tests/cli/tNNNN-*.sh).
# Each test runs in its own scratch directory with its own db. Helpers:
#   expect_ok CMD...        run CMD; fail unless exit 0
#   expect_fail RC CMD...   run CMD; fail unless exit RC (stderr kept in $T/err)
#   expect_grep PATTERN FILE
#   skip "reason"           exit 77: counted and printed as skipped
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${MCBENCH_BIN:-$TOP/bin}
T=$(mktemp -d)
export MCBENCH_SUITES=${MCBENCH_SUITES:-$TOP/suites}
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
mcbench() { "$BIN/mcbench" "$@"; }
mcreport() { "$BIN/mcreport" "$@"; }
die() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
expect_ok() { "$@" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; die "expected success: $*"; }; }
expect_fail() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"; got=$?
    [ "$got" = "$want" ] || { cat "$T/err" >&2; die "expected exit $want, got $got: $*"; }
}
expect_grep() { grep -q -e "$1" -- "$2" || { echo "--- $2:" >&2; cat "$2" >&2; die "no '$1' in $2"; }; }
