#!/bin/sh
# The decoding kernels through the whole runner on ref, cpu and, where the
# project venv has them, the peers: every row validated and timed, every
# generated token sequence exactly the reference's (error 0), cached and
# recomputed alike; the step's logits within its tolerance. The prompt of 5
# and a step at ctx 70 are on both sides of the cpu's 64-row attention
# blocks' edge; sdpa (attention alone) full and causal at sequence 70.
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
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/decode.json" $backends \
    --rounds 1 --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
for b in ref cpu $peers; do
    bad=$(q "SELECT benchmark || ': ' || status || ': ' || coalesce(message, '') FROM result
             WHERE backend = '$b' AND status != 'ok'")
    [ -z "$bad" ] || die "$b rows not ok: $bad"
    # every backend runs every row here (suites/decoding.json leaves the
    # recompute out of ref)
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'")" = 6 ] || die "$b: not 6 rows"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'
             AND kernel LIKE 'decode%' AND kernel != 'decode_step' AND max_abs_err = 0")" = 3 ] ||
        die "$b: a generated token differs from the reference's"
    echo "$b: ok"
done
[ -n "$peers" ] || echo "note: no peer in $py; ref and cpu only"
echo ok
