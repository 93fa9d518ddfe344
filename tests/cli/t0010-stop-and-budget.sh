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
    sleep 2
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
printf '{ "name": "budget", "defaults": { "samples": 20, "target_ms": 500, "max_seconds": 1 },\n  "benchmarks": [ { "kernel": "softmax", "grid": { "rows": [8], "cols": [256] } } ] }\n' > budget.json
t0=$(date +%s)
expect_ok mcbench run --suite ./budget.json --backend ref --db b.sqlite
t1=$(date +%s)
[ $((t1 - t0)) -le 8 ] || die "budget: the run took $((t1 - t0)) s against max_seconds 1"
[ "$(sqlite3 b.sqlite 'SELECT status FROM result')" = skipped ] || die "budget: result is $(sqlite3 b.sqlite 'SELECT status FROM result')"
sqlite3 b.sqlite 'SELECT message FROM result' | grep -q "budget of 1 s" || die "budget: message does not say why"
echo ok
