#!/bin/sh
# A run records provenance, devices with roofline peaks, and validated results
# with every sample; it is 'complete' only at the end. Samples are taken in
# interleaved rounds: round 2 of any measurement only after round 1 of all.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --backend cpu --db r.sqlite
expect_grep 'complete: 8 ok, 0 invalid' "$T/out"
expect_grep '\[1/40\] tiny/softmax/rows=8,cols=256 ref (round 1/5)' "$T/err"
expect_grep '\[8/40\] tiny/sgemm/m=32,n=32,k=64 cpu (round 1/5)' "$T/err"
expect_grep '\[9/40\] tiny/softmax/rows=8,cols=256 ref (round 2/5)' "$T/err"
expect_grep '\[40/40\] tiny/sgemm/m=32,n=32,k=64 cpu (round 5/5)' "$T/err"
q() { sqlite3 r.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
[ "$(q "SELECT count(*) FROM run WHERE ended_at IS NOT NULL AND timer_resolution_ns > 0 AND timer_overhead_ns > 0")" = 1 ] || die "timer not recorded"
[ "$(q "SELECT count(*) FROM device WHERE peak_gflops > 0 AND peak_gbps > 0")" = 2 ] || die "roofline peaks missing"
[ "$(q "SELECT count(*) FROM result WHERE status = 'ok' AND n_samples = 10 AND iters_per_sample >= 1")" = 8 ] || die "results"
[ "$(q "SELECT count(*) FROM sample")" = 80 ] || die "samples"
[ "$(q "SELECT count(*) FROM result WHERE min_ns <= median_ns AND median_ns <= (SELECT max(ns) FROM sample s WHERE s.result_id = result.id) AND ci_lo_ns <= median_ns AND median_ns <= ci_hi_ns")" = 8 ] || die "statistics inconsistent"
[ "$(q "SELECT count(*) FROM result WHERE max_rel_err IS NOT NULL AND max_abs_err < 1e-3")" = 8 ] || die "validation errors not stored"
q "SELECT provenance FROM run" > prov.json
for k in '"openblas"' '"cpu"' '"environment"' '"os"'; do expect_grep "$k" prov.json; done
[ "$(q "SELECT rounds FROM run")" = 5 ] || die "rounds not recorded"
[ "$(q "PRAGMA integrity_check")" = ok ] || die "integrity"
[ "$(q "PRAGMA journal_mode")" = wal ] || die "not WAL"

# One pass, as before rounds: every sample of a measurement back to back.
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend cpu --rounds 1 --db one.sqlite
expect_grep '\[4/4\] tiny/sgemm/m=32,n=32,k=64 cpu (' "$T/err"
[ "$(sqlite3 one.sqlite "SELECT rounds || ' ' || (SELECT count(*) FROM sample) FROM run")" = "1 40" ] || die "one pass"
for bad in 0 x 1001 ''; do
    expect_fail 2 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --rounds "$bad" --db bad.sqlite
    expect_grep "rounds wants an integer from 1 to 1000, not '$bad'" "$T/err"
done
for bad in -1 x '' 1e9; do
    expect_fail 2 mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --budget "$bad" --db bad.sqlite
    expect_grep "budget wants seconds from 0 (none) to 604800, not '$bad'" "$T/err"
done
[ ! -e bad.sqlite ] || die "a bad option created a db"

# A budget the run fits in changes nothing but the notes; one already
# spent when the rounds begin skips every measurement, saying why.
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --budget 600 --db b1.sqlite
expect_grep 'complete: 4 ok, 0 invalid, 0 implausible, 0 failed, 0 skipped' "$T/out"
expect_grep 'budget of 600 s for the whole run' "$T/err"
[ "$(sqlite3 b1.sqlite "SELECT count(*) FROM run WHERE notes LIKE '%budget of 600 s%'")" = 1 ] || die "budget not in the notes"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --budget 0.000001 --db b2.sqlite
expect_grep 'complete: 0 ok, 0 invalid, 0 implausible, 0 failed, 4 skipped' "$T/out"
[ "$(sqlite3 b2.sqlite "SELECT count(*) FROM result WHERE status = 'skipped' AND message LIKE 'the run''s budget of 0 s was spent before it began%'")" = 4 ] || die "budget skips"
echo ok
