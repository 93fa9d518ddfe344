#!/bin/sh
# A claim that holds renders with its measured worst case and a mark; one
# that the data contradicts, or that lacks data, makes mcreport print
# nothing on stdout, name FILE:LINE:COL on stderr, and exit 3.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
render() { printf '%b' "$1" > c.md.in; mcreport --db fixture.sqlite --template c.md.in --no-charts; }
expect_ok render 'Claim:\n{{claim faster a=cpu b=ref suite=layer_ops by=1.5}}\n'
expect_grep '^✅ cpu is at least 1.5x faster than ref on every layer\\_ops benchmark both ran (measured: worst case 6.2x faster \[6.1–6.4\] on layernorm/rows=64,cols=1024; 4 benchmarks)\[^mc1\]$' "$T/out"
expect_grep '^\[^mc1\]: layer\\_ops / all benchmarks: cpu from run `22222222`' "$T/out"
# Contradicted.
expect_fail 3 render 'a\n\n{{claim faster a=cpu b=ref suite=layer_ops by=10}}\n'
[ -s "$T/out" ] && die "a contradicted claim still printed the document"
expect_grep '^c.md.in:3:1: claim does not hold: "cpu is at least 10x faster than ref on every layer_ops benchmark both ran": measured worst case 6.2x faster \[6.1–6.4\] on layernorm/rows=64,cols=1024 (4 benchmarks): fails at the point estimate (6.2x), fails at the bound of its 95% interval (6.1x)$' "$T/err"
expect_grep '1 claim in c.md.in does not hold or lacks data' "$T/err"
# Lacking data (a result that failed validation), and several at once.
expect_fail 3 render '{{claim within a=opencl b=cpu suite=layer_ops pct=500}}\nx {{claim atleast backend=cpu metric=gbps value=100 suite=layer_ops}}\n'
[ -s "$T/out" ] && die "a claim lacking data still printed the document"
expect_grep '^c.md.in:1:1: claim lacks data: .*opencl:pocl-cpu has no ok result for layernorm/rows=64,cols=1024 in run 11111111 (invalid: max rel err 0.31' "$T/err"
expect_grep '^c.md.in:2:3: claim does not hold: "cpu reaches at least 100 GB/s' "$T/err"
expect_grep '2 claims in c.md.in do not hold or lack data' "$T/err"
# Claims about runs that are not complete are impossible: they never count.
expect_ok render '{{claim faster a=cpu b=ref suite=layer_ops bench="softmax/rows=64,cols=1024" by=10}}\n'
expect_grep 'worst case 11x faster' "$T/out"
# One benchmark against another (vs=): the partners of each, here across
# two suites by one parameter (vs.sql on top of basic.sql).
sh "$F/mkdb.sh" "$BIN" vs.sqlite "$F/basic.sql" "$F/vs.sql" || die "cannot build the vs fixture db"
render_vs() { printf '%b' "$1" > v.md.in; mcreport --db vs.sqlite --template v.md.in --no-charts; }
expect_ok render_vs '{{claim share a=cpu suite=sampling vs="decode_step/ctx=128,*" vs_suite=decoding match=vocab pct=1}}\n'
expect_grep '^✅ cpu.s sampling benchmarks each take at most 1% of the time of its decode\\_step/ctx=128,\\\* in decoding with the same vocab (measured: worst case 0.75% \[0.73–0.77\] on sample\\_top\\_p/vocab=151936 against decode\\_step/ctx=128,layers=24,vocab=151936; 4 benchmarks)\[^mc1\]$' "$T/out"
expect_fail 3 render_vs '{{claim faster a=cpu suite=decoding bench="decode/*" vs="decode_recompute/*" by=2}}\n'
[ -s "$T/out" ] && die "a contradicted vs= claim still printed the document"
expect_grep '^v.md.in:1:1: claim does not hold: "cpu runs decode at least 2x faster than decode_recompute with the same parameters, on every decoding benchmark matching decode/\*": measured worst case 1.50x faster \[1.46–1.54\] on decode/prompt=128,gen=10,layers=2 against decode_recompute/prompt=128,gen=10,layers=2 (2 benchmarks): fails at the point estimate (1.50x), fails at the bound of its 95% interval (1.46x)$' "$T/err"
expect_fail 3 render_vs '{{claim share a=cpu suite=sampling vs="decode_step/*" vs_suite=decoding match=vocab pct=1}}\n'
expect_grep 'claim lacks data: .*: sample_greedy/vocab=32000 has 2 partners, decode_step/ctx=128,layers=24,vocab=32000 and decode_step/ctx=512,layers=24,vocab=32000' "$T/err"
expect_fail 2 render_vs 'x {{ratio a=cpu suite=sampling vs="decode_step/ctx=512,*" vs_suite=decoding match=vocab}}\n'
expect_grep '^mcreport: v.md.in:1:32: cannot compute the ratio: sample_greedy/vocab=151936 has no partner: no benchmark of decoding matching .decode_step/ctx=512,\*. on cpu in run 22222222 has the same vocab$' "$T/err"
echo ok
