#!/bin/sh
# SIGKILL at random moments over a whole run and over a whole import (of
# db/runs/), into a db that already holds a complete run. After each kill: integrity_check
# ok, the run stored before byte-identical (its export), a run complete only
# with all its results and each stored result whole; the next run marks the killed
# runs aborted, and a killed import completes when run again. The moments
# are drawn anew each time and printed; MCBENCH_KILL_SEED=N repeats a draw.
. "$(dirname "$0")/../lib.sh"
suite=$TOP/tests/fixtures/cli/tiny.json
db=k.sqlite
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(now_ms)
expect_ok mcbench run --quick --suite "$suite" --backend ref --backend cpu --db $db
run_ms=$(($(now_ms) - t0))
first=$(sqlite3 $db "SELECT uuid FROM run")
mcreport export --run "$first" --db $db > first.json || die "export"
seed=${MCBENCH_KILL_SEED:-$(($(od -An -N2 -tu2 /dev/urandom) + 1))}   # mawk wants a small seed
# N delays in seconds, uniform over [0, span ms)
moments() { awk -v n="$1" -v span="$2" -v seed="$3" \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.3f\n", rand() * span / 1000 }'; }
intact() {  # WHAT: the db is consistent and the first run as it was
    [ "$(sqlite3 $db 'PRAGMA integrity_check')" = ok ] || die "$1: integrity_check"
    mcreport export --run "$first" --db $db > now.json || die "$1: export of the first run"
    cmp -s first.json now.json || die "$1: the first run changed"
    [ "$(sqlite3 $db 'SELECT count(*) FROM result WHERE n_samples !=
          (SELECT count(*) FROM sample WHERE result_id = result.id)')" = 0 ] ||
        die "$1: a result stored without all its samples"
}
echo "seed $seed; a whole run takes $run_ms ms"

for d in $(moments 5 "$run_ms" "$seed"); do
    "$BIN/mcbench" run --quick --suite "$suite" --backend ref --backend cpu --db $db >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    intact "run killed at $d s"
    # a run is complete only with all its results (a kill can land after
    # the run was marked complete, so a kill that worked proves nothing)
    [ "$(sqlite3 $db "SELECT count(*) FROM run u WHERE u.status = 'complete' AND
          (SELECT count(*) FROM result r WHERE r.run_id = u.id) != 8")" = 0 ] ||
        die "a run complete without all its results"
    echo "run killed at $d s: ok"
done
# the next run reaps every killed one (their processes are gone)
expect_ok mcbench run --quick --suite "$suite" --backend ref --db $db
[ "$(sqlite3 $db "SELECT count(*) FROM run WHERE status = 'running'")" = 0 ] || die "a killed run still running"
# (a run killed before it stored its row left none: nothing to reap)
[ "$(sqlite3 $db "SELECT count(*) FROM run WHERE status NOT IN ('complete', 'aborted')")" = 0 ] ||
    die "a killed run not aborted: $(sqlite3 $db "SELECT uuid, status FROM run")"

intact "after the reaping run"

# an import of every published run (db/runs/, one transaction per file),
# killed at random moments into a copy of the db as it is now
runs="$TOP/db/runs"
ls "$runs"/*.json >/dev/null 2>&1 || { echo "no db/runs/*.json: import part not run"; echo ok; exit 0; }
t0=$(now_ms)
expect_ok mcbench import --db scratch.sqlite "$runs"/*.json
imp_ms=$(($(now_ms) - t0))
sqlite3 scratch.sqlite "SELECT uuid, (SELECT count(*) FROM result WHERE run_id = run.id)
    FROM run ORDER BY uuid" | tr '|' ' ' > want.txt
cp $db base.sqlite
before=$(sqlite3 $db "SELECT count(*) FROM run")
for d in $(moments 5 "$imp_ms" "$((seed + 1))"); do
    cp base.sqlite $db
    "$BIN/mcbench" import --db $db "$runs"/*.json >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    intact "import killed at $d s"
    # each published run all there or absent
    sqlite3 $db "SELECT uuid, (SELECT count(*) FROM result WHERE run_id = run.id)
        FROM run ORDER BY uuid" | tr '|' ' ' > got.txt
    join got.txt want.txt | while read -r u got want; do
        [ "$got" = "$want" ] || { echo "run $u: $got of $want results"; exit 1; }
    done || die "import killed at $d s: a run half imported"
    n=$(($(sqlite3 $db "SELECT count(*) FROM run") - before))
    expect_ok mcbench import --db $db "$runs"/*.json
    [ "$(sqlite3 $db "SELECT count(*) FROM run")" = $((before + $(wc -l < want.txt))) ] ||
        die "re-import after a kill at $d s"
    intact "re-import after a kill at $d s"
    echo "import killed at $d s: ok ($n of $(wc -l < want.txt) runs in)"
done
echo ok
