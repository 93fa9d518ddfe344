#!/bin/sh
# The machine's noise per sample: a run records steal and context switches
# for every sample; {{table}} marks results with samples under heavy steal
# and names them in a footnote, and leaves the others (and runs from before
# the noise was recorded) as they were; mcbench inject's one-line errors.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"

expect_ok mcbench run --quick --suite "$TOP/tests/fixtures/cli/tiny.json" --backend ref --db n.sqlite
# a copy as it was recorded, for mcbench inject below
mcreport export --db n.sqlite > n.json && mcbench import --db m.sqlite n.json > /dev/null || die "copy"
n=$(sqlite3 n.sqlite "SELECT count(*) FROM sample")
[ "$(sqlite3 n.sqlite "SELECT count(nvcsw) FROM sample_noise")" = "$n" ] ||
    die "not every sample has its context switches"
if grep -q '^cpu .* [0-9]* [0-9]* [0-9]* [0-9]* [0-9]* [0-9]* [0-9]* [0-9]*' /proc/stat; then
    [ "$(sqlite3 n.sqlite "SELECT count(steal_ns) FROM sample_noise")" = "$n" ] ||
        die "not every sample has its steal"
    [ "$(sqlite3 n.sqlite "SELECT count(*) FROM result WHERE n_steal_flagged IS NULL")" = 0 ] ||
        die "a result without its count of flagged samples"
fi

# The same run as a run before the noise: no marks; then flag 2 of 5
# samples of one result (fixture data: the flag is what is rendered).
printf '{{table suite=tiny}}\n' > t.md.in
sqlite3 n.sqlite "DELETE FROM sample_noise; UPDATE result SET n_steal_flagged = NULL"
expect_ok mcreport --db n.sqlite --template t.md.in --no-charts
cp "$T/out" before.md
grep -q '‡' before.md && die "a mark without flagged samples"
sqlite3 n.sqlite "UPDATE result SET n_steal_flagged = 2 WHERE benchmark = 'sgemm/m=32,n=32,k=64'"
expect_ok mcreport --db n.sqlite --template t.md.in --no-charts
expect_grep '^| sgemm/m=32,n=32,k=64 | [^|]* ‡ |$' "$T/out"
expect_grep '‡ Samples taken under heavy CPU steal (the hypervisor gave more than a tenth of the machine.s CPU time over the sample to other guests): sgemm/m=32,n=32,k=64 on ref, 2 of 5\. ' "$T/out"
[ "$(grep -c '‡' "$T/out")" = 2 ] || die "expected one mark and one footnote"
# Only that row and the footnote differ from the render without flags
# (and the header's data digest, since the data changed).
grep -v '^> Data: SHA-256' before.md > before.body
grep -v '^> Data: SHA-256' "$T/out" > after.body
[ "$(diff before.body after.body | grep -c '^>')" = 2 ] || { diff before.body after.body; die "more changed than the mark"; }
grep -q '^> Data: SHA-256' "$T/out" || die "no data digest in the header"
! cmp -s before.md "$T/out" || die "the flags changed nothing"

# mcbench inject: a scratch db only, and one-line errors.
expect_fail 2 env -u MCBENCH_DB "$BIN/mcbench" inject --run 1 --factor 1.3
expect_grep '^mcbench inject: it writes a synthetic run; name a scratch db with --db' "$T/err"
expect_fail 2 mcbench inject --run 1 --factor zero --db m.sqlite
expect_grep "^mcbench inject: --factor 'zero' is not a positive number$" "$T/err"
expect_fail 2 mcbench inject --factor 2 --db m.sqlite
expect_grep '^mcbench inject: --run REF and --factor F are required$' "$T/err"
expect_fail 1 mcbench inject --run 1 --factor 2 --bench 'nope*' --db m.sqlite
expect_grep "^mcbench inject: run [0-9a-f-]* has no result with samples matching 'nope\*'$" "$T/err"
expect_fail 1 mcbench inject --run 99 --factor 2 --db m.sqlite
[ "$(wc -l < "$T/err")" = 1 ] || die "error is not one line"
expect_ok mcbench inject --run 1 --factor 2 --bench 'softmax/*' --db m.sqlite
expect_grep '^run [0-9a-f-]*: a copy of 1 with 2 result(s) scaled by 2$' "$T/out"
[ "$(sqlite3 m.sqlite "SELECT count(*) FROM run WHERE notes LIKE '%synthetic (mcbench inject)%not a measurement'")" = 1 ] ||
    die "the copy is not labelled synthetic"
