#!/bin/sh
# The inference kernels on OpenCL (kernels/opencl/sample.cl, decoder.cl,
# layer.cl): the four samplers, the embedding lookup, RoPE, the attention
# and MLP sublayers and the whole decoder layer (at sequence 9: a tail of
# the GEMMs' 4-row blocks), and the decode fixture (cached and recomputed
# generation, a step at ctx 70, sdpa full and causal) through the whole
# runner on every OpenCL device here, validated and timed; every sampled
# and generated token exactly the reference's, on both clocks; the device
# memory of a result is its buffers'. Skips without a device. t5005 takes
# the decoding kernels to odd shapes.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench list --suite "$TOP/tests/fixtures/cli/infer.json"
grep -q 'opencl:' "$T/out" || skip "skip: no OpenCL device"
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/infer.json" --backend opencl \
    --rounds 1 --db x.sqlite
q() { sqlite3 x.sqlite "$1"; }
[ "$(q "SELECT status FROM run")" = complete ] || die "run not complete"
bad=$(q "SELECT benchmark || ' ' || backend || ': ' || status || ': ' || coalesce(message, '')
         FROM result WHERE kernel IN ('sample_greedy', 'sample_top_k', 'sample_top_p',
         'sample_temperature', 'embedding', 'rope', 'attention', 'mlp', 'decoder_layer')
         AND status != 'ok'")
[ -z "$bad" ] || die "rows not ok: $bad"
for dev in $(q "SELECT DISTINCT replace(backend, ' ', '~') FROM result"); do
    b=$(echo "$dev" | tr '~' ' ')
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b' AND clock = 'wall'
             AND kernel IN ('sample_greedy', 'sample_top_k', 'sample_top_p',
             'sample_temperature', 'embedding', 'rope', 'attention', 'mlp',
             'decoder_layer')")" = 9 ] ||
        die "$b: not 9 rows"
    [ "$(q "SELECT count(*) FROM result WHERE backend = '$b'
             AND kernel IN ('sample_greedy', 'sample_top_k', 'sample_top_p',
             'sample_temperature', 'embedding') AND max_abs_err = 0")" = \
      "$(q "SELECT count(*) FROM result WHERE backend = '$b'
             AND kernel IN ('sample_greedy', 'sample_top_k', 'sample_top_p',
             'sample_temperature', 'embedding')")" ] ||
        die "$b: a sampled token or copied row differs from the reference's"
    echo "$b: ok"
done
expect_ok mcbench run --suite "$TOP/tests/fixtures/cli/decode.json" --backend opencl \
    --rounds 1 --db y.sqlite
[ "$(sqlite3 y.sqlite "SELECT count(DISTINCT kernel) FROM result WHERE status = 'ok'
      AND kernel IN ('sdpa', 'sdpa_causal')")" = 2 ] ||
    die "sdpa on OpenCL: $(sqlite3 y.sqlite "SELECT benchmark, status, message FROM result")"
bad=$(sqlite3 y.sqlite "SELECT benchmark || ' ' || backend || ': ' || status || ': ' ||
      coalesce(message, '') FROM result WHERE status != 'ok'")
[ -z "$bad" ] || die "decode fixture on OpenCL: rows not ok: $bad"
# every device ran all 6 rows on both clocks, tokens exact
for dev in $(sqlite3 y.sqlite "SELECT DISTINCT replace(backend, ' ', '~') FROM result"); do
    b=$(echo "$dev" | tr '~' ' ')
    [ "$(sqlite3 y.sqlite "SELECT count(*) FROM result WHERE backend = '$b'")" = 12 ] ||
        die "$b: not 6 decode rows on two clocks"
    [ "$(sqlite3 y.sqlite "SELECT count(*) FROM result WHERE backend = '$b'
          AND kernel IN ('decode', 'decode_recompute') AND max_abs_err = 0")" = 6 ] ||
        die "$b: a generated token differs from the reference's"
done
# device memory: sdpa's buffers, q and o of 4 heads, k and v of 2, each
# 70 x 6 floats (per device: the first one's rows)
want=$((4 * (2 * 4 * 70 * 6 + 2 * 2 * 70 * 6)))
[ "$(sqlite3 y.sqlite "SELECT DISTINCT device_bytes FROM result WHERE kernel = 'sdpa'")" = "$want" ] ||
    die "sdpa's device bytes are not its buffers' $want: $(sqlite3 y.sqlite "SELECT backend, device_bytes FROM result")"
echo ok
