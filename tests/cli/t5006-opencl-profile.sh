#!/bin/sh
# MCBENCH_OCL_PROFILE (src/backend/ocl_profile.c): each OpenCL state's
# device time per kernel, appended to the file as it is released: a line
# per kernel of every prepared state, the layer's own kernels named, its
# shares summing to 100%, launches an iteration as the prepare queued
# them; a file that cannot be appended to fails the results that would
# write it, naming it, and the run still completes. Skips without a device.
. "$(dirname "$0")/../lib.sh"
expect_ok mcbench list --suite "$TOP/tests/fixtures/cli/decode-opencl.json"
grep -q 'opencl:' "$T/out" || skip "skip: no OpenCL device"
cat > s.json <<'J'
{ "name": "prof", "description": "t5006",
  "defaults": { "samples": 2, "target_ms": 1, "quick_samples": 2, "quick_target_ms": 1, "seed": 3 },
  "benchmarks": [
    { "kernel": "decoder_layer", "grid": { "seq": [7], "hidden": [22], "heads": [6],
      "kv_heads": [2], "head_dim": [4], "mlp": [36] } } ] }
J
MCBENCH_OCL_PROFILE="$T/p.tsv" expect_ok mcbench run --suite ./s.json --backend opencl \
    --rounds 1 --db x.sqlite
[ -s p.tsv ] || die "no profile written"
# every line: label on device, kernel, launches, ns, percent
awk -F'\t' 'NF != 5 || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' p.tsv ||
    die "a profile line is not label, kernel, launches, ns, percent: $(cat p.tsv)"
# a seven-row layer: attention's rope and core once, the two norms, the
# seven GEMMs (q, k, v, o, gate, up, down) of the tiled kernel
for kn in mc_attn_rope:1 mc_attn_core:1 mc_rmsnorm_at:2 mc_sgemm_64:7; do
    grep -q "^decoder_layer/seq=7,hidden=22,heads=6,kv_heads=2,head_dim=4,mlp=36 on .*	${kn%:*}	${kn#*:}	" p.tsv ||
        die "no line for ${kn%:*}, ${kn#*:} an iteration: $(cat p.tsv)"
done
awk -F'\t' '{ s[$1] += $5 } END { for (l in s) if (s[l] < 99.5 || s[l] > 100.5) exit 1 }' p.tsv ||
    die "a state's shares do not sum to 100%: $(cat p.tsv)"
# an unwritable file: the results fail naming it, the run completes
MCBENCH_OCL_PROFILE="$T/no/such/dir/p.tsv" expect_ok mcbench run --suite ./s.json \
    --backend opencl --rounds 1 --db y.sqlite
[ "$(sqlite3 y.sqlite "SELECT status FROM run")" = complete ] || die "run not complete"
sqlite3 y.sqlite "SELECT DISTINCT status || ': ' || message FROM result" | grep -q "failed: .*no/such/dir/p.tsv" ||
    die "no failure naming the file: $(sqlite3 y.sqlite "SELECT status, message FROM result")"
echo ok
