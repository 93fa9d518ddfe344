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
# A bare check re-renders the way the document's header says it was made.
"$BIN/mcreport" check BENCHMARKS.md || die "BENCHMARKS.md has drifted from db/runs/"
# ... and still catches a hand edit of one digit.
sed '0,/[0-9]x faster/s/\([0-9]\)x faster/\1.1x faster/' BENCHMARKS.md > "$T/edited.md"
cmp -s BENCHMARKS.md "$T/edited.md" && die "the edit changed nothing"
cp "$T/edited.md" "$T/BENCHMARKS.md"
( cd "$TOP" && "$BIN/mcreport" check "$T/BENCHMARKS.md" >/dev/null 2>&1 ) && die "a hand edit was not caught"
echo ok
