#!/bin/sh
# A peer that exits, prints garbage or hangs after it started (the fake
# adapter's *_mid_run modes, on sgemm's second run request): `mcbench run`
# goes on, stores that result failed with a one-line note naming the peer
# and the fault (a hang killed at MCBENCH_PEER_TIMEOUT), never a time; every
# other result of the run is stored whole, the run completes, the db is
# intact and the adapter is gone.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || skip "skip: no python3 for the fake peer"
export MCBENCH_PEERS="$TOP/tests/fixtures/peers/fake_peer.py" MCBENCH_PYTHON=python3
export FAKE_PEER_KERNEL=sgemm MCBENCH_PEER_TIMEOUT=5
suite=$TOP/tests/fixtures/cli/peerfault.json
for mode in exit_mid_run garbage_mid_run hang_mid_run; do
    case $mode in
    exit_mid_run) want='exited with status 6 during run: fake: exiting mid-run as asked' ;;
    garbage_mid_run) want="reply during run is not JSON (\"Segmentation fault? no: garbage\"); stopped it" ;;
    hang_mid_run) want='did not answer within 5 s (MCBENCH_PEER_TIMEOUT) and was killed during run' ;;
    esac
    db=$mode.sqlite
    FAKE_PEER_MODE=$mode expect_ok mcbench run --suite "$suite" --backend ref --backend mlx \
        --rounds 2 --db "$db"
    q() { sqlite3 "$db" "$1"; }
    [ "$(q "SELECT status FROM run")" = complete ] || die "$mode: run not complete"
    [ "$(q "PRAGMA integrity_check")" = ok ] || die "$mode: integrity_check"
    msg=$(q "SELECT message FROM result WHERE backend = 'mlx' AND benchmark LIKE 'sgemm/%'
             AND status = 'failed' AND n_samples = 0 AND median_ns IS NULL
             AND NOT EXISTS (SELECT 1 FROM sample s WHERE s.result_id = result.id)")
    case $msg in
    "mlx: the adapter"*"$want") ;;
    *) die "$mode: sgemm on mlx: '$msg'" ;;
    esac
    grep -F "mlx: failed: $msg" "$T/err" >/dev/null || die "$mode: not said on stderr"
    # the other five results whole: ok, every sample of both rounds stored
    [ "$(q "SELECT count(*) FROM result r WHERE r.status = 'ok' AND r.n_samples = 10
            AND (SELECT count(*) FROM sample s WHERE s.result_id = r.id) = 10")" = 5 ] ||
        die "$mode: other results: $(q "SELECT backend, benchmark, status, n_samples FROM result")"
    [ "$(q "SELECT count(*) FROM result")" = 6 ] || die "$mode: result count"
    case $msg in
    *"(pid "*)
        pid=${msg#*(pid }; pid=${pid%%)*}
        if kill -0 "$pid" 2>/dev/null; then die "$mode: adapter $pid still running"; fi ;;
    esac
    echo "$mode: ok"
done
echo ok
