#!/bin/sh
# mcreport check passes on a fresh render and catches every hand edit: a
# number, a row, a claim's wording or verdict, the header, a chart; it
# shows a short diff and never writes charts into the chart directory.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
cp "$F/basic.md.in" basic.md.in
charts=--no-charts
command -v gnuplot >/dev/null 2>&1 && charts=
check() { mcreport check "$1" --db fixture.sqlite --template basic.md.in $charts; }
expect_ok mcreport --db fixture.sqlite --template basic.md.in $charts
cp "$T/out" DOC.md
expect_ok check DOC.md
[ -s "$T/out" ] && die "check of a fresh render printed a diff"
# tamper SED-SCRIPT WHAT: the edit must change the file and be caught.
tamper() {
    sed "$1" DOC.md > edited.md
    cmp -s edited.md DOC.md && die "test edit '$2' changed nothing"
    expect_fail 1 check edited.md
    expect_grep '^--- edited.md' "$T/out"
    expect_grep '^+++ fresh render' "$T/out"
    expect_grep 'edited.md differs from a fresh render' "$T/err"
    [ "$(wc -l < "$T/out")" -le 45 ] || die "diff of '$2' is longer than 45 lines"
}
tamper 's/19.0 µs \[18.8–19.2\]/18.0 µs [18.8–19.2]/' "a number in a table"
expect_grep '^-| softmax/rows=64,cols=1024 | 200 µs' "$T/out"
tamper 's/(cpu 11x faster)\[^mc10\]/(cpu 12x faster)[^mc10]/' "a ratio in prose"
tamper '/^| rmsnorm\/rows=64,cols=1024 | 120 µs/d' "a row"
tamper 's/at least 1.5x faster than ref/at least 15x faster than ref/' "a claim's wording"
tamper 's/^✅ cpu is at least 1.5x/❌ cpu is at least 1.5x/' "a claim's verdict"
tamper 's/worst case 6.2x faster/worst case 9.9x faster/' "a claim's measured value"
tamper 's/do not edit by hand/edit freely/' "the header"
tamper '$d' "the last line"
printf 'extra\n' | cat DOC.md - > edited.md
expect_fail 1 check edited.md
grep -q '^-extra' "$T/out" || die "an added line is not in the diff"
# Charts are rendered elsewhere and compared, never written by check.
if [ -z "$charts" ]; then
    [ -f reports/bars-layer_ops.svg ] || die "render wrote no chart"
    echo '<!-- edited -->' >> reports/bars-layer_ops.svg
    expect_fail 1 check DOC.md
    expect_grep 'chart reports/bars-layer_ops.svg differs from a fresh render' "$T/err"
    rm -r reports
    expect_fail 1 check DOC.md
    expect_grep 'chart reports/bars-layer_ops.svg is missing' "$T/err"
    [ -e reports ] && die "check wrote into the chart directory"
fi
# New data in the db: the document drifts; data that contradicts a claim
# of the template fails as the claim.
sqlite3 fixture.sqlite "UPDATE result SET median_ns = median_ns * 1.01 WHERE run_id = 2"
expect_fail 1 check DOC.md --no-charts
expect_grep '^+| softmax/rows=64,cols=1024 | 200 µs \[198–202\] | 2.62 | 19.2 µs' "$T/out"
sqlite3 fixture.sqlite "UPDATE result SET median_ns = median_ns * 10 WHERE run_id = 2"
expect_fail 3 check DOC.md --no-charts
expect_grep 'claim does not hold' "$T/err"
expect_fail 2 mcreport check
expect_grep 'no FILE given' "$T/err"
expect_fail 1 mcreport check nosuch.md --db fixture.sqlite
expect_grep 'cannot read nosuch.md' "$T/err"
echo ok
