#!/bin/sh
# A suite killed with SIGKILL at any moment leaves a consistent db whose run
# is not complete; the next run marks it aborted. SIGTERM marks it at once.
. "$(dirname "$0")/../lib.sh"
for delay in 0.3 0.9 1.7; do
    rm -f k.sqlite*
    "$BIN/mcbench" run --suite "$TOP/tests/fixtures/cli/slow.json" --backend cpu --db k.sqlite >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -f k.sqlite ] || continue
    [ "$(sqlite3 k.sqlite 'PRAGMA integrity_check')" = ok ] || die "integrity after kill at $delay s"
    st=$(sqlite3 k.sqlite 'SELECT status FROM run')
    [ "$st" = running ] || [ -z "$st" ] || die "killed run has status '$st'"
    # every stored result has all of its samples
    [ "$(sqlite3 k.sqlite 'SELECT count(*) FROM result WHERE n_samples != (SELECT count(*) FROM sample WHERE result_id = result.id)')" = 0 ] || die "partial result"
done
# The next run reaps the killed one.
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db k.sqlite
[ "$(sqlite3 k.sqlite "SELECT group_concat(status) FROM (SELECT status FROM run ORDER BY id)")" = "aborted,complete" ] || die "not reaped: $(sqlite3 k.sqlite 'SELECT status FROM run')"
# SIGTERM: marked aborted by the run itself.
"$BIN/mcbench" run --suite "$TOP/tests/fixtures/cli/slow.json" --backend cpu --db t.sqlite >/dev/null 2>"$T/term.err" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid; rc=$?
[ $rc = 130 ] || die "SIGTERM exit $rc"
[ "$(sqlite3 t.sqlite 'SELECT status FROM run')" = aborted ] || die "SIGTERM not marked aborted"
echo ok
