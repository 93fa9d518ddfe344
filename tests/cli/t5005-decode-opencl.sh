#!/bin/sh
# The attention and MLP sublayers, the decoder layer (also at one row
# where the GEMMs split k) and the decoding kernels on OpenCL
# (src/backend/ocl_prepare_decoder.c) at odd shapes through the whole
# runner on every OpenCL device here: 7 and 6 rows (tails of the GEMMs'
# 4-row blocks), hidden 22 and a vocabulary of 101 (mc_linear's column
# tail, the norms' tails), 3 query heads per KV head, 2 layers. Every row
# validated on both clocks, the generated tokens exactly the reference's
# (cached: the steps' device-side position and fed-back tokens; recomputed:
# growing passes), the step's logits within its tolerance, and the step's
# device memory its buffers', its own cache with room for the token beside
# the input's; a step at 150 positions (its attention in spans, merged). Skips without a device.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench list --suite "$TOP/tests/fixtures/cli/decode-opencl.json"
grep -q 'opencl:' "$T/out" || skip "skip: no OpenCL device"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/decode-opencl.json" --backend opencl \
    --rounds 1 --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
bad=$(q "SELECT benchmark || ' ' || backend || ': ' || status || ': ' || coalesce(message, '')
         FROM result WHERE status != 'ok'")
[ -z "$bad" ] || die "rows not ok: $bad"
# decode_step's device memory is its buffers': the inputs (x 22, the cache
# of 2 layers x K, V x 2 KV heads x 9 positions x head dim 4, 2 layers of
# 3868 floats, gf 22, head 22 x 101), the logits, and its intermediates
# (q, o 24 each, the keys' and values' 8 each, its own cache with room
# for position 9, the MLP's 36 for the product of its gate and up
# projection, made in one pass, and the residual's 22; one row takes its
# norms and the gate in its GEMMs, so no buffers for them)
want=$((4 * (22 + 2*2*2*9*4 + 2*3868 + 22 + 22*101 + 101 +
             24 + 8 + 8 + 24 + 2*2*2*10*4 + 36 + 22)))
for dev in $(q "SELECT DISTINCT replace(backend, ' ', '~') FROM result"); do
    b=$(echo "$dev" | tr '~' ' ')
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'")" = 22 ] ||
        die "$b: not 11 rows on two clocks"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'
             AND kernel IN ('decode', 'decode_recompute') AND max_abs_err = 0")" = 6 ] ||
        die "$b: a generated token differs from the reference's"
    [ "$(q "SELECT DISTINCT device_bytes FROM result WHERE backend = '$b'
             AND benchmark LIKE 'decode_step/ctx=9,%'")" = "$want" ] ||
        die "$b: decode_step's device bytes are not its buffers' $want: $(q "SELECT
             device_bytes FROM result WHERE backend = '$b' AND benchmark LIKE 'decode_step/ctx=9,%'")"
    echo "$b: ok"
done
echo ok
