#!/bin/sh
# The document's header names the data it was rendered from: a SHA-256 over
# the exports of its runs, in header order, which anyone can recompute with
# `mcreport export --run UUID` and sha256sum. `mcreport check` tells a
# document rendered from other data (a raw sample changed that no rendered
# number shows, a run added) from an edit of its text, in one line each.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
command -v sha256sum >/dev/null 2>&1 || skip "no sha256sum"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" fixture.sqlite "$F/basic.sql" || die "cannot build the fixture db"
cp "$F/basic.md.in" basic.md.in
check() { mcreport check "$1" --db fixture.sqlite --template basic.md.in --no-charts; }
expect_ok mcreport --db fixture.sqlite --template basic.md.in --no-charts
cp "$T/out" DOC.md
expect_ok check DOC.md

# the digest is recomputable from the exports of the runs the header lists
digest=$(sed -n 's/^> Data: SHA-256 `\([0-9a-f]\{64\}\)` over the exports of those runs.*/\1/p' DOC.md)
[ -n "$digest" ] || die "no digest line in the header"
uuids=$(sed -n '1s/.*, runs \(.*\)\.$/\1/p' DOC.md | tr -d '`,')
[ "$(echo $uuids | wc -w)" = 3 ] || die "runs in the header: '$uuids'"
for u in $uuids; do mcreport export --run "$u" --db fixture.sqlite || die "export $u"; done > exports
[ "$(sha256sum < exports | cut -c1-64)" = "$digest" ] || die "the digest is not that of the exports"

# A stored value the document does not show (a result's validation error;
# the fixture has no raw samples) changed in the db: no number moves, but
# the data is not what was rendered.
cp fixture.sqlite saved.sqlite
rid=$(sqlite3 fixture.sqlite "SELECT r.id FROM result r JOIN run u ON u.id = r.run_id
      WHERE u.uuid = '$(echo $uuids | cut -d' ' -f2)' ORDER BY r.id LIMIT 1")
sqlite3 fixture.sqlite "UPDATE result SET max_rel_err = 0.5 WHERE id = $rid" ||
    die "cannot edit a result"
expect_fail 1 check DOC.md
expect_grep 'mcreport check: DOC.md was rendered from different data: its header names runs whose exports hash to SHA-256 '"$(echo "$digest" | cut -c1-12)"'\.\.\., those runs in fixture.sqlite now hash to [0-9a-f]\{12\}\.\.\. (a run added, dropped or changed since it was rendered); re-render it' "$T/err"
[ "$(wc -l < "$T/err")" = 1 ] || die "more than one line on stderr"
grep -q 'differs from a fresh render' "$T/err" && die "other data reported as a hand edit"
# the only line that differs is the digest
[ "$(grep -c '^[-+]> Data: SHA-256' "$T/out")" = 2 ] || die "diff: $(cat "$T/out")"
[ "$(grep -c '^[-+][^-+]' "$T/out")" = 2 ] || die "more than the digest differs: $(cat "$T/out")"

# An edit of the text over the same data is a hand edit, said so.
cp saved.sqlite fixture.sqlite
expect_ok check DOC.md
sed 's/19.0 µs \[18.8–19.2\]/18.0 µs [18.8–19.2]/' DOC.md > edited.md
cmp -s edited.md DOC.md && die "the text edit changed nothing"
expect_fail 1 check edited.md
expect_grep 'edited.md differs from a fresh render of basic.md.in from the same data; do not edit it by hand' "$T/err"
grep -q 'different data' "$T/err" && die "a hand edit reported as other data"

# A document from before headers named their data is checked as text.
grep -v '^> Data: SHA-256' DOC.md > old.md
expect_fail 1 check old.md
expect_grep 'old.md differs from a fresh render' "$T/err"

# The published record: a run in db/runs/ edited where no rendered number
# shows it (a validation error an import accepts) is caught by a bare
# `mcreport check` in a fresh clone, which rebuilds the db from db/runs/.
mkdir -p pub/db/runs pub/build
expect_ok mcbench run --quick --suite "$TOP/tests/fixtures/cli/tiny.json" --backend cpu --db run.sqlite
u=$(sqlite3 run.sqlite "SELECT uuid FROM run")
mcreport export --run "$u" --db run.sqlite > pub/db/runs/$u.json || die "export"
cd pub || die "cd"
expect_ok mcbench import --db build/doc.sqlite db/runs/$u.json
mcreport --db build/doc.sqlite --no-charts > DOC.md || die "render"
rm -f build/doc.sqlite build/doc.sqlite-wal build/doc.sqlite-shm
expect_ok mcreport check DOC.md --no-charts
sed '0,/"max_rel_err":\t[0-9][0-9.e+-]*/s//"max_rel_err":\t1e-07/' db/runs/$u.json > edited.json
cmp -s edited.json db/runs/$u.json && die "the run edit changed nothing"
mv edited.json db/runs/$u.json
rm -f build/doc.sqlite build/doc.sqlite-wal build/doc.sqlite-shm
expect_fail 1 mcreport check DOC.md --no-charts
expect_grep 'DOC.md was rendered from different data' "$T/err"
[ "$(grep -c '^[-+][^-+]' "$T/out")" = 2 ] || die "more than the digest differs: $(cat "$T/out")"
echo ok
