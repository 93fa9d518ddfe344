#!/bin/sh
# Four writers and two readers on one db at once. The writers are four
# `mcbench run`s started together; the readers render the report and export
# every complete run in a loop while they write. Every reader call succeeds
# (WAL readers do not wait on writers, and the busy timeout covers the
# moments a checkpoint needs the lock: never 'database is locked'), every
# run a reader sees is whole and never changes afterwards (each snapshot is
# imported into one db, which refuses a known uuid with other content), and
# at the end every run is complete and whole, nothing of the first run lost.
. "$(dirname "$0")/../lib.sh"
suite=$TOP/tests/fixtures/cli/tiny.json
db=c.sqlite
# a first run, so that the readers find a db with data from their start
expect_ok mcbench run --quick --suite "$suite" --backend ref --backend cpu --db $db
first=$(sqlite3 $db "SELECT uuid FROM run")
mcreport export --run "$first" --db $db >first.json || die "export of the first run"

# reader N: render and export until the writers are done; counts its rounds
# that began and ended while they ran
reader() {
    i=0 during=0
    while :; do
        [ -e writers.done ] && began_after=1 || began_after=0
        mcreport --db $db >r$1.md 2>r$1.err || { echo "render failed:" >>r$1.fail; cat r$1.err >>r$1.fail; }
        mcreport export --all --db $db >e$1.json 2>>r$1.err ||
            { echo "export failed:" >>r$1.fail; cat r$1.err >>r$1.fail; }
        grep -i locked r$1.err >>r$1.fail
        mcbench import e$1.json --db snap$1.sqlite >/dev/null 2>>r$1.fail ||
            echo "snapshot $i not whole, or a run changed" >>r$1.fail
        i=$((i + 1))
        [ $began_after = 1 ] && break
        [ -e writers.done ] || during=$((during + 1))
    done
    echo "$during" >r$1.during
}
reader 1 & r1=$!
reader 2 & r2=$!
# a failure below must not leave the readers looping
trap 'touch writers.done; wait $r1 $r2; cleanup' EXIT
pids=
for w in 1 2 3 4; do
    mcbench run --quick --suite "$suite" --backend ref --backend cpu --db $db >w$w.out 2>w$w.err &
    pids="$pids $!"
done
n=0
for p in $pids; do
    n=$((n + 1))
    wait "$p" || { cat w$n.err >&2; die "writer $n failed"; }
done
touch writers.done
wait $r1; wait $r2
for r in 1 2; do
    [ ! -s r$r.fail ] || { cat r$r.fail >&2; die "reader $r"; }
    [ "$(cat r$r.during)" -ge 1 ] || die "reader $r never read while the writers wrote"
done
grep -i locked w*.err && die "a writer met a locked db"
q() { sqlite3 $db "$1"; }
[ "$(q "PRAGMA integrity_check")" = ok ] || die "integrity_check"
[ "$(q "SELECT count(*) FROM run WHERE status = 'complete'")" = 5 ] || die "runs: $(q "SELECT uuid, status FROM run")"
[ "$(q "SELECT count(*) FROM run")" = 5 ] || die "run count"
# each run whole: 8 results (4 benchmarks x ref, cpu), each with all its
# samples; none invalid or failed (implausible under this load is allowed,
# see t0004)
[ "$(q "SELECT count(*) FROM result")" = 40 ] || die "results"
[ "$(q "SELECT count(DISTINCT run_id) FROM result")" = 5 ] || die "results per run"
[ "$(q "SELECT count(*) FROM result r WHERE r.n_samples = 5 AND
        (SELECT count(*) FROM sample s WHERE s.result_id = r.id) = 5")" = 40 ] || die "samples"
[ "$(q "SELECT count(*) FROM result WHERE status IN ('invalid', 'failed')")" = 0 ] ||
    die "a result failed: $(q "SELECT status, message FROM result WHERE status IN ('invalid', 'failed')")"
# the first run is byte-identical to what it was before the others wrote
mcreport export --run "$first" --db $db >first.after || die "export"
cmp first.json first.after || die "the first run changed"
# what the readers saw is what is stored: the final export imports into
# their snapshot dbs without a conflict
mcreport export --all --db $db >final.json || die "final export"
for r in 1 2; do
    expect_ok mcbench import final.json --db snap$r.sqlite
    [ "$(sqlite3 snap$r.sqlite "SELECT count(*) FROM run")" = 5 ] || die "snapshot $r"
done
echo "readers: $(cat r1.during) and $(cat r2.during) rounds while writing"
echo ok
