#!/bin/sh
# SIGTERM and SIGINT end a run within one backend call, not one benchmark
# (a run used to stay `running` for 15-30 s after SIGTERM); max_seconds is
# checked before every call, not only on the first (one slow benchmark
# overran its budget). Nothing of a measurement cut short is stored.
. "$(dirname "$0")/../lib.sh"
# One benchmark of 20 samples of 2 s each: 40 s unless stopped.
printf '{ "name": "long", "defaults": { "samples": 20, "target_ms": 2000, "max_seconds": 600 },\n  "benchmarks": [ { "kernel": "softmax", "grid": { "rows": [8], "cols": [256] } } ] }\n' > long.json
for sig in TERM INT; do
    rm -f s.sqlite*
    "$BIN/mcbench" run --suite ./long.json --backend ref --db s.sqlite >/dev/null 2>"$T/sig.err" &
    pid=$!
    # Signal once it measures: the roofline probe before it takes seconds
    # (more under ASan, on a VM reporting a large L3) and is not this
    # test's concern.
    n=0
    until grep -q '^\[1/' "$T/sig.err" 2>/dev/null; do
        n=$((n + 1)); [ $n -le 600 ] || die "SIG$sig: the run never started measuring"
        sleep 0.1
    done
    sleep 1
    t0=$(date +%s)
    kill -$sig $pid
    wait $pid; rc=$?
    t1=$(date +%s)
    [ $rc = 130 ] || { cat "$T/sig.err"; die "SIG$sig: exit $rc"; }
    [ $((t1 - t0)) -le 6 ] || die "SIG$sig: took $((t1 - t0)) s to stop"
    [ "$(sqlite3 s.sqlite 'SELECT status FROM run')" = aborted ] || die "SIG$sig: run not aborted"
    [ "$(sqlite3 s.sqlite 'SELECT count(*) FROM result')" = 0 ] || die "SIG$sig: a cut measurement was stored"
    [ "$(sqlite3 s.sqlite 'PRAGMA integrity_check')" = ok ] || die "SIG$sig: integrity"
done
# Budget: 20 samples of 0.5 s against max_seconds 1 (one call is fast, so
# the first-call check passes): stopped at twice the budget, stored skipped.
# The runner's own account of the time it spent is checked (at most twice
# the budget plus the one call that crossed it, 0.5 s, and slack), not the
# process's wall time, which includes the roofline probe.
printf '{ "name": "budget", "defaults": { "samples": 20, "target_ms": 500, "max_seconds": 1 },\n  "benchmarks": [ { "kernel": "softmax", "grid": { "rows": [8], "cols": [256] } } ] }\n' > budget.json
expect_ok mcbench run --suite ./budget.json --backend ref --db b.sqlite
[ "$(sqlite3 b.sqlite 'SELECT status FROM result')" = skipped ] || die "budget: result is $(sqlite3 b.sqlite 'SELECT status FROM result')"
msg=$(sqlite3 b.sqlite 'SELECT message FROM result')
echo "$msg" | grep -q "budget of 1 s" || die "budget: message does not say why: $msg"
spent=$(echo "$msg" | sed -n 's/^stopped after \([0-9.]*\) s, \([0-9]*\) of 20 samples.*/\1 \2/p')
[ -n "$spent" ] || die "budget: message does not give the time spent: $msg"
set -- $spent
awk -v s="$1" 'BEGIN { exit !(s <= 3.5) }' || die "budget: spent $1 s against max_seconds 1: $msg"
[ "$2" -lt 20 ] || die "budget: all samples were taken: $msg"
echo ok
