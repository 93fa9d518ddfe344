#!/bin/sh
# The peers (MLX, PyTorch on the CPU) run the same workloads as the cpu
# backend in the same run, through the same runner: every row validated and
# timed, the devices recorded as kind 'peer' with their versions. Needs the
# project venv (`make suite` makes it) with mlx or torch installed.
. "$(dirname "$0")/../lib.sh"
py=$TOP/.venv/bin/python3
[ -x "$py" ] || skip "skip: no peer installed (no $py; make suite creates it)"
peers=
for p in mlx torch; do
    "$py" -c "import $p" >/dev/null 2>&1 && peers="$peers $p"
done
[ -n "$peers" ] || skip "skip: no peer installed (neither mlx nor torch imports in $py)"
export MCBENCH_PYTHON="$py" MCBENCH_PEERS="$TOP/suites/peers"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/peers.json" \
    --backend cpu --backend mlx --backend torch --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
# the cpu rows are the same run's baseline (their plausibility against a
# probe taken under load is test_runner's business, not this test's)
[ "$(q "SELECT count(*) FROM result WHERE backend = 'cpu'")" = 8 ] ||
    die "cpu rows: $(q "SELECT benchmark, status, message FROM result WHERE backend = 'cpu'")"
for p in $peers; do
    bad=$(q "SELECT benchmark || ': ' || status || ': ' || coalesce(message, '') FROM result
             WHERE backend = '$p' AND (status != 'ok' OR n_samples != 10)")
    [ -z "$bad" ] || die "$p rows not ok: $bad"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$p'")" = 8 ] || die "$p: not 8 rows"
    # the same seeded inputs: the peer's error against the reference is small
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$p' AND max_abs_err < 1e-3")" = 8 ] ||
        die "$p: validation errors not stored"
    [ "$(q "SELECT count(*) FROM device WHERE backend = '$p' AND kind = 'peer'
             AND version IS NOT NULL AND peak_gflops > 0")" = 1 ] || die "$p: device row"
    q "SELECT info FROM device WHERE backend = '$p'" > info.json
    expect_grep '"thread_settings"' info.json
    expect_grep '"python"' info.json
    echo "$p: ok"
done
echo ok
