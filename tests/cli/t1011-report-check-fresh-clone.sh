#!/bin/sh
# On a fresh clone the document's db (a build product) is missing: check
# rebuilds it from the runs published beside the document, as make doc does,
# and when there are none says in one line what to run.
. "$(dirname "$0")/../lib.sh"
mkdir -p pub/db/runs && cd pub || die "no pub"
expect_ok mcbench run --quick --rounds 1 --suite "$TOP/tests/fixtures/cli/tiny.json" \
    --backend ref --db build/doc.sqlite
mcreport export --db build/doc.sqlite > db/runs/run.json || die "export failed"
mcreport --db build/doc.sqlite --no-charts > DOC.md || die "render failed"
rm -f build/doc.sqlite build/doc.sqlite-wal build/doc.sqlite-shm
expect_ok mcreport check DOC.md --no-charts
expect_grep '^mcreport check: build/doc.sqlite was missing; rebuilt it from the 1 run(s) in db/runs/\*.json' "$T/err"
[ -f build/doc.sqlite ] || die "the db was not rebuilt"
# From elsewhere, the runs are found beside the document.
cd "$T" && rm -rf pub/build && mkdir -p other && cd other || die "no other"
expect_ok mcreport check ../pub/DOC.md --no-charts
expect_grep 'rebuilt it from the 1 run(s) in \.\./pub/db/runs/\*.json' "$T/err"
# Nothing to rebuild from: one line that says what to run, exit 1.
cd "$T/pub" && rm -rf build db || die "no pub"
expect_fail 1 mcreport check DOC.md --no-charts
[ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err" >&2; die "not one line"; }
expect_grep '^mcreport check: build/doc.sqlite does not exist .*run `make doc`' "$T/err"
[ -e build/doc.sqlite ] && die "a db was left behind"
echo ok
