#!/bin/sh
# The inference kernels (sampling, decoder components) through the whole
# runner on ref, cpu and, where the project venv has them, the peers: every
# row validated and timed; every sampled token exactly the reference's
# (error 0), so every side drew the same token from the same u.
. "$(dirname "$0")/../lib.sh"
backends="--backend ref --backend cpu"
py=$TOP/.venv/bin/python3
peers=
if [ -x "$py" ]; then
    for p in mlx torch; do
        "$py" -c "import $p" >/dev/null 2>&1 && peers="$peers $p" &&
            backends="$backends --backend $p"
    done
fi
export MCBENCH_PYTHON="$py" MCBENCH_PEERS="$TOP/suites/peers"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/infer.json" $backends \
    --rounds 1 --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
for b in ref cpu $peers; do
    bad=$(q "SELECT benchmark || ': ' || status || ': ' || coalesce(message, '') FROM result
             WHERE backend = '$b' AND status != 'ok'")
    [ -z "$bad" ] || die "$b rows not ok: $bad"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'")" = 9 ] || die "$b: not 9 rows"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'
             AND kernel LIKE 'sample_%' AND max_abs_err = 0")" = 4 ] ||
        die "$b: a sampled token differs from the reference's"
    echo "$b: ok"
done
[ -n "$peers" ] || echo "note: no peer in $py; ref and cpu only"
echo ok
