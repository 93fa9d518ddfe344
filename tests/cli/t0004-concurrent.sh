#!/bin/sh
# Two suites writing to one db at once both succeed.
. "$(dirname "$0")/../lib.sh"
"$BIN/mcbench" run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --backend cpu --db c.sqlite >a.out 2>a.err &
p1=$!
"$BIN/mcbench" run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --backend cpu --db c.sqlite >b.out 2>b.err &
p2=$!
wait $p1 || { cat a.err; die "first writer failed"; }
wait $p2 || { cat b.err; die "second writer failed"; }
[ "$(sqlite3 c.sqlite "SELECT count(*) FROM run WHERE status = 'complete'")" = 2 ] || die "runs"
# Every result of both runs is stored. Their statuses are not this test's
# concern: each run probes its roofline while the other one computes, so
# under load a fast sample can exceed a low probe and be stored
# 'implausible' (as it should); none may be invalid or failed.
[ "$(sqlite3 c.sqlite "SELECT count(*) FROM result")" = 16 ] || die "results"
[ "$(sqlite3 c.sqlite "SELECT count(*) FROM result WHERE status IN ('invalid', 'failed')")" = 0 ] ||
    die "a result failed"
[ "$(sqlite3 c.sqlite "SELECT count(DISTINCT machine_id) FROM run")" = 1 ] || die "machine duplicated"
echo ok
