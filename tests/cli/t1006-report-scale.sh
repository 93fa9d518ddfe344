#!/bin/sh
# Rendering from a db of 10,000 runs takes at most 1 s (charts excluded):
# run selection goes through indexes, not scans.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 CLI to load fixtures"
F=$TOP/tests/fixtures/report
sh "$F/mkdb.sh" "$BIN" many.sqlite "$F/basic.sql" "$F/many.sql" || die "cannot build the fixture db"
[ "$(sqlite3 many.sqlite 'SELECT count(*) FROM run')" = 10005 ] || die "fixture has the wrong number of runs"
cp "$F/perf.md.in" perf.md.in
mcreport --db many.sqlite --template perf.md.in --no-charts > /dev/null 2>&1 || true   # warm the page cache
t0=$(date +%s%N)
expect_ok mcreport --db many.sqlite --template perf.md.in --no-charts
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "render over 10,005 runs: $ms ms"
[ "$ms" -le 1000 ] || die "render took $ms ms (limit 1000)"
expect_grep '90002710-0000-4000-8000-000000002710' "$T/out"
echo ok
