#!/bin/sh
# The committed BENCHMARKS.md is exactly what the committed data renders:
# rebuild the document db from db/runs/ as `make doc` does, then check.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || die "no top"
ls db/runs/*.json >/dev/null 2>&1 || skip "skip: no published runs in db/runs/"
[ -f BENCHMARKS.md ] || die "db/runs/ has runs but BENCHMARKS.md is missing"
# The document names build/doc.sqlite, the db `make doc` renders from.
db=build/doc.sqlite
mkdir -p build
rm -f $db $db-wal $db-shm
"$BIN/mcbench" import --db $db db/runs/*.json >/dev/null || die "import of db/runs failed"
"$BIN/mcreport" check BENCHMARKS.md --db build/doc.sqlite || die "BENCHMARKS.md has drifted from db/runs/"
echo ok
