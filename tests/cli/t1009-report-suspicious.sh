#!/bin/sh
# {{suspicious}} flags a sweep whose time stays flat while its work grows
# 8x or more, and nothing else: the render of sweep.sql matches its golden
# file (only the flat opencl:gpu sweep of the selected runs is listed; a
# normal sweep, a 4x pair, a pair two parameters apart, device-clock and
# rejected results, superseded and aborted runs are not), and bad arguments
# are template errors.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" sweep.sqlite "$F/sweep.sql" || die "cannot build the fixture db"
cp "$F/sweep.md.in" sweep.md.in
expect_ok mcreport --db sweep.sqlite --template sweep.md.in --no-charts
cmp -s "$T/out" "$F/sweep.md" || { diff -u "$F/sweep.md" "$T/out" | head -n 40 >&2; die "render differs from sweep.md"; }
[ -s "$T/err" ] && die "a successful render printed on stderr"
# Flagged: the flat sweep once in the default selection, and the superseded
# flat cpu sweep only where its run is pinned.
[ "$(grep -c '^| layer\\_ops | opencl:gpu | softmax | rows (cols=1024) | 64 → 4096 | 64x | 1.20x |' "$T/out")" = 2 ] ||
    die "the flat opencl:gpu sweep is not flagged once per section"
[ "$(grep -c '^| layer\\_ops | cpu |' "$T/out")" = 1 ] || die "cpu flagged other than in the pinned run"
expect_grep '^No sweep has a time that stays flat while its work grows 8x or more\.$' "$T/out"
# The aborted run is never read.
grep -q cccc3333 "$T/out" && die "the aborted run shows"
# Errors point at the argument.
bad() {
    printf '%b' "$1" > bad.md.in
    expect_fail 2 mcreport --db sweep.sqlite --template bad.md.in --no-charts
    [ -s "$T/out" ] && die "a bad template printed a document: $1"
    expect_grep "^mcreport: bad.md.in:$2" "$T/err"
}
bad '{{suspicious suite=nosuch}}\n' "1:14: unknown suite 'nosuch' (the db has: layer_ops, matmul)"
bad '{{suspicious rows=4}}\n' "1:14: unknown argument 'rows' for {{suspicious}}"
bad 'see {{suspicious}}\n' "1:5: {{suspicious}} must stand alone on its line"
echo ok
