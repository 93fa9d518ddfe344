#!/bin/sh
# The variant fp16 on the real peers (MLX, PyTorch). Their CPU instances
# offer it only under the test hook MCBENCH_PEER_FP16_ON_CPU=1 (the GPU
# instances always do), so the path runs here without a GPU: each kernel
# with fp16 tolerances gets an fp16 row beside its fp32 one, validated at
# the fp16 tolerance with an error fp32's would not allow, the variant
# stored and rendered as a column of its own; decode, whose tokens must be
# exact, gets none; and without the hook the CPU instances measure fp32
# alone. Needs the project venv with mlx or torch.
. "$(dirname "$0")/../lib.sh"
py=$TOP/.venv/bin/python3
[ -x "$py" ] || skip "skip: no peer installed (no $py; make suite creates it)"
peers=
for p in mlx torch; do
    "$py" -c "import $p" >/dev/null 2>&1 && peers="$peers $p"
done
[ -n "$peers" ] || skip "skip: no peer installed (neither mlx nor torch imports in $py)"
export MCBENCH_PYTHON="$py" MCBENCH_PEERS="$TOP/suites/peers"
suite=$TOP/tests/fixtures/cli/peers-fp16.json
MCBENCH_PEER_FP16_ON_CPU=1 expect_ok mcbench run --suite "$suite" \
    --backend mlx --backend torch --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
for p in $peers; do
    bad=$(q "SELECT benchmark || ' ' || variant || ': ' || status || ': ' || coalesce(message, '')
             FROM result WHERE backend = '$p' AND (status != 'ok' OR n_samples != 4)")
    [ -z "$bad" ] || die "$p rows not ok: $bad"
    got=$(q "SELECT group_concat(kernel || '/' || variant, ' ') FROM
             (SELECT kernel, variant FROM result WHERE backend = '$p' ORDER BY kernel, variant)")
    [ "$got" = "decode/ decode_step/ decode_step/fp16 embedding/ embedding/fp16 mlp/ mlp/fp16 rope/ rope/fp16" ] ||
        die "$p: rows $got"
    # the embedding is a copy: exact in fp32 (rtol 0), rounded in fp16
    # (within fp16's rtol 1e-3: a relative 2^-11 at most)
    e=$(q "SELECT max_rel_err FROM result WHERE backend = '$p' AND kernel = 'embedding' AND variant = ''")
    [ "$e" = 0.0 ] || die "$p: fp32 embedding error $e"
    [ "$(q "SELECT max_rel_err > 0 AND max_rel_err < 1e-3 FROM result
            WHERE backend = '$p' AND kernel = 'embedding' AND variant = 'fp16'")" = 1 ] ||
        die "$p: fp16 embedding error $(q "SELECT max_rel_err FROM result WHERE backend = '$p'
                                          AND kernel = 'embedding' AND variant = 'fp16'")"
    # the others: beyond fp32's rtol (rope 1e-4, mlp and decode_step 1e-3),
    # ten times the fp32 row's error at least
    for k in rope:1e-4 mlp:1e-3 decode_step:1e-3; do
        [ "$(q "SELECT h.max_rel_err > ${k#*:} AND h.max_abs_err > 10 * f.max_abs_err
                FROM result h JOIN result f USING (backend, kernel)
                WHERE backend = '$p' AND kernel = '${k%:*}' AND h.variant = 'fp16'
                AND f.variant = ''")" = 1 ] ||
            die "$p: ${k%:*} fp16 error not beyond fp32's"
    done
    echo "$p: ok"
done
# the report: fp16 is a column of its own
printf '{{table suite=peers-fp16}}\n' > t.md.in
expect_ok mcreport --db x.sqlite --template t.md.in
for p in $peers; do
    expect_grep "| $p (fp16) |" "$T/out"
done
# without the hook the CPU instances offer fp32 alone
expect_ok mcbench run --suite "$suite" --backend mlx --backend torch --db y.sqlite
[ "$(sqlite3 y.sqlite "SELECT count(*) FROM result WHERE variant != ''")" = 0 ] ||
    die "fp16 measured on the CPU without the hook"
echo ok
