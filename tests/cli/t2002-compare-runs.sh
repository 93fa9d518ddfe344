#!/bin/sh
# mcreport compare on two real runs of the tiny suite: timings are noisy, so
# only the shape is pinned (exit 0 or 1, the table, one row per result).
. "$(dirname "$0")/../lib.sh"
for i in 1 2; do
    expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db x.sqlite
done
mcreport compare --db x.sqlite >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || { cat "$T/err"; die "compare exited $rc"; }
[ -s "$T/err" ] && { cat "$T/err"; die "unexpected stderr (same machine, same build)"; }
expect_grep '^benchmark  *backend  *clock  *A median  *B median  *change  *95% CI  *floor  *p  *verdict$' "$T/out"
[ "$(grep -c '^tiny/.* ref  *wall .*\(slower\|faster\|unchanged\|inconclusive\)$' "$T/out")" = 4 ] || {
    cat "$T/out"; die "expected 4 result rows"; }
expect_grep '^A: run .* (id 1)' "$T/out"
expect_grep '^B: run .* (id 2)' "$T/out"
if [ $rc = 1 ]; then expect_grep '^[1-9][0-9]* slower' "$T/out"; else expect_grep '^0 slower' "$T/out"; fi
# the history of one of them has both runs
expect_ok mcreport history softmax/rows=8,cols=256 --db x.sqlite
[ "$(grep -c '^20[0-9-]* [0-9:]*  [0-9a-f]\{8\}  ' "$T/out")" = 2 ] || { cat "$T/out"; die "history rows"; }
echo ok
